import type { TokenUsage } from './types.js';

/** More tokens than any single call uses: a count above it is a broken server, not a bill. */
export const MAX_PLAUSIBLE_TOKENS = 1e9;

/** Whether `value` is a token count worth believing: a whole number from 0 to MAX_PLAUSIBLE_TOKENS. */
export function isTokenCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_PLAUSIBLE_TOKENS;
}

/**
 * Token usage as a server reported it, or undefined (unknown) when either count is missing or not
 * believable: not a number, not finite, negative, fractional, or above MAX_PLAUSIBLE_TOKENS. An
 * unknown usage has no cost and leaves the tpm limiter on its estimate, so one bad reply can
 * neither print `Infinity tokens` / `$NaN` nor stall the limiter.
 */
export function tokenUsageOf(input: unknown, output: unknown): TokenUsage | undefined {
  return isTokenCount(input) && isTokenCount(output) ? { inputTokens: input, outputTokens: output } : undefined;
}
