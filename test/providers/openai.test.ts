import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../src/providers/registry.js';
import type { Provider, ProviderFailure, ProviderRequest, ProviderResult } from '../../src/providers/types.js';
import { startOpenAIServer, type MockServer, type Reply } from '../helpers/openai-server.js';

const KEY = 'sk-test-PLANTED-123';
const request: ProviderRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Be terse.' },
    { role: 'user', content: 'Say hi' },
  ],
  params: { temperature: 0 },
};

let server: MockServer;
let next: (req: { index: number; headers: Record<string, unknown> }) => Reply;
let provider: Provider;

/** A custom baseURL is sent a key only when apiKeyEnv names one: OPENAI_API_KEY unless `apiKeyEnv: null`. */
function openai(overrides: { env?: NodeJS.ProcessEnv; baseURL?: string | null; apiKeyEnv?: string | null } = {}): Provider {
  const baseURL = overrides.baseURL === null ? undefined : (overrides.baseURL ?? server.url);
  const apiKeyEnv = overrides.apiKeyEnv === null ? undefined : (overrides.apiKeyEnv ?? (baseURL ? 'OPENAI_API_KEY' : undefined));
  return createProvider(
    'mini',
    { provider: 'openai', model: 'gpt-4o-mini', baseURL, apiKeyEnv },
    { fixturesDir: '/nonexistent', env: overrides.env ?? { OPENAI_API_KEY: KEY } },
  );
}

function failureOf(result: ProviderResult): ProviderFailure['error'] {
  expect(result.ok).toBe(false);
  return (result as ProviderFailure).error;
}

const signal = () => new AbortController().signal;

beforeAll(async () => {
  server = await startOpenAIServer({ respond: (req) => next(req) });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  next = () => ({ content: 'hi there', usage: { inputTokens: 12, outputTokens: 3 } });
  provider = openai();
});

describe('openai provider: success', () => {
  it('maps output, reported model, usage and finish reason', async () => {
    const result = await provider.call(request, signal());
    expect(result).toEqual({
      ok: true,
      output: 'hi there',
      modelReported: 'gpt-4o-mini-2024-01-01',
      usage: { inputTokens: 12, outputTokens: 3 },
      finishReason: 'stop',
    });
  });

  it('sends model, messages, params and the key from the environment', async () => {
    await provider.call({ ...request, params: { temperature: 0.2, seed: 7 } }, signal());
    const sent = server.requests[0];
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, seed: 7, messages: request.messages });
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('keeps params from replacing the model or messages, and translates Dotprompt names', async () => {
    const params = { model: 'evil', messages: [], maxOutputTokens: 50, topK: 3, stopSequences: ['END'] };
    await provider.call({ ...request, params }, signal());
    const body = server.requests[0].body;
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.messages).toEqual(request.messages);
    expect(body).toMatchObject({ max_tokens: 50, stop: ['END'] });
    expect(body).not.toHaveProperty('topK');
    expect(body).not.toHaveProperty('maxOutputTokens');
  });

  it('reports the model the reply names', async () => {
    next = () => ({ content: 'x', model: 'gpt-4o-mini-2099-12-31' });
    const result = await provider.call(request, signal());
    expect(result.ok && result.modelReported).toBe('gpt-4o-mini-2099-12-31');
  });

  it('sends no key to a custom baseURL without apiKeyEnv, even with OPENAI_API_KEY set, nor when its variable is unset', async () => {
    const result = await openai({ apiKeyEnv: null }).call(request, signal());
    expect(result.ok).toBe(true);
    expect(server.requests[0].headers.authorization).toBeUndefined();
    expect(server.requests[0].headers['x-api-key']).toBeUndefined();
    expect((await openai({ env: {} }).call(request, signal())).ok).toBe(true);
    expect(server.requests[1].headers.authorization).toBeUndefined();
  });

  it('reads the key from apiKeyEnv when set', async () => {
    await openai({ env: { MY_KEY: 'sk-custom-variable-1', OPENAI_API_KEY: KEY }, apiKeyEnv: 'MY_KEY' }).call(request, signal());
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-custom-variable-1');
  });
});

