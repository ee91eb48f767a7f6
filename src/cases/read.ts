import { extname } from 'node:path';
import { inputError, outsideProjectError } from '../errors.js';
import { realPathOutside } from '../util/real-path.js';
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
 * Streams the cases of several files in order and rejects a case id seen before (CASE_INVALID
 * naming the second occurrence, and the first). Only the ids are kept in memory; the first
 * occurrence is found by reading the files again, on that error path only.
 */
export async function* readCases(paths: string[], options: CaseReadOptions): AsyncGenerator<TestCase> {
  const seen = new Set<string>();
  for (const path of paths) {
    for await (const testCase of readCaseFile(path, options)) {
      if (seen.has(testCase.id)) {
        const first = await findFirst(paths, testCase.id, options);
        const firstAt = first ? ` (first at ${first.file}:${first.line})` : '';
        throw inputError(
          'CASE_INVALID',
          `duplicate case id '${testCase.id}'${firstAt}`,
          testCase.source,
          'ids default to a hash of the variables: two cases with the same variables need distinct __id / id values',
        );
      }
      seen.add(testCase.id);
      yield testCase;
    }
  }
}

async function findFirst(paths: string[], id: string, options: CaseReadOptions): Promise<TestCase['source'] | undefined> {
  for (const path of paths) {
    for await (const testCase of readCaseFile(path, options)) {
      if (testCase.id === id) return testCase.source;
    }
  }
  return undefined;
}
