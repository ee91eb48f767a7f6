import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../config/defaults.js';
import type { ModelConfig } from '../config/types.js';

/**
 * A small `fetch` for the provider SDKs' non-streaming JSON calls, over node:http(s) with
 * keep-alive agents. Node's built-in fetch (undici, WHATWG streams, transferable abort signals)
 * was most of the client's CPU per call in `npm run bench`, which limits how many requests a
 * run keeps in flight on a small CI machine.
 *
 * Covers what the SDKs send: a URL string, method, headers, a string or byte body, a signal. The
 * response body is read whole and returned as a BufferedResponse, at most `maxResponseBytes` of it
 * as received and as decompressed (a reply past that fails with a ResponseTooLargeError, before it
 * takes more memory). Anything else (a Request object, a stream or form body) goes to `fallback`.
 */
export function createHttpFetch(options: HttpFetchOptions = {}): typeof fetch {
  const fallback = options.fallback ?? globalThis.fetch;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    if (options.dropAuth) init = { ...init, headers: withoutAuth(init.headers) };
    const body = init.body;
    const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : undefined;
    if (!url || !plainBody || (url.protocol !== 'http:' && url.protocol !== 'https:')) return fallback(input, init);
    return request(url, init, body as string | Uint8Array | null | undefined, agents[url.protocol], maxBytes);
  }) as typeof fetch;
}

/** The fetch an SDK client of this model entry uses: `maxResponseBytes` from the entry; no key header when `key` is undefined. */
export function fetchFor(config: Pick<ModelConfig, 'maxResponseBytes'>, key: string | undefined): typeof fetch {
  return createHttpFetch({ maxResponseBytes: config.maxResponseBytes, dropAuth: key === undefined });
}

export interface HttpFetchOptions {
  /** Where requests this fetch does not handle go. @default globalThis.fetch */
  fallback?: typeof fetch;
  /** Largest response body, in bytes, as received and after decompression. @default 32 MiB */
  maxResponseBytes?: number;
  /** Remove the `authorization` and `x-api-key` headers: for an entry that sends no API key. */
  dropAuth?: boolean;
}

/** A response body past the limit (`limit` bytes); `code` lets callers recognise it through an SDK's wrapping. */
export class ResponseTooLargeError extends Error {
  readonly code = 'PROMPTGATE_RESPONSE_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`response larger than ${formatBytes(limit)} (maxResponseBytes)`);
    this.name = 'ResponseTooLargeError';
  }
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

const AUTH_HEADERS = ['authorization', 'x-api-key'];

function withoutAuth(headers: RequestInit['headers']): Headers {
  const out = new Headers(headers);
  for (const name of AUTH_HEADERS) out.delete(name);
  return out;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const gunzip = promisify<Buffer, zlib.ZlibOptions, Buffer>(zlib.gunzip);
const inflate = promisify<Buffer, zlib.ZlibOptions, Buffer>(zlib.inflate);
const brotli = promisify<Buffer, zlib.BrotliOptions, Buffer>(zlib.brotliDecompress);
/** Decoders that stop (ERR_BUFFER_TOO_LARGE) once the output passes `max` bytes: a small bomb never inflates whole. */
const decoders: Record<string, (data: Buffer, max: number) => Promise<Buffer>> = {
  gzip: (data, max) => gunzip(data, { maxOutputLength: max }),
  'x-gzip': (data, max) => gunzip(data, { maxOutputLength: max }),
  deflate: (data, max) => inflate(data, { maxOutputLength: max }),
  br: (data, max) => brotli(data, { maxOutputLength: max }),
};

function request(url: URL, init: RequestInit, body: string | Uint8Array | null | undefined, agent: http.Agent, maxBytes: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(abortError(signal));
    const headers: Record<string, string> = {};
    // The SDKs pass a Headers object already: read it rather than copy it into a new one.
    (init.headers instanceof Headers ? init.headers : new Headers(init.headers)).forEach((value, key) => {
      headers[key] = value;
    });
    if (body !== undefined && body !== null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    const client = url.protocol === 'https:' ? https : http;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    };
    const req = client.request(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) {
          fail(new ResponseTooLargeError(maxBytes));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('aborted', () => fail(connectionError('the connection closed before the response ended')));
      res.on('end', () => {
        if (settled) return;
        if (!res.complete) return fail(connectionError('the connection closed before the response ended'));
        const responseHeaders = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        const status = res.statusCode ?? 500;
        const raw = Buffer.concat(chunks);
        const encoding = responseHeaders.get('content-encoding')?.trim().toLowerCase();
        const decode = encoding && decoders[encoding];
        (decode ? decode(raw, maxBytes) : Promise.resolve(raw)).then(
          (data) => {
            if (settled) return;
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            if (decode) responseHeaders.delete('content-encoding');
            resolve(new BufferedResponse(url.href, status, res.statusMessage ?? '', responseHeaders, NULL_BODY_STATUSES.has(status) ? Buffer.alloc(0) : data) as unknown as Response);
          },
          (error: unknown) => fail((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? new ResponseTooLargeError(maxBytes) : error),
        );
      });
    });
    const onAbort = () => {
      req.destroy();
      fail(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.end(body ?? undefined);
  });
}

/**
 * The part of `Response` the SDKs read from a non-streaming reply (status, headers, json/text),
 * over a body already in memory. A WHATWG Response wraps its body in a ReadableStream and reads
 * it back through it: several times the cost of the rest of a call's handling here.
 * `body` is null: nothing is left to stream or cancel.
 */
export class BufferedResponse {
  readonly body = null;
  readonly redirected = false;
  readonly type = 'basic';
  private used = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    private readonly data: Buffer,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  async text(): Promise<string> {
    return this.consume().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.consume().toString('utf8'));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const data = this.consume();
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  }

  clone(): BufferedResponse {
    if (this.used) throw new TypeError('Response.clone: body has already been consumed.');
    return new BufferedResponse(this.url, this.status, this.statusText, new Headers(this.headers), this.data);
  }

  /** Like a Response, the body can be read once. */
  private consume(): Buffer {
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    this.used = true;
    return this.data;
  }
}

function abortError(signal: AbortSignal): Error {
  const error = new Error(signal.reason instanceof Error ? signal.reason.message : 'This operation was aborted');
  error.name = 'AbortError';
  return error;
}

function connectionError(message: string): Error {
  return Object.assign(new TypeError(`fetch failed: ${message}`), { code: 'ECONNRESET' });
}
