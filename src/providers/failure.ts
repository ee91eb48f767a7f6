import type { ProviderErrorCode, ProviderFailure } from './types.js';

/** Longest error message a call records; API error bodies can be large. */
export const MAX_MESSAGE_LENGTH = 500;

/** Shortest secret scrubbed, and shortest piece of a cut secret recognised at a cut. */
const MIN_SECRET_LENGTH = 8;

/**
 * Builds a failure value (providers return these, never throw). The message is kept whole: it is
 * scrubbed of secrets and only then cut to MAX_MESSAGE_LENGTH, by `cleanMessage` (scrub.ts wraps
 * every provider with it), so a cut can never leave part of a key behind.
 */
export function providerFailure(
  code: ProviderErrorCode,
  message: string,
  retryable: boolean,
  extra: { retryAfterMs?: number; status?: number; netCode?: string } = {},
): ProviderFailure {
  const error: ProviderFailure['error'] = { code, message, retryable };
  if (extra.retryAfterMs !== undefined) error.retryAfterMs = extra.retryAfterMs;
  if (extra.status !== undefined) error.status = extra.status;
  if (extra.netCode !== undefined) error.netCode = extra.netCode;
  return { ok: false, error };
}

/**
 * Replaces every occurrence of each secret in `text` with `***`. Secrets shorter than 8 characters
 * are left alone: placeholders such as `not-needed` are no secrets, and scrubbing short strings
 * would mangle ordinary words.
 *
 * Defence in depth against text someone else cut (a server truncating its error body, a cut made
 * before scrubbing): a piece of at least 8 characters of a secret at a cut is scrubbed too: the
 * secret's beginning at the end of the text or just before an ellipsis (`…`, `...`), and its end
 * at the start of the text or just after one.
 */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    if (out.includes(secret)) out = out.split(secret).join('***');
    out = scrubCutSecret(out, secret);
  }
  return out;
}

/** `text` scrubbed of `secrets`, then cut to `max` characters (scrubbing first: see providerFailure). */
export function cleanMessage(text: string, secrets: ReadonlyArray<string | undefined>, max = MAX_MESSAGE_LENGTH): string {
  return truncate(scrubSecrets(text, secrets), max);
}

const CUT_MARKS = ['…', '...'];

function scrubCutSecret(text: string, secret: string): string {
  const head = secret.slice(0, MIN_SECRET_LENGTH);
  const tail = secret.slice(-MIN_SECRET_LENGTH);
  if (!text.includes(head) && !text.includes(tail)) return text;
  // Cut points: the ends of the text and every ellipsis.
  const ends = new Set<number>([text.length]);
  const starts = new Set<number>([0]);
  for (const mark of CUT_MARKS) {
    for (let i = text.indexOf(mark); i !== -1; i = text.indexOf(mark, i + 1)) {
      ends.add(i);
      starts.add(i + mark.length);
    }
  }
  // [from, to) ranges to replace, found on the unmodified text.
  const ranges: Array<[number, number]> = [];
  for (const end of ends) {
    // The longest beginning of the secret (>= 8 characters) that ends at `end`.
    for (let length = Math.min(secret.length - 1, end); length >= MIN_SECRET_LENGTH; length--) {
      if (text.startsWith(secret.slice(0, length), end - length)) {
        ranges.push([end - length, end]);
        break;
      }
    }
  }
  for (const start of starts) {
    for (let length = Math.min(secret.length - 1, text.length - start); length >= MIN_SECRET_LENGTH; length--) {
      if (text.startsWith(secret.slice(secret.length - length), start)) {
        ranges.push([start, start + length]);
        break;
      }
    }
  }
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => b[0] - a[0]);
  let out = text;
  let floor = Number.POSITIVE_INFINITY;
  for (const [from, to] of ranges) {
    const stop = Math.min(to, floor);
    if (stop <= from) continue;
    out = `${out.slice(0, from)}***${out.slice(stop)}`;
    floor = from;
  }
  return out;
}

/** The first `max` characters of `text`, with an ellipsis when cut. */
export function truncate(text: string, max = MAX_MESSAGE_LENGTH): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The abort reason of `signal` as text, for error messages. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.message) return reason.message;
  if (typeof reason === 'string' && reason) return reason;
  return 'the request was aborted';
}

/** The failure for a call whose signal fired: not retryable here, the scheduler decides. */
export function abortedFailure(signal: AbortSignal): ProviderFailure {
  return providerFailure('aborted', `aborted: ${abortReason(signal)}`, false);
}
