import { loadYaml } from '../prompts/lazy.js';

/** promptfoo reads at most this many characters from an opening brace. */
const MAX_OBJECT_LENGTH = 100_000;

/**
 * The JSON objects in a text as promptfoo's `contains-json` finds them (its `extractJsonObjects`):
 * from each `{`, braces are counted (quotes are not looked at) until they balance, or the text or
 * 100 000 characters end, when the missing `}` are added; that slice, with `//` comments turned into
 * YAML's `#`, is read as YAML, so `{name: Ada}` and `{"a": 1, // note` count too. An object found
 * is kept and the search goes on after it; a slice that does not parse when its braces balance is
 * given up. Arrays and scalars are not looked for.
 */
export function findJsonObjects(text: string): object[] {
  const found: object[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '{') continue;
    let open = 1;
    let close = 0;
    let j = i + 1;
    const limit = Math.min(i + MAX_OBJECT_LENGTH, text.length);
    while (j < limit && open > close) {
      if (text[j] === '{') open++;
      if (text[j] === '}') close++;
      j++;
      if (open !== close && j !== text.length && j !== i + MAX_OBJECT_LENGTH) continue;
      const candidate = text.slice(i, j) + '}'.repeat(Math.max(0, open - close));
      const parsed = readYaml(slashCommentsToHash(candidate));
      if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null) {
        found.push(parsed.value);
        i = j - 1;
        break;
      }
      if (!parsed.ok && open === close) break;
    }
  }
  return found;
}

/**
 * A candidate read as promptfoo reads it (js-yaml, core schema with timestamps and merge keys,
 * `json: true`): a repeated key wins, `2024-01-01` is a date, and a key that is itself a mapping or
 * a list is an error.
 */
function readYaml(text: string): { ok: true; value: unknown } | { ok: false } {
  // Plain JSON reads the same either way (it is YAML, and the comment rewrite leaves it alone): the fast path.
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {}
  const yaml = loadYaml();
  try {
    const document = yaml.parseDocument(text, { schema: 'core', customTags: ['timestamp'], merge: true, uniqueKeys: false, logLevel: 'error' });
    if (document.errors.length > 0) return { ok: false };
    let collectionKey = false;
    yaml.visit(document, {
      Pair(_, pair) {
        if (yaml.isCollection(pair.key)) collectionKey = true;
      },
    });
    return collectionKey ? { ok: false } : { ok: true, value: document.toJS() };
  } catch {
    return { ok: false };
  }
}

const LETTER = /[a-zA-Z]/;

/**
 * Turns `//` comments into `#` comments line by line, outside double-quoted and single-quoted
 * strings, as promptfoo does before reading a candidate as YAML: a `'` opens a string only when no
 * letter is before it (so `don't` does not), and closes one when no letter follows; `//` inside a
 * token holding `://` (a URL) stays; `//`, `////` become `#`, `##`.
 */
export function slashCommentsToHash(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let state: 'normal' | 'single' | 'double' = 'normal';
      let result = '';
      for (let i = 0; i < line.length; i++) {
        const char = line[i];
        if (state === 'single') {
          result += char;
          // `/[a-zA-Z]/.test(undefined)` is true in promptfoo's reader: a `'` at the end of a line does not close.
          if (char === "'" && !escaped(line, i) && !LETTER.test(line[i + 1] ?? 'undefined')) state = 'normal';
          continue;
        }
        if (state === 'double') {
          result += char;
          if (char === '"' && !escaped(line, i)) state = 'normal';
          continue;
        }
        if (char === "'" && !LETTER.test(i > 0 ? line[i - 1] : '')) {
          state = 'single';
          result += char;
        } else if (char === '"') {
          state = 'double';
          result += char;
        } else if (char === '/' && line[i + 1] === '/') {
          let tokenStart = 0;
          for (let j = i - 1; j >= 0; j--) {
            if (/\s/.test(line[j])) {
              tokenStart = j + 1;
              break;
            }
          }
          if (line.slice(tokenStart, i + 2).includes('://')) {
            result += char;
            continue;
          }
          let slashes = 2;
          while (line[i + slashes] === '/') slashes++;
          return result + '#'.repeat(Math.floor(slashes / 2)) + line.slice(i + slashes);
        } else {
          result += char;
        }
      }
      return result;
    })
    .join('\n');
}

/** Whether the quote at `index` is escaped by an odd number of backslashes. */
function escaped(line: string, index: number): boolean {
  let count = 0;
  for (let i = index - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}
