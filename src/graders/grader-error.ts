import type { JudgeRecord } from './types.js';

/**
 * A grader that cannot reach a verdict (misconfigured, judge down, unusable judge reply, ...) throws a
 * `GraderError`: its message becomes the assertion's reason as is, and the assertion fails even
 * when negated. Any other thrown error becomes `grader error: <message>`.
 */
export class GraderError extends Error {
  /** The judge call behind the error (a rubric whose judge replied unusably). */
  readonly judge?: JudgeRecord;

  constructor(message: string, options: { judge?: JudgeRecord } = {}) {
    super(message);
    this.name = 'GraderError';
    if (options.judge) this.judge = options.judge;
  }
}

export function isGraderError(value: unknown): value is GraderError {
  return value instanceof GraderError;
}
