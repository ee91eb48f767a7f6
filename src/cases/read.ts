import { extname } from 'node:path';
import { inputError, outsideProjectError } from '../errors.js';
import { realPathOutside } from '../util/real-path.js';
import { shortHash, stableStringify } from '../util/hash.js';
import { projectPath } from './case-build.js';
import { readCsvCases } from './csv.js';
import { readJsonlCases } from './jsonl.js';
import type { CaseReadOptions, TestCase } from './types.js';

/** File extensions case files may have. */
export const CASE_FILE_EXTENSIONS: readonly string[] = ['.csv', '.jsonl'];

/**
 * Streams the cases of one file, by its extension (`.csv` or `.jsonl`). No duplicate-id check.
 * A symlink resolving outside the project is PATH_UNSAFE: its content would be sent to a model.
 */
export async function* readCaseFile(file: string, options: CaseReadOptions): AsyncGenerator<TestCase> {
  const extension = extname(file).toLowerCase();
  if (extension !== '.csv' && extension !== '.jsonl') {
    throw inputError('CASE_INVALID', `unsupported case file type '${extension || file}' (use .csv or .jsonl)`, { file: projectPath(file, options.rootDir) });
  }
  const outside = await realPathOutside(file, options.rootDir);
  if (outside) throw outsideProjectError(projectPath(file, options.rootDir), outside);
  yield* extension === '.csv' ? readCsvCases(file, options) : readJsonlCases(file, options);
}

/**
 * Streams the cases of several files in order, each with a distinct id. A default id is the hash
 * of the case's variables (caseIdOf); a later case with the same variables and no `__id` / `id`
 * (promptfoo runs such rows as separate cases) gets the hash of its variables and its own
 * assertions, then `-2`, `-3` … among rows equal in both. So inserting or reordering unrelated
 * rows changes no id, and the first row with given variables keeps the id of its variables (the
 * id the runtime's logged calls carry). An explicit id seen before is CASE_INVALID naming the
 * second occurrence, and the first. Only the ids are kept in memory; the first occurrence is found
 * by reading the files again, on that error path only.
 */
export async function* readCases(paths: string[], options: CaseReadOptions): AsyncGenerator<TestCase> {
  for await (const { testCase, duplicate } of casesWithIds(paths, options)) {
    if (duplicate) {
      const first = await findFirst(paths, testCase.id, options);
      const firstAt = first ? ` (first at ${first.file}:${first.line})` : '';
      throw inputError(
        'CASE_INVALID',
        `duplicate case id '${testCase.id}'${firstAt}`,
        testCase.source,
        'give each case its own __id / id (a case without one gets a distinct id of its own)',
      );
    }
    yield testCase;
  }
}

async function* casesWithIds(paths: string[], options: CaseReadOptions): AsyncGenerator<{ testCase: TestCase; duplicate: boolean }> {
  const seen = new Set<string>();
  const suiteAsserts = options.suiteAssert?.length ?? 0;
  for (const path of paths) {
    for await (const read of readCaseFile(path, options)) {
      let testCase = read;
      if (seen.has(testCase.id) && testCase.implicitId) testCase = { ...testCase, id: distinctId(testCase, suiteAsserts, seen) };
      const duplicate = seen.has(testCase.id);
      seen.add(testCase.id);
      yield { testCase, duplicate };
    }
  }
}

/** The id of a case whose variables an earlier case has: the hash of its variables and own assertions, then an ordinal. */
function distinctId(testCase: TestCase, suiteAsserts: number, seen: ReadonlySet<string>): string {
  const own = testCase.assertions.slice(0, testCase.assertions.length - suiteAsserts);
  const assert = own.map((a) => [a.spec ?? `${a.negate ? 'not-' : ''}${a.type}`, a.weight, a.threshold ?? null, a.metric ?? null]);
  const base = shortHash(stableStringify({ vars: testCase.vars, assert }));
  if (!seen.has(base)) return base;
  for (let n = 2; ; n++) if (!seen.has(`${base}-${n}`)) return `${base}-${n}`;
}

async function findFirst(paths: string[], id: string, options: CaseReadOptions): Promise<TestCase['source'] | undefined> {
  for await (const { testCase } of casesWithIds(paths, options)) {
    if (testCase.id === id) return testCase.source;
  }
  return undefined;
}
