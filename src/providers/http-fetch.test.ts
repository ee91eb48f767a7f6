import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BufferedResponse, createHttpFetch, ResponseTooLargeError } from './http-fetch.js';

describe('createHttpFetch', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method?: string; headers: Record<string, unknown>; body: string }> = [];
  // 8 MB of spaces: about 8 KB on the wire.
  const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 32));

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        if (req.url === '/gzip') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"ok":true}'));
        } else if (req.url === '/slow') {
          setTimeout(() => res.writeHead(200).end('late'), 2_000);
        } else if (req.url === '/cut') {
          res.writeHead(200, { 'content-length': '100' });
          res.write('{"partial":');
          setTimeout(() => res.destroy(), 10);
        } else if (req.url === '/bomb') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb);
        } else if (req.url === '/big') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.alloc(3000, 32));
        } else if (req.url === '/empty') {
          res.writeHead(204).end();
        } else {
          res.writeHead(429, { 'retry-after': '3', 'x-test': 'a' }).end(JSON.stringify({ echo: body }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends method, headers and body, and returns status, headers and body as a Response', async () => {
    const fetch = createHttpFetch();
    const response = await fetch(`${base}/echo`, { method: 'POST', headers: new Headers({ 'content-type': 'application/json', authorization: 'Bearer k' }), body: '{"a":"é"}' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.json()).toEqual({ echo: '{"a":"é"}' });
    const request = seen.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.headers.authorization).toBe('Bearer k');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength('{"a":"é"}')));
  });

  it('decodes a gzip body and handles a body-less status', async () => {
    const fetch = createHttpFetch();
    const gz = await fetch(`${base}/gzip`);
    expect(await gz.json()).toEqual({ ok: true });
    expect(gz.headers.get('content-encoding')).toBeNull();
    const empty = await fetch(`${base}/empty`, { method: 'POST', body: '' });
    expect(empty.status).toBe(204);
  });

  it('rejects with an AbortError when the signal aborts, and with an error when the connection is cut', async () => {
    const fetch = createHttpFetch();
    const controller = new AbortController();
    const pending = fetch(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(fetch(`${base}/cut`)).rejects.toThrow(/closed before the response ended|aborted|socket hang up/);
  });

  it('fails with ResponseTooLargeError past maxResponseBytes, decompressed or as received', async () => {
    const fetch = createHttpFetch({ maxResponseBytes: 1024 * 1024 });
    await expect(fetch(`${base}/bomb`)).rejects.toBeInstanceOf(ResponseTooLargeError);
    await expect(fetch(`${base}/bomb`)).rejects.toThrow('response larger than 1 MB (maxResponseBytes)');
    await expect(createHttpFetch({ maxResponseBytes: 2000 })(`${base}/big`)).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect((await (await createHttpFetch({ maxResponseBytes: 3000 })(`${base}/big`)).text()).length).toBe(3000);
    expect((await (await createHttpFetch()(`${base}/bomb`)).arrayBuffer()).byteLength).toBe(8 * 1024 * 1024);
  });

  it('drops the authorization and x-api-key headers with dropAuth', async () => {
    const fetch = createHttpFetch({ dropAuth: true });
    await fetch(`${base}/echo`, { method: 'POST', headers: { authorization: 'Bearer k', 'x-api-key': 'k', 'x-other': 'kept' }, body: '{}' });
    const request = seen.at(-1)!;
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers['x-api-key']).toBeUndefined();
    expect(request.headers['x-other']).toBe('kept');
  });

  it('hands anything but a URL with a plain body to the fallback fetch', async () => {
    const fallback = vi.fn(async () => new Response('from fallback'));
    const fetch = createHttpFetch({ fallback: fallback as unknown as typeof globalThis.fetch });
    const form = new FormData();
    form.set('a', 'b');
    expect(await (await fetch(`${base}/echo`, { method: 'POST', body: form })).text()).toBe('from fallback');
    expect(await (await fetch(new Request(`${base}/echo`))).text()).toBe('from fallback');
    expect(fallback).toHaveBeenCalledTimes(2);
  });

  it('answers like a Response: ok, headers, a body read once, clone before reading', async () => {
    const response = new BufferedResponse('http://x/v1', 201, 'Created', new Headers({ 'x-request-id': 'r1' }), Buffer.from('{"a":[1,"é"]}'));
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-request-id')).toBe('r1');
    const copy = response.clone();
    expect(await response.json()).toEqual({ a: [1, 'é'] });
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(/already been read/);
    expect(new TextDecoder().decode(await copy.arrayBuffer())).toBe('{"a":[1,"é"]}');
    expect(new BufferedResponse('http://x', 503, '', new Headers(), Buffer.alloc(0)).ok).toBe(false);
    await expect(new BufferedResponse('http://x', 200, '', new Headers(), Buffer.from('not json')).json()).rejects.toThrow(SyntaxError);
  });
});
