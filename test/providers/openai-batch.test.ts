import { getEventListeners } from 'node:events';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchResultsError } from '../../src/batch/results-error.js';
import { OPENAI_BATCH_LIMITS } from '../../src/batch/openai-transport.js';
import type { BatchLine, BatchLineResult, BatchState, BatchStatus, BatchTransport } from '../../src/batch/types.js';
import { createProvider } from '../../src/providers/registry.js';
import type { Provider, ProviderFailure, ProviderRequest, ProviderResult } from '../../src/providers/types.js';
import { lastUser } from '../helpers/mock-server.js';
import { startOpenAIServer, type OpenAIServer, type Reply } from '../helpers/openai-server.js';

/**
 * The OpenAI Batch transport (src/batch/openai-transport.ts) through the real `openai` SDK against
 * the local server's batch endpoints (test/helpers/openai-batch.ts): a batched line must come back
 * as exactly what a normal call gives for the same request, and a line the batch failed or let
 * expire must come back as a retryable failure (never as an answer to grade).
 */

const KEY = 'sk-test-BATCH-secret-42';

/** Replies scripted by the request's last user message, so a batched line and a normal call of the same request get the same one. */
const SCRIPT: Record<string, Reply> = {
  text: { content: 'plain answer', usage: { inputTokens: 11, outputTokens: 2 } },
  tools: { content: '', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: { city: 'Oslo' } }], usage: { inputTokens: 20, outputTokens: 9 } },
  dated: { content: 'from a newer model', model: 'gpt-4o-mini-2025-06-01' },
  refusal: { fault: 'refusal', message: 'I cannot help with that.' },
  truncated: { content: 'cut', finishReason: 'length' },
  empty: { fault: 'empty-choices' },
  bad: { fault: 'status', status: 400, body: { error: { message: "Invalid 'temperature': too high.", type: 'invalid_request_error', param: 'temperature', code: null } } },
  limited: { fault: 'status', status: 429 },
  torn: { fault: 'malformed' },
  secret: { content: `the key is ${KEY}` },
};

const request = (word: string, extra: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: word }],
  params: { temperature: 0 },
  ...extra,
});
const line = (word: string, extra: Partial<ProviderRequest> = {}): BatchLine => ({ customId: `c-${word}`, request: request(word, extra) });

let server: OpenAIServer;
let provider: Provider;
let batch: BatchTransport;
const signal = () => new AbortController().signal;

beforeAll(async () => {
  server = await startOpenAIServer({ respond: (req) => SCRIPT[lastUser(req)] ?? { content: `echo ${lastUser(req)}` } });
  // One provider (one SDK client) for the file, as a run has one per model entry.
  provider = createProvider('mini', { provider: 'openai', model: 'gpt-4o-mini', baseURL: server.url, apiKeyEnv: 'OPENAI_API_KEY' }, {
    fixturesDir: '/nonexistent',
    env: { OPENAI_API_KEY: KEY },
    secrets: [KEY],
  });
  batch = provider.batch!;
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.batch.configure({ pollsPerState: 1, lineFate: undefined, fault: undefined, faultAfter: undefined });
});

/** Polls until the batch ends (the server moves one state per poll: no waiting), returning every status seen. */
async function pollToEnd(id: string): Promise<Array<BatchStatus | ProviderFailure>> {
  const seen: Array<BatchStatus | ProviderFailure> = [];
  for (let i = 0; i < 20; i++) {
    const status = await batch.poll(id, signal());
    seen.push(status);
    if ('state' in status && ['completed', 'failed', 'expired', 'cancelled'].includes(status.state)) return seen;
  }
  throw new Error(`batch ${id} did not end in 20 polls: ${JSON.stringify(seen.at(-1))}`);
}

async function collect(id: string): Promise<Map<string, ProviderResult>> {
  const out = new Map<string, ProviderResult>();
  for await (const item of batch.results(id, signal()) as AsyncIterable<BatchLineResult>) {
    expect(out.has(item.customId), `${item.customId} given twice`).toBe(false);
    out.set(item.customId, item.result);
  }
  return out;
}

async function submitted(lines: BatchLine[]): Promise<string> {
  const result = await batch.submit(lines, signal());
  if (!result.ok) throw new Error(`submit failed: ${JSON.stringify(result.error)}`);
  return result.id;
}

const states = (seen: Array<BatchStatus | ProviderFailure>): Array<BatchState | string> => seen.map((s) => ('state' in s ? s.state : `error:${s.error.code}`));

