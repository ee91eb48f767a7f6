import { relative, sep } from 'node:path';
import { inputError } from '../errors.js';
import { shortHash, stableStringify } from '../util/hash.js';
import type { Assertion, CaseReadOptions, TestCase } from './types.js';

/** A line longer than this is refused instead of buffered (a missing quote or newline, usually). */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/**
 * The default case id: a hash of the variables (key order does not matter), so inserting or
 * reordering rows changes no ids. First 12 hex digits of sha256.
 */
export function caseIdOf(vars: Record<string, unknown>): string {
  return shortHash(stableStringify(vars));
}

/** A path relative to the project root with `/`, as cases name their files. */
export function projectPath(file: string, rootDir: string): string {
  const rel = relative(rootDir, file);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** The parts of a case a reader found; `finishCase` adds the id default and the suite assertions. */
export interface CaseParts {
  id?: string;
  vars: Record<string, unknown>;
  assertions: Assertion[];
  description?: string;
  tags: string[];
  threshold?: number;
  prefix?: string;
  suffix?: string;
  /** promptfoo `__providerOutput`: the output to grade; no model is called for the case. */
  providerOutput?: string;
  metadata: Record<string, string | string[]>;
  source: { file: string; line: number };
}

/** Completes a case: the default id (hash of the variables) and the suite assertions appended. */
export function finishCase(parts: CaseParts, options: CaseReadOptions): TestCase {
  const assertions = options.suiteAssert?.length ? parts.assertions.concat(options.suiteAssert) : parts.assertions;
  const testCase: TestCase = {
    id: parts.id === undefined || parts.id === '' ? caseIdOf(parts.vars) : parts.id,
    vars: parts.vars,
    assertions,
    tags: parts.tags,
    metadata: parts.metadata,
    source: parts.source,
  };
  if (parts.description !== undefined && parts.description !== '') testCase.description = parts.description;
  if (parts.threshold !== undefined) testCase.threshold = parts.threshold;
  if (parts.prefix) testCase.prefix = parts.prefix;
  if (parts.suffix) testCase.suffix = parts.suffix;
  if (parts.providerOutput !== undefined) testCase.providerOutput = parts.providerOutput;
  if (parts.id === undefined || parts.id === '') testCase.implicitId = true;
  return testCase;
}

/** `a, b ,c` → ['a', 'b', 'c'] (empty items dropped). */
export function splitTags(text: string): string[] {
  return text.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
}

/** A case threshold: a number from 0 to 1 (text from CSV, a number from JSONL). */
export function parseCaseThreshold(value: unknown, what: string, where: { file: string; line: number }): number | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(number) || number < 0 || number > 1) {
    throw inputError('CASE_INVALID', `${what} ${JSON.stringify(value)} is not a number from 0 to 1`, where);
  }
  return number;
}
