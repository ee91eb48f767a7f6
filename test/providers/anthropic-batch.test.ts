import { getEventListeners } from 'node:events';
import { BatchResultsError } from '../../src/batch/results-error.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BATCH_ENDED_STATES, type BatchLine, type BatchLineResult, type BatchStatus, type BatchTransport } from '../../src/batch/types.js';
import { createProvider } from '../../src/providers/registry.js';
import { scrubbingProvider } from '../../src/providers/scrub.js';
import type { Provider, ProviderFailure, ProviderRequest, ProviderResult } from '../../src/providers/types.js';
import { lastUser } from '../helpers/mock-server.js';
import { startAnthropicServer, type AnthropicServer, type Reply } from '../helpers/anthropic-server.js';

const KEY = 'sk-ant-test-BATCH-789';
const MODEL = 'claude-3-5-haiku-latest';

let server: AnthropicServer;
/** What the messages endpoint (and so each batch line) answers, by the last user message. */
let replies: Record<string, Reply>;

function anthropic(config: { maxResponseBytes?: number } = {}): Provider {
  return createProvider('haiku', { provider: 'anthropic', model: MODEL, baseURL: server.url, apiKeyEnv: 'ANTHROPIC_API_KEY', ...config }, { fixturesDir: '/nonexistent', env: { ANTHROPIC_API_KEY: KEY } });
}

const signal = () => new AbortController().signal;
const ask = (text: string, extra: Partial<ProviderRequest> = {}): ProviderRequest => ({ model: MODEL, messages: [{ role: 'user', content: text }], params: {}, ...extra });

/** Polls until the batch has ended (the server ends it after `pollsToEnd` polls: no waiting). */
async function pollToEnd(transport: BatchTransport, id: string): Promise<BatchStatus[]> {
  const seen: BatchStatus[] = [];
  for (let i = 0; i < 20; i++) {
    const status = await transport.poll(id, signal());
    if ('ok' in status) throw new Error(`poll failed: ${status.error.message}`);
    seen.push(status);
    if (BATCH_ENDED_STATES.includes(status.state)) return seen;
  }
  throw new Error('the batch never ended');
}

async function collect(results: AsyncIterable<BatchLineResult>): Promise<Map<string, ProviderResult>> {
  const out = new Map<string, ProviderResult>();
  for await (const line of results) out.set(line.customId, line.result);
  return out;
}

/** Submits, polls to the end and reads every line. */
async function runBatch(transport: BatchTransport, lines: BatchLine[]) {
  const submitted = await transport.submit(lines, signal());
  if (!('id' in submitted)) throw new Error(`submit failed: ${submitted.error.message}`);
  const polls = await pollToEnd(transport, submitted.id);
  return { id: submitted.id, polls, results: await collect(transport.results(submitted.id, signal())) };
}

function failureOf(result: ProviderResult | undefined): ProviderFailure['error'] {
  expect(result?.ok).toBe(false);
  return (result as ProviderFailure).error;
}