describe('openai batch transport: a batched line is a normal call', () => {
  it('submits one JSONL file, polls through the states, and each line reads exactly as the chat endpoint answers it', async () => {
    server.batch.configure({ pollsPerState: { validating: 1, in_progress: 2, finalizing: 1 } });
    const words = ['text', 'tools', 'dated', 'refusal', 'truncated', 'empty', 'echo-me', 'secret'];
    const tool = { name: 'lookup', description: 'Find a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } };
    const lines = words.map((word) => (word === 'tools' ? line(word, { tools: [tool], toolChoice: 'auto' }) : line(word)));
    const id = await submitted(lines);

    const seen = await pollToEnd(id);
    expect(states(seen)).toEqual(['validating', 'in_progress', 'in_progress', 'finalizing', 'completed']);
    expect(seen.at(-1)).toMatchObject({ id, counts: { total: 8, succeeded: 8, failed: 0 } });
    const results = await collect(id);

    // The same requests as normal calls, answered by the same script.
    const direct = await Promise.all(lines.map((l) => provider.call(l.request, signal())));
    expect([...results.keys()].sort()).toEqual(lines.map((l) => l.customId).sort());
    for (const [i, l] of lines.entries()) expect(results.get(l.customId), l.customId).toEqual(direct[i]);

    // What the mapping gives, spelled out for the shapes that matter to grading.
    expect(results.get('c-text')).toEqual({ ok: true, output: 'plain answer', modelReported: 'gpt-4o-mini-2024-01-01', usage: { inputTokens: 11, outputTokens: 2 }, finishReason: 'stop' });
    expect(results.get('c-tools')).toMatchObject({ ok: true, output: '', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: { city: 'Oslo' } }], usage: { inputTokens: 20, outputTokens: 9 } });
    expect(results.get('c-dated')).toMatchObject({ ok: true, modelReported: 'gpt-4o-mini-2025-06-01' });
    expect(results.get('c-refusal')).toMatchObject({ ok: true, output: '', refusal: 'I cannot help with that.' });
    expect(results.get('c-truncated')).toMatchObject({ ok: false, error: { code: 'truncated', retryable: false } });
    expect(results.get('c-empty')).toMatchObject({ ok: false, error: { code: 'empty_response', retryable: true } });
    // The key a server echoes is scrubbed from a batched answer as from a normal one.
    expect(results.get('c-secret')).toMatchObject({ ok: true, output: 'the key is ***' });

    // One upload, one batch, five polls and the one retrieve of results(), one download (no error file: nothing failed);
    // every line sent once, built as a normal call's body.
    expect(server.batch.counts).toEqual({ upload: 1, create: 1, list: 0, retrieve: 6, content: 1, cancel: 0 });
    expect(server.batch.submittedCustomIds()).toEqual(lines.map((l) => l.customId));
    const chatBodies = server.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body);
    expect(server.batch.batches[0].bodies).toEqual(lines.map((l) => chatBodies.find((b) => JSON.stringify(b.messages) === JSON.stringify(buildMessages(l)))));
    // lineBytes is what splitting counts: the lines add up to the uploaded file.
    expect(lines.reduce((sum, l) => sum + batch.lineBytes(l), 0)).toBe(server.batch.batches[0].inputBytes);
    // The uploaded file does not carry the key; the requests did (the same client as normal calls).
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('failed and expired lines come back as retryable batch failures, error statuses as a normal call maps them, missing lines not at all', async () => {
    const fates: Record<string, 'failed' | 'expired' | 'missing'> = { 'c-f1': 'failed', 'c-f2': 'failed', 'c-x1': 'expired', 'c-gone': 'missing' };
    server.batch.configure({ lineFate: (l) => fates[l.customId] });
    const lines = ['ok1', 'f1', 'f2', 'x1', 'gone', 'bad', 'limited', 'ok2'].map((w) => line(w));
    const id = await submitted(lines);
    const end = (await pollToEnd(id)).at(-1);
    expect(end).toMatchObject({ state: 'completed', counts: { total: 8, succeeded: 2, failed: 5 } });
    const results = await collect(id);

    expect(results.has('c-gone')).toBe(false);
    const failing = [...results].filter(([, r]) => !r.ok).map(([cid, r]) => [cid, (r as ProviderFailure).error.code, (r as ProviderFailure).error.retryable]);
    expect(failing.sort()).toEqual([
      ['c-bad', 'client_error', false],
      ['c-f1', 'batch_line_failed', true],
      ['c-f2', 'batch_line_failed', true],
      ['c-limited', 'rate_limited', true],
      ['c-x1', 'batch_line_expired', true],
    ]);
    expect(results.get('c-ok1')).toMatchObject({ ok: true, output: 'echo ok1' });
    expect(results.get('c-ok2')).toMatchObject({ ok: true, output: 'echo ok2' });
    // A 400 in a line reads like the same 400 from a normal call (code, status, message).
    expect(results.get('c-bad')).toEqual(await provider.call(request('bad'), signal()));
    expect(results.get('c-x1')).toMatchObject({ error: { message: expect.stringContaining('completion window expired') } });
    expect(server.batch.counts.content).toBe(2);
  });

  it('a torn output line is a malformed_response for its custom id; the other lines read normally', async () => {
    const id = await submitted([line('torn'), line('fine')]);
    await pollToEnd(id);
    const results = await collect(id);
    expect(results.get('c-torn')).toMatchObject({ ok: false, error: { code: 'malformed_response', retryable: true } });
    expect(results.get('c-fine')).toMatchObject({ ok: true, output: 'echo fine' });
  });
});

