import { escapeControlChars } from '../util/output-guard.js';
import { resolveContext, type Context } from './context.js';
import { settle, type Failure } from './result.js';
import type { ImportNote, ImportProblem } from '../import/types.js';

export interface ImportOptions {
  /** The promptfoo config (relative to the context's `cwd`). @default promptfooconfig.yaml|.yml|.json in `cwd` */
  config?: string;
  /** Folder to write the promptgate project into (relative to `cwd`). @default the promptfoo config's folder */
  out?: string;
  /** Overwrite files the import writes that exist. @default false */
  force?: boolean;
}

/** The project was written; `problems` lists what was not converted (then exitCode is 1). */
export interface ImportOutcome {
  ok: true;
  /** 0 everything converted · 1 some parts were not (each a line in `problems`). */
  exitCode: 0 | 1;
  /** Files written, relative to `outDir`. */
  written: string[];
  /** Files that already held what the import would write (left alone). */
  unchanged: string[];
  problems: ImportProblem[];
  notes: ImportNote[];
  /** The promptgate project's folder (absolute). */
  outDir: string;
}

export type ImportResult = ImportOutcome | Failure;

/**
 * `promptgate import promptfoo`: converts a promptfoo project (YAML / JSON config) into a
 * promptgate project. Prints what the CLI prints: the files written and notes on stdout, one line
 * per part not converted on stderr. Bad input (no config, one that does not parse, files it would
 * overwrite without `force`) is a Failure with exit code 2 and nothing written.
 */
export async function importPromptfoo(options: ImportOptions = {}, context: Context = {}): Promise<ImportResult> {
  const ctx = resolveContext(context);
  return settle(async () => {
    const { importPromptfoo: convert } = await import('../import/index.js');
    const result = await convert({ cwd: ctx.cwd, config: options.config, out: options.out, force: options.force });
    const out = ctx.stdout;
    for (const path of result.written) out.write(`  created    ${path}\n`);
    for (const path of result.unchanged) out.write(`  unchanged  ${path}\n`);
    for (const note of result.notes) out.write(`  note       ${escapeControlChars(`${place(note.where)}: ${note.message}`)}\n`);
    for (const problem of result.problems) {
      ctx.stderr.write(`promptgate: ${escapeControlChars(`${place(problem.where)}: ${problem.message}${problem.hint ? ` (${problem.hint})` : ''}`)}\n`);
    }
    const summary = `${result.prompts} prompt(s), ${result.caseFiles} case file(s), ${result.models} model(s)`;
    if (result.problems.length > 0) {
      out.write(`\nImported ${summary}; ${result.problems.length} part(s) not converted (listed on stderr): fix them by hand, then run npx promptgate check\n`);
    } else {
      out.write(`\nImported ${summary}. Next: npx promptgate check, then npx promptgate run\n`);
    }
    return { ok: true as const, exitCode: result.problems.length > 0 ? (1 as const) : (0 as const), written: result.written, unchanged: result.unchanged, problems: result.problems, notes: result.notes, outDir: result.outDir };
  });
}

function place(where: { file: string; line?: number }): string {
  return where.line === undefined ? where.file : `${where.file}:${where.line}`;
}