const weather = { name: 'get_weather', description: 'Weather of a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const verdict = { name: 'verdict', strict: true, schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false } };

/** One request of each kind a batch line must read like a normal call: text, tool calls, structured output, a refusal, another model. */
const REQUESTS: Record<string, ProviderRequest> = {
  text: ask('plain'),
  tools: ask('weather', { tools: [weather] }),
  structured: ask('judge', { responseSchema: verdict }),
  refusal: ask('forbidden'),
  dated: ask('dated', { params: { max_tokens: 64, temperature: 0 } }),
};

beforeAll(async () => {
  server = await startAnthropicServer({ respond: (req) => replies[lastUser(req)] ?? { content: `echo: ${lastUser(req)}` } });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.setBatchScript({});
  replies = {
    plain: { content: 'hello there', usage: { inputTokens: 12, outputTokens: 3 } },
    weather: { content: 'Let me look.', toolCalls: [{ id: 'toolu_w1', name: 'get_weather', arguments: { city: 'Oslo' } }] },
    judge: { structured: { ok: true } },
    forbidden: { fault: 'refusal', message: 'I will not.' },
    dated: { content: 'v2', model: 'claude-3-5-haiku-20250101' },
  };
});

describe('anthropic batch transport: through the SDK against the local Message Batches API', () => {
  it('submits one batch, polls it to ended, and reads each line exactly as the messages endpoint answers the same request', async () => {
    const provider = anthropic();
    const normal = new Map<string, ProviderResult>();
    for (const [id, request] of Object.entries(REQUESTS)) normal.set(id, await provider.call(request, signal()));
    expect(server.count).toBe(5);

    const lines = Object.entries(REQUESTS).map(([customId, request]) => ({ customId, request }));
    const { id, polls, results } = await runBatch(provider.batch!, lines);

    // Same results as normal calls, line for line (and the kinds are what they claim to be).
    expect(results).toEqual(normal);
    expect(results.get('text')).toEqual({ ok: true, output: 'hello there', modelReported: `${MODEL}-20240101`, usage: { inputTokens: 12, outputTokens: 3 }, finishReason: 'end_turn' });
    expect(results.get('tools')).toMatchObject({ ok: true, output: 'Let me look.', toolCalls: [{ id: 'toolu_w1', name: 'get_weather', arguments: { city: 'Oslo' } }] });
    expect(results.get('structured')).toMatchObject({ ok: true, output: '{"ok":true}' });
    expect((results.get('structured') as { toolCalls?: unknown }).toolCalls).toBeUndefined();
    expect(results.get('refusal')).toMatchObject({ ok: true, output: '', refusal: 'I will not.' });
    expect(results.get('dated')).toMatchObject({ ok: true, modelReported: 'claude-3-5-haiku-20250101' });

    // The params of each entry are the body a normal call sends.
    expect(server.batches).toHaveLength(1);
    expect(server.batches[0]).toMatchObject({ id, customIds: Object.keys(REQUESTS) });
    expect(server.batches[0].params).toEqual(server.requests.map((r) => r.body));
    expect(server.count).toBe(5); // the batch sent nothing to the messages endpoint

    // in_progress twice (every line processing), then ended → completed with the counts.
    expect(polls.map((p) => p.state)).toEqual(['in_progress', 'in_progress', 'completed']);
    expect(polls[0].counts).toEqual({ total: 5, succeeded: 0, failed: 0 });
    expect(polls[2]).toEqual({ id, state: 'completed', counts: { total: 5, succeeded: 5, failed: 0 } });
    // 3 polls + the SDK's own retrieve before the results.
    expect(server.batchCounts).toEqual({ create: 1, retrieve: 4, results: 1, cancel: 0 });
  });

  it('reads a batch another process submitted (--resume) with the requests the collector passes', async () => {
    const lines = [{ customId: 'structured', request: REQUESTS.structured }];
    const submitted = await anthropic().batch!.submit(lines, signal());
    if (!('id' in submitted)) throw new Error(submitted.error.message);
    const resumed = anthropic().batch!; // a new provider: it knows nothing of that batch
    await pollToEnd(resumed, submitted.id);
    const results = await collect(resumed.results(submitted.id, signal(), { requestOf: (customId) => (customId === 'structured' ? REQUESTS.structured : undefined) }));
    expect(results.get('structured')).toMatchObject({ ok: true, output: '{"ok":true}' });
  });

  it('errored lines: an invalid request reads like the same 400 from a normal call; api_error, overloaded, expired and canceled are retryable line failures', async () => {
    const provider = anthropic();
    replies.bad = { fault: 'status', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'messages.0.content: bad' } } };
    replies.busy = { fault: 'status', status: 529 };
    replies.broken = { fault: 'status', status: 500 };
    const normalBad = await provider.call(ask('bad'), signal());
    server.setBatchScript({
      line: ({ customId }) => {
        if (customId === 'late') return { type: 'expired' };
        if (customId === 'gone') return { type: 'canceled' };
        if (customId === 'auth') return { type: 'errored', errorType: 'authentication_error', message: 'invalid x-api-key' };
        return undefined;
      },
    });
    const names = ['ok', 'bad', 'busy', 'broken', 'late', 'gone', 'auth'];
    const lines = names.map((customId) => ({ customId, request: ask(customId === 'ok' ? 'plain' : customId) }));
    const { polls, results } = await runBatch(provider.batch!, lines);

    expect(results.get('ok')).toMatchObject({ ok: true, output: 'hello there' });
    expect(results.get('bad')).toEqual(normalBad);
    expect(failureOf(results.get('bad'))).toMatchObject({ code: 'client_error', retryable: false, status: 400, message: 'Anthropic API 400: messages.0.content: bad' });
    expect(failureOf(results.get('busy'))).toMatchObject({ code: 'batch_line_failed', retryable: true });
    expect(failureOf(results.get('busy')).message).toContain('overloaded_error');
    expect(failureOf(results.get('broken'))).toMatchObject({ code: 'batch_line_failed', retryable: true });
    expect(failureOf(results.get('late'))).toMatchObject({ code: 'batch_line_expired', retryable: true });
    expect(failureOf(results.get('gone'))).toMatchObject({ code: 'batch_line_failed', retryable: true });
    expect(failureOf(results.get('auth'))).toMatchObject({ code: 'auth', retryable: false, status: 401 });
    expect(polls.at(-1)?.counts).toEqual({ total: 7, succeeded: 1, failed: 6 });
  });

  it('a params problem the API finds is that line errored (invalid_request_error), not the batch refused', async () => {
    const provider = anthropic();
    // No message for the API to answer: the messages endpoint would 400 it.
    const lines = [{ customId: 'empty', request: { model: MODEL, messages: [], params: {} } }, { customId: 'fine', request: ask('plain') }];
    const { results } = await runBatch(provider.batch!, lines);
    expect(failureOf(results.get('empty'))).toMatchObject({ code: 'client_error', retryable: false, status: 400 });
    expect(results.get('fine')).toMatchObject({ ok: true });
  });

  it('a 500, a 529 or a reset on a poll is a retryable value, never a throw; the next poll goes on', async () => {
    const faults = [{ fault: 'status', status: 500 }, { fault: 'status', status: 529, retryAfter: '7' }, { fault: 'reset' }] as const;
    server.setBatchScript({ fault: ({ endpoint, index }) => (endpoint === 'retrieve' && index < 3 ? faults[index] : undefined) });
    const transport = anthropic().batch!;
    const submitted = await transport.submit([{ customId: 'a', request: ask('plain') }], signal());
    if (!('id' in submitted)) throw new Error(submitted.error.message);
    const first = await transport.poll(submitted.id, signal());
    expect(first).toMatchObject({ ok: false, error: { code: 'server_error', retryable: true, status: 500 } });
    const second = await transport.poll(submitted.id, signal());
    expect(second).toMatchObject({ ok: false, error: { code: 'server_error', retryable: true, status: 529, retryAfterMs: 7000 } });
    const third = await transport.poll(submitted.id, signal());
    expect(third).toMatchObject({ ok: false, error: { code: 'connection', retryable: true } });
    const states = (await pollToEnd(transport, submitted.id)).map((s) => s.state);
    expect(states).toEqual(['in_progress', 'in_progress', 'completed']);
  });

  it('a create refused by the API is a failure value; nothing is submitted twice across batches', async () => {
    const transport = anthropic().batch!;
    server.setBatchScript({ fault: ({ endpoint, index }) => (endpoint === 'create' && index === 0 ? { fault: 'status', status: 503 } : undefined) });
    const refused = await transport.submit([{ customId: 'a', request: ask('plain') }], signal());
    expect(refused).toMatchObject({ ok: false, error: { code: 'server_error', retryable: true, status: 503 } });
    const duplicate = await transport.submit([{ customId: 'a', request: ask('plain') }, { customId: 'a', request: ask('x') }], signal());
    expect(duplicate).toMatchObject({ ok: false, error: { code: 'client_error', retryable: false, status: 400 } });
    await transport.submit([{ customId: 'a', request: ask('plain') }], signal());
    await transport.submit([{ customId: 'b', request: ask('plain') }], signal());
    expect(server.submittedCustomIds()).toEqual(['a', 'b']);
    expect(server.batchCounts.create).toBe(4);
  });

  it('a succeeded line whose message is no Messages API body is malformed_response (retryable); a results stream cut short ends the lines there', async () => {
    replies.garbled = { fault: 'malformed' };
    const transport = anthropic().batch!;
    const { results } = await runBatch(transport, [{ customId: 'g', request: ask('garbled') }, { customId: 'ok', request: ask('plain') }]);
    expect(failureOf(results.get('g'))).toMatchObject({ code: 'malformed_response', retryable: true });
    expect(results.get('ok')).toMatchObject({ ok: true, output: 'hello there' });

    // A line that is not JSON, a reset halfway through the stream, a 500: the lines read before are given, then a BatchResultsError says why.
    const lines = ['a', 'b', 'c', 'd'].map((customId) => ({ customId, request: ask('plain') }));
    const readWith = async (script: Parameters<AnthropicServer['setBatchScript']>[0]) => {
      server.setBatchScript(script);
      const submitted = await transport.submit(lines, signal());
      if (!('id' in submitted)) throw new Error(submitted.error.message);
      await pollToEnd(transport, submitted.id);
      const failures: ProviderFailure[] = [];
      const read: string[] = [];
      try {
        for await (const line of transport.results(submitted.id, signal())) read.push(line.customId);
      } catch (error) {
        if (!(error instanceof BatchResultsError)) throw error;
        failures.push(error.failure);
      }
      return { read, failures: failures.map((f) => f.error) };
    };
    const notJson = await readWith({ line: ({ index }) => (index === 1 ? { raw: '{"custom_id": "b", "result": {"type": "succ' } : undefined) });
    expect(notJson.read).toEqual(['a']);
    expect(notJson.failures).toMatchObject([{ code: 'malformed_response', retryable: true }]);
    const reset = await readWith({ fault: ({ endpoint }) => (endpoint === 'results' ? { fault: 'reset' } : undefined) });
    expect(reset.read.length).toBeLessThan(4);
    expect(reset.failures).toMatchObject([{ code: 'connection', retryable: true }]);
    const status = await readWith({ fault: ({ endpoint, index }) => (endpoint === 'results' && index === 0 ? { fault: 'status', status: 500 } : undefined) });
    expect(status).toMatchObject({ read: [], failures: [{ code: 'server_error', retryable: true, status: 500 }] });
    // Read again (the results of an ended batch do not change): every line, nothing sent again.
    const again = await collect(transport.results(server.batches.at(-1)!.id, signal()));
    expect([...again.keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect(server.batchCounts.create).toBe(4);
  });

  it('maxResponseBytes caps each line of the results, not the whole stream', async () => {
    const transport = anthropic({ maxResponseBytes: 2000 }).batch!;
    replies.long = { content: 'x'.repeat(3000) };
    const lines = Array.from({ length: 20 }, (_, i) => ({ customId: `l${i}`, request: ask('plain') }));
    const many = await runBatch(transport, lines); // about 300 bytes a line, 6 KB in all
    expect(many.results.size).toBe(20);
    const capped = await runBatch(transport, [{ customId: 'a', request: ask('plain') }, { customId: 'big', request: ask('long') }, { customId: 'c', request: ask('plain') }]);
    // The line too long reads as a normal call's reply past maxResponseBytes; the lines after it are read.
    expect([...capped.results.keys()]).toEqual(['a', 'big', 'c']);
    const normal = await anthropic({ maxResponseBytes: 2000 }).call(ask('long'), signal());
    expect(capped.results.get('big')).toEqual(normal);
    expect(failureOf(normal)).toMatchObject({ code: 'response_too_large', retryable: false });
    expect(capped.results.get('c')).toMatchObject({ ok: true, output: 'hello there' });
  });

  it('scrubs the API key from a line as from a normal call', async () => {
    replies.leak = { content: `your key is ${KEY}` };
    const { results } = await runBatch(scrubbingProvider(anthropic(), [KEY]).batch!, [{ customId: 'leak', request: ask('leak') }]);
    expect(results.get('leak')).toMatchObject({ ok: true, output: 'your key is ***' });
  });

  it('a cancelled batch: canceling → cancelling, then ended with every line canceled (retryable line failures)', async () => {
    const provider = anthropic();
    const transport = provider.batch!;
    const submitted = await transport.submit([{ customId: 'a', request: ask('plain') }, { customId: 'b', request: ask('plain') }], signal());
    if (!('id' in submitted)) throw new Error(submitted.error.message);
    const Anthropic = (await import('@anthropic-ai/sdk')).default;
    const client = new Anthropic({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
    await client.messages.batches.cancel(submitted.id);
    expect(await transport.poll(submitted.id, signal())).toMatchObject({ state: 'cancelling' });
    expect(await transport.poll(submitted.id, signal())).toEqual({ id: submitted.id, state: 'completed', counts: { total: 2, succeeded: 0, failed: 2 } });
    const results = await collect(transport.results(submitted.id, signal()));
    expect(failureOf(results.get('a'))).toMatchObject({ code: 'batch_line_failed', retryable: true });
    expect(server.batchCounts.cancel).toBe(1);
  });

  it('lineBytes is the JSON size of the entry as uploaded; limits are 100,000 requests and 256 MB', async () => {
    const transport = anthropic().batch!;
    const lines = Object.entries(REQUESTS).map(([customId, request]) => ({ customId, request }));
    await transport.submit(lines, signal());
    const sent = server.batches[0];
    const sizes = lines.map((line) => transport.lineBytes(line));
    sizes.forEach((size, i) => expect(size).toBe(Buffer.byteLength(JSON.stringify({ custom_id: sent.customIds[i], params: sent.params[i] }))));
    // The body is `{"requests":[` + the entries joined by commas + `]}`.
    expect(sent.bytes).toBe(sizes.reduce((a, b) => a + b, 0) + lines.length - 1 + '{"requests":[]}'.length);
    expect(transport.lineBytes({ customId: 'u', request: ask('é') })).toBe(transport.lineBytes({ customId: 'u', request: ask('e') }) + 1);
    expect(transport.limits.maxRequests).toBe(100_000);
    expect(transport.limits.maxBytes).toBeLessThanOrEqual(256_000_000);
    expect(transport.limits.maxBytes).toBeGreaterThan(250_000_000);
    expect(transport.kind).toBe('anthropic');
  });
});

describe('anthropic batch transport: one signal for hours', () => {
  it('leaves no abort listener on the signal it is given (the SDK never removes its own): a run polls on one signal', async () => {
    const run = new AbortController();
    const transport = anthropic().batch!;
    const submitted = await transport.submit([{ customId: 'a', request: ask('plain') }], run.signal);
    if (!('id' in submitted)) throw new Error(submitted.error.message);
    for (let i = 0; i < 4; i++) await transport.poll(submitted.id, run.signal);
    for await (const item of transport.results(submitted.id, run.signal)) expect(item.result.ok).toBe(true);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });
});
