/** Test cases: read CSV / JSONL case files as streams, parse grader specs, find a suite's case files. */
export { parseGraderSpec, assertionFromConfig } from './grader-spec.js';
export { readCases } from './read.js';
export { resolveCaseFiles } from './resolve.js';
export { caseIdOf } from './case-build.js';
export type { TestCase } from './types.js';
