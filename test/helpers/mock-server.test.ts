import { afterEach, describe, expect, it } from 'vitest';
import { startAnthropicServer } from './anthropic-server.js';
import type { MockServer } from './mock-server.js';
import { startOpenAIServer } from './openai-server.js';

const servers: MockServer[] = [];
async function track(server: Promise<MockServer>): Promise<MockServer> {
  const started = await server;
  servers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const chat = (url: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), ...init });

describe('OpenAI mock server', () => {
  it('listens on 127.0.0.1 with a /v1 base URL and echoes by default', async () => {
    const server = await track(startOpenAIServer());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const response = await chat(server.url, { model: 'm', messages: [{ role: 'user', content: 'ping' }] });
    const body = (await response.json()) as { model: string; choices: Array<{ message: { content: string } }> };
    expect(body.model).toBe('m-2024-01-01');
    expect(body.choices[0].message.content).toBe('echo: ping');
    expect(server.count).toBe(1);
    expect(server.requests[0]).toMatchObject({ index: 0, model: 'm', messages: [{ role: 'user', content: 'ping' }] });
    expect(typeof server.requests[0].time).toBe('number');
  });

  it('also serves /chat/completions without /v1', async () => {
    const server = await track(startOpenAIServer());
    const response = await chat(server.origin, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(200);
  });

  it('answers 404, and 400 for bad bodies, in the OpenAI error shape', async () => {
    const server = await track(startOpenAIServer());
    const missing = await fetch(`${server.url}/images/generations`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    const notJson = await chat(server.url, '{oops');
    expect(notJson.status).toBe(400);
    const noModel = await chat(server.url, { messages: [{ role: 'user', content: 'x' }] });
    expect(noModel.status).toBe(400);
    expect(await noModel.json()).toMatchObject({ error: { message: expect.stringContaining('model'), type: 'invalid_request_error' } });
  });

  it('sends retry headers and a custom body on status faults', async () => {
    const server = await track(startOpenAIServer({ respond: () => ({ fault: 'status', status: 429, retryAfter: '2', retryAfterMs: 2000, body: { error: { message: 'slow' } } }) }));
    const response = await chat(server.url, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.headers.get('retry-after-ms')).toBe('2000');
    expect(await response.json()).toEqual({ error: { message: 'slow' } });
  });

  it('resets the connection mid-body', async () => {
    const server = await track(startOpenAIServer({ respond: () => ({ fault: 'reset' }) }));
    const response = await chat(server.url, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    await server.whenIdle();
    expect(server.inFlight).toBe(0);
  });

  it('answers 500 when respond throws, and keeps the error', async () => {
    const server = await track(startOpenAIServer({ respond: () => { throw new Error('bad test'); } }));
    const response = await chat(server.url, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(500);
    expect(server.respondErrors).toHaveLength(1);
  });

  it('counts a request aborted during its delay as no longer in flight', async () => {
    const server = await track(startOpenAIServer({ respond: () => ({ content: 'late', delayMs: 60_000 }) }));
    const controller = new AbortController();
    const pending = chat(server.url, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal });
    await server.waitForRequests(1);
    expect(server.inFlight).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await server.whenIdle();
    expect(server.inFlight).toBe(0);
    expect(server.maxInFlight).toBe(1);
  });

  it('reset() clears requests and counts, and restarts maxInFlight', async () => {
    const server = await track(startOpenAIServer());
    await Promise.all([1, 2, 3].map(() => chat(server.url, { model: 'm', messages: [{ role: 'user', content: 'x' }] })));
    expect(server.count).toBe(3);
    server.reset();
    expect([server.count, server.requests.length, server.maxInFlight]).toEqual([0, 0, 0]);
    await chat(server.url, { model: 'm', messages: [{ role: 'user', content: 'y' }] });
    expect(server.requests[0].index).toBe(0);
  });

  it('close() ends hanging requests instead of waiting for them', async () => {
    const server = await startOpenAIServer({ respond: () => ({ fault: 'hang' }) });
    const pending = chat(server.url, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    await server.waitForRequests(1);
    await server.close();
    await expect(pending).rejects.toThrow();
    await server.whenIdle();
    expect(server.inFlight).toBe(0);
    await server.close(); // idempotent
  });
});

describe('Anthropic mock server', () => {
  const messages = (url: string, body: unknown) =>
    fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('uses the bare origin as url and answers in the Messages shape', async () => {
    const server = await track(startAnthropicServer({ respond: () => ({ content: 'hello', finishReason: 'length', usage: { inputTokens: 4, outputTokens: 1 } }) }));
    expect(server.url).toBe(server.origin);
    const response = await messages(server.url, { model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(await response.json()).toMatchObject({
      type: 'message', role: 'assistant', model: 'claude-x-20240101', content: [{ type: 'text', text: 'hello' }],
      stop_reason: 'max_tokens', usage: { input_tokens: 4, output_tokens: 1 },
    });
  });

  it('rejects, like the API, a request without max_tokens or with a system message', async () => {
    const server = await track(startAnthropicServer());
    const noMax = await messages(server.url, { model: 'c', messages: [{ role: 'user', content: 'hi' }] });
    expect(noMax.status).toBe(400);
    expect(await noMax.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    const system = await messages(server.url, { model: 'c', max_tokens: 5, messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'hi' }] });
    expect(system.status).toBe(400);
  });

  it('answers status faults in the Anthropic error shape', async () => {
    const server = await track(startAnthropicServer({ respond: () => ({ fault: 'status', status: 529, retryAfter: '1' }) }));
    const response = await messages(server.url, { model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(529);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });
});
