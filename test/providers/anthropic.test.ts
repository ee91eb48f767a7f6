import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../src/providers/registry.js';
import type { Provider, ProviderFailure, ProviderRequest, ProviderResult } from '../../src/providers/types.js';
import { startAnthropicServer, type MockServer, type Reply } from '../helpers/anthropic-server.js';

const KEY = 'sk-ant-test-PLANTED-456';
const request: ProviderRequest = {
  model: 'claude-3-5-haiku-latest',
  messages: [
    { role: 'system', content: 'Be terse.' },
    { role: 'system', content: 'Answer in English.' },
    { role: 'user', content: 'Say hi' },
    { role: 'assistant', content: 'Hi.' },
    { role: 'user', content: 'Again' },
  ],
  params: {},
};

let server: MockServer;
let next: (req: { index: number; headers: Record<string, unknown> }) => Reply;
let provider: Provider;

/** A custom baseURL is sent a key only when apiKeyEnv names one: ANTHROPIC_API_KEY unless `apiKeyEnv: null`. */
function anthropic(overrides: { env?: NodeJS.ProcessEnv; baseURL?: string | null; apiKeyEnv?: string | null } = {}): Provider {
  const baseURL = overrides.baseURL === null ? undefined : (overrides.baseURL ?? server.url);
  const apiKeyEnv = overrides.apiKeyEnv === null ? undefined : (overrides.apiKeyEnv ?? (baseURL ? 'ANTHROPIC_API_KEY' : undefined));
  return createProvider(
    'haiku',
    { provider: 'anthropic', model: 'claude-3-5-haiku-latest', baseURL, apiKeyEnv },
    { fixturesDir: '/nonexistent', env: overrides.env ?? { ANTHROPIC_API_KEY: KEY } },
  );
}

function failureOf(result: ProviderResult): ProviderFailure['error'] {
  expect(result.ok).toBe(false);
  return (result as ProviderFailure).error;
}

const signal = () => new AbortController().signal;

beforeAll(async () => {
  server = await startAnthropicServer({ respond: (req) => next(req) });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  next = () => ({ content: 'hello', usage: { inputTokens: 20, outputTokens: 2 } });
  provider = anthropic();
});

describe('anthropic provider: success', () => {
  it('maps output, reported model, usage and stop reason', async () => {
    const result = await provider.call(request, signal());
    expect(result).toEqual({
      ok: true,
      output: 'hello',
      modelReported: 'claude-3-5-haiku-latest-20240101',
      usage: { inputTokens: 20, outputTokens: 2 },
      finishReason: 'end_turn',
    });
  });

  it('joins system messages into system, sends the rest, the key and max_tokens 1024 by default', async () => {
    await provider.call(request, signal());
    const sent = server.requests[0];
    expect(sent.path).toBe('/v1/messages');
    expect(sent.body.system).toBe('Be terse.\n\nAnswer in English.');
    expect(sent.body.messages).toEqual([
      { role: 'user', content: 'Say hi' },
      { role: 'assistant', content: 'Hi.' },
      { role: 'user', content: 'Again' },
    ]);
    expect(sent.body.max_tokens).toBe(1024);
    // SDK 1.x sends the key as a bearer token; older versions used x-api-key.
    const sentKey = sent.headers['x-api-key'] ?? String(sent.headers.authorization).replace(/^Bearer /, '');
    expect(sentKey).toBe(KEY);
  });

  it('sends max_tokens and other params from the request, and omits system when there is none', async () => {
    await provider.call({ ...request, messages: [{ role: 'user', content: 'q' }], params: { max_tokens: 64, temperature: 0.5, topK: 5 } }, signal());
    const body = server.requests[0].body;
    expect(body).toMatchObject({ max_tokens: 64, temperature: 0.5, top_k: 5 });
    expect(body).not.toHaveProperty('system');
  });

  it('accepts a max_tokens past the SDK non-streaming guard (the signal is the timeout)', async () => {
    const result = await provider.call({ ...request, params: { max_tokens: 64_000 } }, signal());
    expect(result.ok).toBe(true);
  });

  it('joins several text blocks; a tool_use block between them is a tool call', async () => {
    next = () => ({
      fault: 'status', status: 200,
      body: { type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'text', text: 'a' }, { type: 'tool_use', id: 't', name: 'n', input: {} }, { type: 'text', text: 'b' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 2 } },
    });
    const result = await provider.call(request, signal());
    expect(result).toMatchObject({ ok: true, output: 'ab', modelReported: 'claude-x', toolCalls: [{ id: 't', name: 'n', rawArguments: '{}', arguments: {} }] });
  });
});

