/**
 * A grader that cannot reach a verdict (misconfigured, judge down, regex timed out, ...) throws a
 * `GraderError`: its message becomes the assertion's reason as is, and the assertion fails even
 * when negated. Any other thrown error becomes `grader error: <message>`.
 */
export class GraderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraderError';
  }
}

export function isGraderError(value: unknown): value is GraderError {
  return value instanceof GraderError;
}
