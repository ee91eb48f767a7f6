import type { BatchLimits, BatchLine } from './types.js';

/**
 * Cuts lines into batches within a provider's limits, in order: at most `maxRequests` lines and
 * `maxBytes` bytes (lineBytes of each, as uploaded) per batch. A single line above `maxBytes` goes
 * alone into a batch of its own (the API refuses it there, and only it).
 */
export function splitByLimits(lines: BatchLine[], limits: BatchLimits, lineBytes: (line: BatchLine) => number): BatchLine[][] {
  const batches: BatchLine[][] = [];
  let current: BatchLine[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = lineBytes(line);
    if (current.length > 0 && (current.length >= limits.maxRequests || bytes + size > limits.maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