describe('anthropic provider: faults', () => {
  const cases: Array<[string, Reply, { code: string; retryable: boolean; status?: number }]> = [
    ['500', { fault: 'status', status: 500 }, { code: 'server_error', retryable: true, status: 500 }],
    ['529 overloaded', { fault: 'status', status: 529 }, { code: 'server_error', retryable: true, status: 529 }],
    ['429', { fault: 'status', status: 429 }, { code: 'rate_limited', retryable: true, status: 429 }],
    ['401', { fault: 'status', status: 401 }, { code: 'auth', retryable: false, status: 401 }],
    ['403', { fault: 'status', status: 403 }, { code: 'auth', retryable: false, status: 403 }],
    ['400', { fault: 'status', status: 400 }, { code: 'client_error', retryable: false, status: 400 }],
    ['reset mid-body', { fault: 'reset' }, { code: 'connection', retryable: true }],
    ['malformed JSON', { fault: 'malformed' }, { code: 'malformed_response', retryable: true }],
    ['no content blocks', { fault: 'empty-choices' }, { code: 'empty_response', retryable: true }],
    ['max_tokens', { content: 'half', finishReason: 'length' }, { code: 'truncated', retryable: false }],
  ];
  it.each(cases)('%s', async (_name, reply, expected) => {
    next = () => reply;
    const error = failureOf(await provider.call(request, signal()));
    expect(error).toMatchObject(expected);
    if (expected.status === undefined) expect(error.status).toBeUndefined();
  });

  it('parses retry-after seconds and shows the API message', async () => {
    next = () => ({ fault: 'status', status: 429, retryAfter: '3', body: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } } });
    const error = failureOf(await provider.call(request, signal()));
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 3000 });
    expect(error.message).toContain('per-minute rate limit');
  });

  it('makes one attempt per call', async () => {
    next = () => ({ fault: 'status', status: 529 });
    await provider.call(request, signal());
    expect(server.count).toBe(1);
  });
});

describe('anthropic provider: abort, keys', () => {
  it('returns aborted when the signal fires on a hanging request, and the server sees the request end', async () => {
    next = () => ({ fault: 'hang' });
    const controller = new AbortController();
    const pending = provider.call(request, controller.signal);
    await server.waitForRequests(1);
    controller.abort();
    expect(failureOf(await pending)).toMatchObject({ code: 'aborted', retryable: false });
    await server.whenIdle();
    expect(server.inFlight).toBe(0);
  });

  it('sends no key (neither x-api-key nor authorization) to a custom baseURL without apiKeyEnv', async () => {
    const result = await anthropic({ apiKeyEnv: null }).call(request, signal());
    expect(result.ok).toBe(true);
    expect(server.requests[0].headers['x-api-key']).toBeUndefined();
    expect(server.requests[0].headers.authorization).toBeUndefined();
  });

  it('returns auth with no network call when ANTHROPIC_API_KEY is missing and no baseURL is set', async () => {
    const result = await anthropic({ env: {}, baseURL: null }).call(request, signal());
    expect(failureOf(result)).toEqual({ code: 'auth', message: 'ANTHROPIC_API_KEY is not set', retryable: false });
  });

  it('never puts the API key in an error message (401 echoing it)', async () => {
    next = (req) => ({ fault: 'status', status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${String(req.headers['x-api-key'] ?? req.headers.authorization)}` } } });
    const result = await provider.call(request, signal());
    expect(JSON.stringify(result)).not.toContain(KEY);
    expect(failureOf(result).message).toMatch(/invalid x-api-key: (Bearer )?\*\*\*$/);
  });

  it('counts 10 concurrent calls in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    server.setRespond(async (req) => {
      if (server.count >= 10) release();
      await gate;
      return { content: `answer ${req.index}` };
    });
    try {
      const results = await Promise.all(Array.from({ length: 10 }, () => provider.call(request, signal())));
      expect(results.filter((r) => r.ok)).toHaveLength(10);
      expect(server.maxInFlight).toBe(10);
      await server.whenIdle();
      expect(server.inFlight).toBe(0);
    } finally {
      server.setRespond((req) => next(req));
    }
  });
});
