/** Test cases: read CSV / JSONL case files as streams, parse grader specs, find a suite's case files. */
export { parseGraderSpec, assertionFromConfig, toAssertion, splitList, type AssertionInput } from './grader-spec.js';
export { readCsvCases } from './csv.js';
export { readJsonlCases } from './jsonl.js';
export { readCases, readCaseFile, CASE_FILE_EXTENSIONS } from './read.js';
export { resolveCaseFiles } from './resolve.js';
export { caseIdOf, MAX_LINE_BYTES } from './case-build.js';
export type { Assertion, CaseReadOptions, GraderType, TestCase } from './types.js';