describe('openai batch transport: faults are values', () => {
  it('a 500 on a poll is a retryable failure (not a throw) and does not move the batch on', async () => {
    server.batch.configure({ fault: (r) => (r.endpoint === 'retrieve' && r.n === 2 ? { fault: 'status', status: 500 } : undefined) });
    const id = await submitted([line('a'), line('b')]);
    const seen = await pollToEnd(id);
    expect(states(seen)).toEqual(['validating', 'error:server_error', 'in_progress', 'finalizing', 'completed']);
    expect(seen[1]).toMatchObject({ ok: false, error: { code: 'server_error', retryable: true, status: 500 } });
    expect((await collect(id)).size).toBe(2);
  });

  it('a reset on a poll and a 429 on the upload are retryable values; the upload failing creates no batch', async () => {
    server.batch.configure({ fault: (r) => (r.endpoint === 'upload' ? { fault: 'status', status: 429, retryAfter: '7' } : undefined) });
    const refused = await batch.submit([line('a')], signal());
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited', retryable: true, retryAfterMs: 7000 } });
    expect(server.batch.counts).toMatchObject({ upload: 1, create: 0 });

    server.batch.configure({ fault: (r) => (r.endpoint === 'retrieve' && r.n === 1 ? { fault: 'reset' } : undefined) });
    const id = await submitted([line('a')]);
    expect(await batch.poll(id, signal())).toMatchObject({ ok: false, error: { code: 'connection', retryable: true } });
    expect(await batch.poll(id, signal())).toMatchObject({ state: 'validating' });
  });

  it('a batch created whose reply was lost is found by its input file, never created twice; a create that failed is a failure', async () => {
    server.batch.configure({ faultAfter: (r) => (r.endpoint === 'create' ? { fault: 'reset' } : undefined) });
    const lost = await batch.submit([line('a'), line('b')], signal());
    expect(server.batch.batches.map((b) => b.id)).toEqual([(lost as { id: string }).id]);
    expect(server.batch.counts).toMatchObject({ upload: 1, create: 1, list: 1 });
    expect(states(await pollToEnd((lost as { id: string }).id)).at(-1)).toBe('completed');

    server.reset();
    server.batch.configure({ faultAfter: undefined, fault: (r) => (r.endpoint === 'create' ? { fault: 'status', status: 503 } : undefined) });
    expect(await batch.submit([line('a')], signal())).toMatchObject({ ok: false, error: { code: 'server_error', retryable: true } });
    expect(server.batch.counts).toMatchObject({ upload: 1, create: 1, list: 1 });
    expect(server.batch.batches).toHaveLength(0);

    server.reset();
    server.batch.configure({ fault: (r) => (r.endpoint === 'create' ? { fault: 'status', status: 400 } : undefined) });
    expect(await batch.submit([line('a')], signal())).toMatchObject({ ok: false, error: { code: 'client_error', retryable: false } });
    expect(server.batch.counts).toMatchObject({ create: 1, list: 0 });
  });

  it('a results file that fails to download throws BatchResultsError before any line; a later try gives every line once', async () => {
    server.batch.configure({ lineFate: (l) => (l.customId === 'c-b' ? 'expired' : undefined) });
    const id = await submitted([line('a'), line('b')]);
    await pollToEnd(id);
    server.batch.configure({ fault: (r) => (r.endpoint === 'content' && r.n === 2 ? { fault: 'status', status: 503 } : undefined) });
    const given: string[] = [];
    let thrown: unknown;
    try {
      for await (const item of batch.results(id, signal())) given.push(item.customId);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BatchResultsError);
    expect((thrown as BatchResultsError).failure.error).toMatchObject({ code: 'server_error', retryable: true });
    expect(given).toEqual([]);
    const again = await collect(id);
    expect([...again.keys()]).toEqual(['c-a', 'c-b']);
    expect(again.get('c-b')).toMatchObject({ ok: false, error: { code: 'batch_line_expired' } });
  });

  it('a batch the API fails as a whole (lines of two models) says why and has no lines', async () => {
    const id = await submitted([line('a'), line('b', { model: 'gpt-4o' })]);
    const end = (await pollToEnd(id)).at(-1) as BatchStatus;
    expect(end).toMatchObject({ state: 'failed', message: expect.stringContaining('line 2: The provided model does not match') });
    expect((await collect(id)).size).toBe(0);
  });

  it('a cancelled batch: the lines it never ran come back as retryable batch_line_failed', async () => {
    const id = await submitted([line('a'), line('b')]);
    await batch.poll(id, signal());
    const client = new OpenAI({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
    expect((await client.batches.cancel(id)).status).toBe('cancelling');
    expect(states(await pollToEnd(id))).toEqual(['cancelled']);
    const results = await collect(id);
    expect([...results.values()].map((r) => (r as ProviderFailure).error)).toMatchObject([
      { code: 'batch_line_failed', retryable: true },
      { code: 'batch_line_failed', retryable: true },
    ]);
    expect(server.batch.counts.cancel).toBe(1);
  });
});

describe('openai batch transport: wiring', () => {
  it('is on openai providers (through the scrubbing wrapper), and not on a recording one: --record sees every answer through call', () => {
    const config = { provider: 'openai' as const, model: 'gpt-4o-mini', baseURL: server.url, apiKeyEnv: 'OPENAI_API_KEY' };
    expect(createProvider('mini', config, { fixturesDir: '/nonexistent', env: {} }).batch?.kind).toBe('openai');
    expect(createProvider('mini', config, { fixturesDir: '/nonexistent', env: {}, record: true }).batch).toBeUndefined();
  });
});

describe('openai batch transport: one signal for hours', () => {
  it('leaves no abort listener on the signal it is given (the SDK never removes its own): a run polls on one signal', async () => {
    const run = new AbortController();
    const submittedOn = await batch.submit([line('a')], run.signal);
    if (!submittedOn.ok) throw new Error('submit failed');
    for (let i = 0; i < 4; i++) await batch.poll(submittedOn.id, run.signal);
    for await (const item of batch.results(submittedOn.id, run.signal)) expect(item.result.ok).toBe(true);
    expect(server.batch.counts).toMatchObject({ upload: 1, create: 1, retrieve: 5, content: 1 });
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });
});

describe('openai batch transport: limits', () => {
  it('has OpenAI limits; lineBytes counts bytes (not characters) and the newline', () => {
    expect(batch.kind).toBe('openai');
    expect(batch.limits).toEqual({ maxRequests: 50_000, maxBytes: 200_000_000 });
    expect(OPENAI_BATCH_LIMITS).toEqual(batch.limits);
    const ascii = batch.lineBytes({ customId: 'x', request: request('aaaa') });
    expect(batch.lineBytes({ customId: 'x', request: request('éééé') })).toBe(ascii + 4);
  });

  it('refuses lines the API would refuse before sending anything: too many, a bad or repeated custom id, none', async () => {
    const many = Array.from({ length: 50_001 }, (_, i) => ({ customId: `c${i}`, request: request('x') }));
    expect(await batch.submit(many, signal())).toMatchObject({ ok: false, error: { code: 'client_error', retryable: false, message: expect.stringContaining('50001 lines') } });
    expect(await batch.submit([line('a'), line('a')], signal())).toMatchObject({ ok: false, error: { message: expect.stringContaining('twice') } });
    expect(await batch.submit([{ customId: 'has space', request: request('a') }], signal())).toMatchObject({ ok: false, error: { code: 'client_error' } });
    expect(await batch.submit([], signal())).toMatchObject({ ok: false, error: { code: 'client_error' } });
    expect(server.batch.counts).toMatchObject({ upload: 0, create: 0 });
  });
});

/** The messages of a line as the chat body carries them (plain turns). */
function buildMessages(l: BatchLine): unknown[] {
  return l.request.messages.map((m) => ({ role: m.role, content: m.content }));
}
