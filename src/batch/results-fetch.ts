import { ResponseTooLargeError } from '../providers/http-fetch.js';

export interface ResultsFetchOptions {
  /** Longest line of a body, in bytes as decompressed (the model entry's `maxResponseBytes`). */
  maxLineBytes: number;
  /** Remove the `authorization` and `x-api-key` headers: for an entry that sends no API key. */
  dropAuth?: boolean;
  /** The fetch underneath. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** The `result.type` of the line that stands for a result line past `maxLineBytes`. */
export const TOO_LARGE_RESULT = 'promptgate_response_too_large';

const AUTH_HEADERS = ['authorization', 'x-api-key'];
const NEWLINE = 0x0a;
/** How much of a line too large is kept to find its custom id (the API writes `custom_id` first). */
const HEAD_BYTES = 256;
const CUSTOM_ID_AT_START = /^\s*\{\s*"custom_id"\s*:\s*"([A-Za-z0-9_-]{1,64})"/;

/**
 * A fetch for a batch's results stream (JSONL, one line per request, as large as the batch): the
 * body streams, line by line. The providers' fetch (providers/http-fetch.ts) reads a body whole, at
 * most `maxResponseBytes`; here that cap holds for each LINE, one request's answer: a line past it
 * is not passed on (nor held in memory past the cap) but replaced by
 * `{"custom_id": <its custom id>, "result": {"type": TOO_LARGE_RESULT, "limit": <cap>}}`, so that
 * one request reads as a normal call's reply too large would, and the lines after it are read. A
 * compressed body that inflates without a newline is such a line. An error status is returned as
 * received (the SDK reads its body).
 */
export function createResultsFetch(options: ResultsFetchOptions): typeof fetch {
  const base = options.fetch ?? globalThis.fetch;
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (options.dropAuth) for (const name of AUTH_HEADERS) headers.delete(name);
    const response = await base(input, { ...init, headers });
    if (!response.ok || !response.body) return response;
    const out = new Headers(response.headers);
    // The body is decompressed by now: its encoding and length are no longer those of what is passed on.
    out.delete('content-encoding');
    out.delete('content-length');
    return new Response(response.body.pipeThrough(cappedLines(options.maxLineBytes)), { status: response.status, statusText: response.statusText, headers: out });
  }) as typeof fetch;
}

/** The bytes, passed on a whole line at a time; a line past `max` bytes is replaced (see createResultsFetch). */
function cappedLines(max: number): TransformStream<Uint8Array, Uint8Array> {
  let parts: Uint8Array[] = [];
  let size = 0;
  /** The start of the line too large being skipped; undefined when not skipping. */
  let skipped: string | undefined;
  const encoder = new TextEncoder();
  const endLine = (out: Uint8Array[]) => {
    if (skipped !== undefined) out.push(encoder.encode(`${tooLargeLine(skipped, max)}\n`));
    else out.push(...parts, Uint8Array.of(NEWLINE));
    parts = [];
    size = 0;
    skipped = undefined;
  };
  return new TransformStream({
    transform(chunk, controller) {
      const out: Uint8Array[] = [];
      for (let start = 0; start < chunk.length; ) {
        const newline = chunk.indexOf(NEWLINE, start);
        const end = newline === -1 ? chunk.length : newline;
        if (skipped === undefined) {
          parts.push(chunk.subarray(start, end));
          size += end - start;
          if (size > max) {
            skipped = new TextDecoder().decode(concat(parts).subarray(0, HEAD_BYTES));
            parts = [];
          }
        }
        if (newline === -1) break;
        endLine(out);
        start = newline + 1;
      }
      if (out.length > 0) controller.enqueue(concat(out));
    },
    flush(controller) {
      if (skipped === undefined && size === 0) return;
      const out: Uint8Array[] = [];
      endLine(out);
      controller.enqueue(concat(out));
    },
  });
}

function tooLargeLine(head: string, max: number): string {
  const customId = CUSTOM_ID_AT_START.exec(head)?.[1] ?? null;
  return JSON.stringify({ custom_id: customId, result: { type: TOO_LARGE_RESULT, limit: max } });
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The message of a line past the cap: a normal call's reply past it says the same. */
export function tooLargeMessage(limit: number): string {
  return new ResponseTooLargeError(limit).message;
}
