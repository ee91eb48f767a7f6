import { PromptgateError } from '../../src/errors.js';

/** The PromptgateError `run` throws (or its promise rejects with); any other error is rethrown, and no error fails the test. */
export function thrown(run: () => unknown): PromptgateError;
export function thrown(run: () => Promise<unknown>): Promise<PromptgateError>;
export function thrown(run: () => unknown): PromptgateError | Promise<PromptgateError> {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    return asPromptgateError(error);
  }
  if (result instanceof Promise) {
    return result.then(
      () => {
        throw new Error('expected a PromptgateError');
      },
      (error: unknown) => asPromptgateError(error),
    );
  }
  throw new Error('expected a PromptgateError');
}

function asPromptgateError(error: unknown): PromptgateError {
  if (error instanceof PromptgateError) return error;
  throw error;
}
