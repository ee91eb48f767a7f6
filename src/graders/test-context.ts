import type { Assertion, GraderType } from '../cases/types.js';
import type { GraderContext } from './types.js';

/** Test helper: an assertion with defaults (not negated, weight 1, source t.csv:2). */
export function makeAssertion(type: GraderType, value?: unknown, extra: Partial<Assertion> = {}): Assertion {
  return { type, value, negate: false, weight: 1, source: { file: 't.csv', line: 2 }, ...extra };
}

/** Test helper: a grader context with no judge, no JS graders, root at the working directory. */
export function makeContext(extra: Partial<GraderContext> = {}): GraderContext {
  return { vars: {}, prompt: { id: 'p', version: '1.0.0' }, model: 'm', graders: {}, rootDir: process.cwd(), ...extra };
}
