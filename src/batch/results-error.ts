import type { ProviderFailure } from '../providers/types.js';

/**
 * Thrown by a BatchTransport's `results()` when a batch's results cannot be read (the batch or a
 * results file could not be fetched): `failure` is the call failure it maps to, `retryable` when a
 * later try may work. Nothing has been given by then: the collector may call `results()` again.
 */
export class BatchResultsError extends Error {
  constructor(readonly failure: ProviderFailure) {
    super(failure.error.message);
    this.name = 'BatchResultsError';
  }
}