describe('openai provider: faults', () => {
  const cases: Array<[string, Reply, { code: string; retryable: boolean; status?: number }]> = [
    ['500', { fault: 'status', status: 500 }, { code: 'server_error', retryable: true, status: 500 }],
    ['503', { fault: 'status', status: 503 }, { code: 'server_error', retryable: true, status: 503 }],
    ['429 without header', { fault: 'status', status: 429 }, { code: 'rate_limited', retryable: true, status: 429 }],
    ['401', { fault: 'status', status: 401 }, { code: 'auth', retryable: false, status: 401 }],
    ['403', { fault: 'status', status: 403 }, { code: 'auth', retryable: false, status: 403 }],
    ['400', { fault: 'status', status: 400 }, { code: 'client_error', retryable: false, status: 400 }],
    ['404', { fault: 'status', status: 404 }, { code: 'client_error', retryable: false, status: 404 }],
    ['reset mid-body', { fault: 'reset' }, { code: 'connection', retryable: true }],
    ['malformed JSON', { fault: 'malformed' }, { code: 'malformed_response', retryable: true }],
    ['empty choices', { fault: 'empty-choices' }, { code: 'empty_response', retryable: true }],
    ['finish_reason length', { content: 'half an ans', finishReason: 'length' }, { code: 'truncated', retryable: false }],
  ];
  it.each(cases)('%s', async (_name, reply, expected) => {
    next = () => reply;
    const error = failureOf(await provider.call(request, signal()));
    expect(error).toMatchObject(expected);
    if (expected.status === undefined) expect(error.status).toBeUndefined();
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('maps null content to empty_response', async () => {
    next = () => ({ fault: 'status', status: 200, body: { model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'stop' }] } });
    expect(failureOf(await provider.call(request, signal()))).toMatchObject({ code: 'empty_response', retryable: true });
  });

  it('parses Retry-After in seconds', async () => {
    next = () => ({ fault: 'status', status: 429, retryAfter: '2' });
    expect(failureOf(await provider.call(request, signal()))).toMatchObject({ code: 'rate_limited', retryAfterMs: 2000 });
  });

  it('prefers retry-after-ms', async () => {
    next = () => ({ fault: 'status', status: 429, retryAfter: '9', retryAfterMs: 150 });
    expect(failureOf(await provider.call(request, signal())).retryAfterMs).toBe(150);
  });

  it('parses Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    next = () => ({ fault: 'status', status: 429, retryAfter: at });
    const wait = failureOf(await provider.call(request, signal())).retryAfterMs ?? -1;
    expect(wait).toBeGreaterThan(20_000);
    expect(wait).toBeLessThanOrEqual(30_000);
  });

  it('keeps Retry-After on a 503', async () => {
    next = () => ({ fault: 'status', status: 503, retryAfter: '1' });
    expect(failureOf(await provider.call(request, signal()))).toMatchObject({ code: 'server_error', retryAfterMs: 1000 });
  });

  it('includes the API error message', async () => {
    next = () => ({ fault: 'status', status: 400, body: { error: { message: "Unsupported parameter: 'foo'", type: 'invalid_request_error' } } });
    expect(failureOf(await provider.call(request, signal())).message).toContain("Unsupported parameter: 'foo'");
  });

  it('makes one attempt per call (SDK retries are off)', async () => {
    next = () => ({ fault: 'status', status: 500 });
    await provider.call(request, signal());
    expect(server.count).toBe(1);
  });

  it('maps a refused connection to connection (retryable)', async () => {
    const closed = await startOpenAIServer();
    await closed.close();
    const result = await openai({ baseURL: closed.url }).call(request, signal());
    expect(failureOf(result)).toMatchObject({ code: 'connection', retryable: true });
  });
});

