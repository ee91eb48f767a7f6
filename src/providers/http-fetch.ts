import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/**
 * A small `fetch` for the provider SDKs' non-streaming JSON calls, over node:http(s) with
 * keep-alive agents. Node's built-in fetch (undici, WHATWG streams, transferable abort signals)
 * was most of the client's CPU per call in `npm run bench`, which limits how many requests a
 * run keeps in flight on a small CI machine.
 *
 * Covers what the SDKs send: a URL string, method, headers, a string or byte body, a signal. The
 * response body is read whole and returned as a standard `Response`. Anything else (a Request
 * object, a stream or form body) goes to the global fetch unchanged.
 */
export function createHttpFetch(fallback: typeof fetch = globalThis.fetch): typeof fetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const body = init.body;
    const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : undefined;
    if (!url || !plainBody || (url.protocol !== 'http:' && url.protocol !== 'https:')) return fallback(input, init);
    return request(url, init, body as string | Uint8Array | null | undefined, agents[url.protocol]);
  }) as typeof fetch;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const decoders: Record<string, (data: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

function request(url: URL, init: RequestInit, body: string | Uint8Array | null | undefined, agent: http.Agent): Promise<Response> {
  return new Promise((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(abortError(signal));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
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
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
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
        (decode ? decode(raw) : Promise.resolve(raw)).then(
          (data) => {
            if (settled) return;
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            if (decode) responseHeaders.delete('content-encoding');
            resolve(new Response(NULL_BODY_STATUSES.has(status) ? null : data, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
          },
          fail,
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

function abortError(signal: AbortSignal): Error {
  const error = new Error(signal.reason instanceof Error ? signal.reason.message : 'This operation was aborted');
  error.name = 'AbortError';
  return error;
}

function connectionError(message: string): Error {
  return Object.assign(new TypeError(`fetch failed: ${message}`), { code: 'ECONNRESET' });
}
