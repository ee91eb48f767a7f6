import type { TestCase } from '../cases/types.js';
import { closestMatch } from '../config/suggest.js';
import type { PromptFile } from '../prompts/types.js';

/** promptfoo's reserved CSV columns without the `__`, for "did you mean" on a column like `expected`. */
const CSV_RESERVED = ['id', 'expected', 'description', 'tags', 'threshold', 'metric', 'prefix', 'suffix'];
/** A JSONL line's own keys (a `vars` key with one of these names was probably meant as that key). */
const JSONL_KEYS = ['id', 'expected', 'assert', 'description', 'tags', 'threshold', 'metric', 'prefix', 'suffix', 'metadata'];

/** Graders that hand the case's variables to code (a config grader, inline code, a script, a webhook). */
const CODE_GRADERS = new Set(['js', 'javascript', 'python', 'webhook']);

/**
 * Finds case variables the prompt never reads: a CSV column or JSONL `vars` key that no
 * template variable uses is silently dropped, often a misspelt reserved column (`expected` for
 * `__expected`). Says nothing when the template reads the root context as a whole (its variables
 * depend on the data) or a code grader (`js:`, `javascript`, `python`, `webhook`) may read the variables. Warnings only: exit codes do not change.
 */
export function createUnusedVarsCheck(prompt: PromptFile): { add(testCase: TestCase): void; warnings(): string[] } {
  const used = new Set(prompt.variables);
  /** file → unused name → the first line it appears on */
  const files = new Map<string, Map<string, number>>();
  let skip = prompt.readsWholeContext === true;
  return {
    add(testCase) {
      if (skip) return;
      if (testCase.assertions.some((assertion) => CODE_GRADERS.has(assertion.type))) {
        skip = true;
        return;
      }
      let names = files.get(testCase.source.file);
      for (const name of Object.keys(testCase.vars)) {
        if (used.has(name)) continue;
        if (!names) {
          names = new Map();
          files.set(testCase.source.file, names);
        }
        if (!names.has(name)) names.set(name, testCase.source.line);
      }
    },
    warnings() {
      if (skip) return [];
      const out: string[] = [];
      for (const [file, names] of files) {
        const csv = file.toLowerCase().endsWith('.csv');
        for (const [name, line] of names) {
          const suggestion = csv ? reservedColumnFor(name) : jsonlKeyFor(name);
          const hint = suggestion ?? `its values never reach the model: remove it, or use {{${name}}} in the template`;
          // A CSV column is named on the header line.
          out.push(`${file}:${csv ? 1 : line}: ${csv ? 'column' : 'vars key'} '${name}' is not used by ${prompt.path} (${hint})`);
        }
      }
      return out;
    },
  };
}

/** `expected` → did you mean `__expected`? (also `_expected`, `Expected2`, `expeted`, `description`, `tags` ...) */
function reservedColumnFor(name: string): string | undefined {
  const match = /^_*(.*?)(\d*)$/.exec(name);
  if (!match) return undefined;
  const base = match[1].toLowerCase();
  const digits = match[2];
  const reserved = near(base, CSV_RESERVED);
  if (!reserved || (digits && reserved !== 'expected')) return undefined;
  return `did you mean \`__${reserved}${digits}\`?`;
}

function jsonlKeyFor(name: string): string | undefined {
  const key = near(name.replace(/^_+/, '').toLowerCase(), JSONL_KEYS);
  return key ? `did you mean the line's own "${key}" key, outside "vars"?` : undefined;
}

/** Exact for short names (`id`), else a small edit distance. */
function near(base: string, candidates: readonly string[]): string | undefined {
  if (candidates.includes(base)) return base;
  return base.length >= 4 ? closestMatch(base, candidates) : undefined;
}