describe('openai provider: abort and secrets', () => {
  it('returns aborted quickly when the signal fires on a hanging request', async () => {
    next = () => ({ fault: 'hang' });
    const controller = new AbortController();
    const pending = provider.call(request, controller.signal);
    await server.waitForRequests(1);
    expect(server.inFlight).toBe(1);
    controller.abort(new Error('per-call timeout'));
    expect(failureOf(await pending)).toMatchObject({ code: 'aborted', retryable: false });
    await server.whenIdle();
    expect(server.inFlight).toBe(0);
  });

  it('sends nothing when the signal already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(failureOf(await provider.call(request, controller.signal)).code).toBe('aborted');
    expect(server.count).toBe(0);
  });

  it('returns auth without any network call when the key is missing and no baseURL is set', async () => {
    const result = await openai({ env: {}, baseURL: null }).call(request, signal());
    expect(failureOf(result)).toEqual({ code: 'auth', message: 'OPENAI_API_KEY is not set', retryable: false });
    const named = await openai({ env: {}, baseURL: null, apiKeyEnv: 'TEAM_OPENAI_KEY' }).call(request, signal());
    expect(failureOf(named).message).toBe('TEAM_OPENAI_KEY is not set');
  });

  it('never puts the API key in an error message', async () => {
    const echoes: Array<(req: { headers: Record<string, unknown> }) => Reply> = [
      (req) => ({ fault: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${String(req.headers.authorization)}`, type: 'invalid_request_error', code: 'invalid_api_key' } } }),
      () => ({ fault: 'status', status: 500, body: `{"error": {"message": "upstream saw key ${KEY}"}}` }),
      () => ({ fault: 'status', status: 429, body: { error: { message: `key ${KEY} over quota` } } }),
    ];
    for (const echo of echoes) {
      next = echo;
      const result = await provider.call(request, signal());
      const error = failureOf(result);
      expect(JSON.stringify(result)).not.toContain(KEY);
      expect(error.message).toContain('***');
    }
  });
});

describe('openai provider: concurrency', () => {
  it('sends 10 calls at once and the server counts them in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    next = (req) => ({ content: `answer ${req.index}` });
    server.setRespond(async (req) => {
      if (server.count >= 10) release();
      await gate;
      return next(req);
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => provider.call({ ...request, messages: [{ role: 'user', content: `q${i}` }] }, signal())),
      );
      expect(results.every((r) => r.ok)).toBe(true);
      expect(new Set(results.map((r) => r.ok && r.output)).size).toBe(10);
      expect(server.maxInFlight).toBe(10);
      await server.whenIdle();
      expect(server.inFlight).toBe(0);
      expect(server.count).toBe(10);
    } finally {
      server.setRespond((req) => next(req));
    }
  });
});

describe('openai provider: logprobs, embeddings, moderations', () => {
  it('returns the token logprobs a request asked for, and none otherwise', async () => {
    next = () => ({ content: 'a b', logprobs: [-0.5, -1.25] });
    const asked = await provider.call({ ...request, params: { temperature: 0, logprobs: true } }, signal());
    expect(asked).toMatchObject({ ok: true, logprobs: [-0.5, -1.25] });
    expect(server.requests[0].body.logprobs).toBe(true);
    const plain = await provider.call(request, signal());
    expect(plain.ok && plain.logprobs).toBeUndefined();
  });

  it('embeds one text through embeddings.create: floats asked for, dimensions from params, the vector, model and usage back', async () => {
    server.setRespondEmbeddings((req) => ({ embedding: [0.6, 0.8], usage: { inputTokens: 7 }, model: `${req.model}-v2` }));
    const result = await provider.embed!({ model: 'text-embedding-3-small', input: 'hello', params: { dimensions: 2 } }, signal());
    expect(result).toEqual({ ok: true, vector: [0.6, 0.8], modelReported: 'text-embedding-3-small-v2', usage: { inputTokens: 7, outputTokens: 0 } });
    expect(server.requests[0]).toMatchObject({ path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'hello', encoding_format: 'float', dimensions: 2 } });
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('moderates one text through moderations.create', async () => {
    server.setRespondModerations(() => ({ flagged: true, categories: { violence: true }, scores: { violence: 0.93 } }));
    const result = await provider.moderate!({ model: 'omni-moderation-latest', input: 'we attack at dawn' }, signal());
    expect(result).toMatchObject({ ok: true, flagged: true, modelReported: 'omni-moderation-latest-2024-01-01' });
    expect(result.ok && result.categories).toMatchObject({ violence: true, hate: false });
    expect(result.ok && result.scores.violence).toBe(0.93);
    expect(server.requests[0]).toMatchObject({ path: '/v1/moderations', body: { model: 'omni-moderation-latest', input: 'we attack at dawn' } });
  });

  it('maps endpoint faults like chat faults, with the key scrubbed', async () => {
    server.setRespondEmbeddings(() => ({ fault: 'status', status: 503, body: { error: { message: `overloaded ${KEY}` } } }));
    const embedded = failureOf((await provider.embed!({ model: 'e', input: 'x', params: {} }, signal())) as ProviderResult);
    expect(embedded).toMatchObject({ code: 'server_error', retryable: true });
    expect(embedded.message).not.toContain(KEY);
    server.setRespondModerations(() => ({ fault: 'malformed' }));
    expect(failureOf((await provider.moderate!({ model: 'm', input: 'x' }, signal())) as ProviderResult)).toMatchObject({ code: 'malformed_response', retryable: true });
    server.setRespondEmbeddings(() => ({ embedding: [] }));
    expect(failureOf((await provider.embed!({ model: 'e', input: 'x', params: {} }, signal())) as ProviderResult)).toMatchObject({ code: 'malformed_response' });
  });

  it('an Anthropic provider has neither endpoint', () => {
    const anthropic = createProvider('c', { provider: 'anthropic', model: 'claude' }, { fixturesDir: '/nonexistent', env: {} });
    expect(anthropic.embed).toBeUndefined();
    expect(anthropic.moderate).toBeUndefined();
  });
});
