import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routeOf } from '../cache/request-key.js';
import { createResponseCache } from '../cache/response-cache.js';
import type { Message } from '../prompts/types.js';
import { abortedFailure, providerFailure } from '../providers/failure.js';
import type { Provider, ProviderRequest, ProviderResult } from '../providers/types.js';
import type { CallRecord } from '../run-record/types.js';
import type { ToolCall } from '../tools/types.js';
import { estimateTokens, type CallContext, type CallInput, type CallServices } from './call.js';
import { loadResumeState } from './resume.js';
import { createScheduler } from './schedule.js';
import { DEFAULT_MAX_STEPS, runSteps, turnsOf } from './steps.js';

/** A model that answers from `script` by the request's place in its conversation (0: first step). */
type Script = (request: ProviderRequest, signal: AbortSignal) => ProviderResult | Promise<ProviderResult>;

function fakeProvider(script: Script) {
  const requests: ProviderRequest[] = [];
  const provider: Provider = {
    name: 'm',
    kind: 'openai',
    model: 'fake-model',
    async call(request, signal) {
      requests.push(request);
      return script(request, signal);
    },
  };
  return { provider, requests };
}

const call = (id: string, name: string, args: Record<string, unknown>): ToolCall => ({ id, name, rawArguments: JSON.stringify(args), arguments: args });
const toolAnswer = (...toolCalls: ToolCall[]): ProviderResult => ({ ok: true, output: '', toolCalls, finishReason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 5 } });
const textAnswer = (output: string): ProviderResult => ({ ok: true, output, finishReason: 'stop', usage: { inputTokens: 20, outputTokens: 7 } });
/** How many assistant turns the request carries: the step it is (0 for the first call). */
const stepOf = (request: ProviderRequest) => request.messages.filter((m) => m.role === 'assistant').length;

const prompt: Message[] = [
  { role: 'system', content: 'You are a support agent.' },
  { role: 'user', content: 'Where is order 42?' },
];
const tools = [{ name: 'lookup_order', inputSchema: { type: 'object', properties: { id: { type: 'number' } } } }];

function setup(provider: Provider, options: { cacheDir?: string; resumed?: Map<string, CallRecord>; signal?: AbortSignal } = {}) {
  const signal = options.signal ?? new AbortController().signal;
  const logged: CallRecord[] = [];
  const services: CallServices = {
    scheduler: createScheduler({ concurrency: 2, models: { m: { timeoutMs: 30_000, maxRetries: 0 } }, signal }),
    cache: createResponseCache(options.cacheDir ?? false),
    readCache: true,
    resumed: options.resumed,
    log: (record) => logged.push(record),
  };
  const input: CallInput = { provider, route: routeOf('m', { provider: 'openai', model: 'fake-model', baseURL: 'http://127.0.0.1:9/v1' }), messages: prompt, params: { temperature: 0 }, tools, price: { input: 1, output: 2 } };
  const context: CallContext = { runId: 'r1', purpose: 'eval', suite: 's', caseId: 'c1', repeat: 0, side: 'candidate', prompt: { id: 'p', version: '1.0.0', hash: 'abc' }, model: 'm', vars: {} };
  return { services, input, context, logged, signal };
}

const lookup = call('call_1', 'lookup_order', { id: 42 });
const results = { lookup_order: { status: 'shipped', eta: '2024-05-01' }, policy: 'Refunds within 30 days.' };

describe('runSteps: canned tool results', () => {
  it('sends the tool call and its canned result back, and grades the answer: every step logged, the repeat merged', async () => {
    const { provider, requests } = fakeProvider((request) => (stepOf(request) === 0 ? toolAnswer(lookup) : textAnswer('Order 42 ships on May 1.')));
    const { services, input, context, logged, signal } = setup(provider);
    const repeat = await runSteps({ context, input, toolResults: results }, services, signal);

    expect(requests).toHaveLength(2);
    // The second request: the rendered prompt, the model's tool-call turn, the canned result as JSON; same tools.
    expect(requests[1].messages).toEqual([
      ...prompt,
      { role: 'assistant', content: '', toolCalls: [lookup] },
      { role: 'tool', toolCallId: 'call_1', name: 'lookup_order', content: '{"status":"shipped","eta":"2024-05-01"}' },
    ]);
    expect(requests[1].tools).toEqual(tools);
    expect(logged.map((record) => [record.step, record.output, record.toolCalls?.map((c) => c.name)])).toEqual([
      [0, '', ['lookup_order']],
      [1, 'Order 42 ships on May 1.', undefined],
    ]);
    expect(logged[0].requestKey).not.toBe(logged[1].requestKey);
    expect(logged[1].messages).toEqual(requests[1].messages);

    expect(repeat).toBeDefined();
    expect(repeat!.output).toBe('Order 42 ships on May 1.');
    expect(repeat!.finishReason).toBe('stop');
    expect(repeat!.toolCalls).toEqual([lookup]);
    expect(repeat!.steps).toEqual({ count: 2, stopReason: 'answered' });
    expect(repeat!.usage).toEqual({ inputTokens: 30, outputTokens: 12 });
    expect(repeat!.latencyMs).toBeCloseTo(logged[0].latencyMs + logged[1].latencyMs, 1);
    expect(repeat!.costUsd).not.toBeNull();
    expect(repeat!.costUsd).toBeCloseTo(logged[0].costUsd! + logged[1].costUsd!, 12);
    expect(repeat!.attempts).toBe(2);
    expect(repeat!.cached).toBe(false);
    expect(repeat!.messages).toEqual(requests[1].messages);
  });

  it('answers several calls of one turn in order (a string result as is), and keeps every step\'s calls in order', async () => {
    const policy = call('call_2', 'policy', {});
    const again = call('call_3', 'lookup_order', { id: 43 });
    const { provider, requests } = fakeProvider((request) => [toolAnswer(lookup, policy), toolAnswer(again), textAnswer('done')][stepOf(request)]);
    const { services, input, context, signal } = setup(provider);
    const repeat = await runSteps({ context, input, toolResults: results }, services, signal);
    expect(requests[1].messages.slice(prompt.length)).toEqual([
      { role: 'assistant', content: '', toolCalls: [lookup, policy] },
      { role: 'tool', toolCallId: 'call_1', name: 'lookup_order', content: '{"status":"shipped","eta":"2024-05-01"}' },
      { role: 'tool', toolCallId: 'call_2', name: 'policy', content: 'Refunds within 30 days.' },
    ]);
    expect(requests[2].messages).toHaveLength(prompt.length + 5);
    expect(repeat!.toolCalls?.map((c) => c.id)).toEqual(['call_1', 'call_2', 'call_3']);
    expect(repeat!.steps).toEqual({ count: 3, stopReason: 'answered' });
  });

  it('stops at a tool with no canned result (own keys only), graded on what it has', async () => {
    for (const name of ['escalate', 'constructor']) {
      const unknown = call('call_9', name, { reason: 'angry' });
      const { provider, requests } = fakeProvider(() => toolAnswer(lookup, unknown));
      const { services, input, context, logged, signal } = setup(provider);
      const repeat = await runSteps({ context, input, toolResults: results }, services, signal);
      expect(requests).toHaveLength(1);
      expect(logged.map((record) => record.step)).toEqual([0]);
      expect(repeat!.steps).toEqual({ count: 1, stopReason: 'no_tool_result' });
      expect(repeat!.output).toBe('');
      expect(repeat!.error).toBeNull();
      expect(repeat!.toolCalls?.map((c) => c.name)).toEqual(['lookup_order', name]);
    }
  });

  it('bounds a model that keeps calling: maxSteps calls (default 5), then max_steps', async () => {
    for (const [maxSteps, expected] of [[3, 3], [undefined, DEFAULT_MAX_STEPS], [1, 1]] as const) {
      let n = 0;
      const { provider, requests } = fakeProvider(() => toolAnswer(call(`call_${n++}`, 'lookup_order', { id: n })));
      const { services, input, context, logged, signal } = setup(provider);
      const repeat = await runSteps({ context, input, toolResults: results, maxSteps }, services, signal);
      expect(requests).toHaveLength(expected);
      expect(logged.map((record) => record.step)).toEqual(Array.from({ length: expected }, (_, i) => i));
      expect(repeat!.steps).toEqual({ count: expected, stopReason: 'max_steps' });
      expect(repeat!.toolCalls?.map((c) => c.id)).toEqual(Array.from({ length: expected }, (_, i) => `call_${i}`));
    }
    expect(DEFAULT_MAX_STEPS).toBe(5);
  });

  it('a forced tool choice is sent with the first step only; later steps send auto; auto and none unchanged', async () => {
    for (const [choice, later] of [['required', 'auto'], [{ name: 'lookup_order' }, 'auto'], ['auto', 'auto'], ['none', 'none']] as const) {
      const { provider, requests } = fakeProvider((request) => (stepOf(request) < 2 ? toolAnswer(lookup) : textAnswer('done')));
      const { services, input, context, signal } = setup(provider);
      const repeat = await runSteps({ context, input: { ...input, toolChoice: choice }, toolResults: results }, services, signal);
      expect(requests.map((request) => request.toolChoice)).toEqual([choice, later, later]);
      expect(repeat!.steps).toEqual({ count: 3, stopReason: 'answered' });
    }
  });

  it('an answer at the last allowed step is answered, not max_steps', async () => {
    const { provider } = fakeProvider((request) => (stepOf(request) === 0 ? toolAnswer(lookup) : textAnswer('ok')));
    const { services, input, context, signal } = setup(provider);
    const repeat = await runSteps({ context, input, toolResults: results, maxSteps: 2 }, services, signal);
    expect(repeat!.steps).toEqual({ count: 2, stopReason: 'answered' });
  });

  it('an error at step 2 errors the repeat with that error: no output, no steps, both calls logged', async () => {
    const { provider, requests } = fakeProvider((request) => (stepOf(request) === 0 ? toolAnswer(lookup) : providerFailure('server_error', 'HTTP 500 at step 2', false)));
    const { services, input, context, logged, signal } = setup(provider);
    const repeat = await runSteps({ context, input, toolResults: results }, services, signal);
    expect(requests).toHaveLength(2);
    expect(logged.map((record) => [record.step, record.error?.code ?? null])).toEqual([[0, null], [1, 'server_error']]);
    expect(repeat!.error).toEqual({ code: 'server_error', message: 'HTTP 500 at step 2' });
    expect(repeat!.output).toBeNull();
    expect(repeat!.steps).toBeUndefined();
    expect(repeat!.toolCalls).toEqual([lookup]);
  });

  it('the cache serves each step: a second run calls nothing and replays the same steps', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'pg-steps-cache-'));
    const script: Script = (request) => (stepOf(request) < 2 ? toolAnswer(call(`call_${stepOf(request)}`, 'lookup_order', { id: 42 })) : textAnswer('shipped'));
    const first = fakeProvider(script);
    const a = setup(first.provider, { cacheDir });
    const fresh = await runSteps({ context: a.context, input: a.input, toolResults: results }, a.services, a.signal);
    expect(first.requests).toHaveLength(3);

    const second = fakeProvider(script);
    const b = setup(second.provider, { cacheDir });
    const replayed = await runSteps({ context: b.context, input: b.input, toolResults: results }, b.services, b.signal);
    expect(second.requests).toHaveLength(0);
    expect(b.logged.map((record) => [record.step, record.cached])).toEqual([[0, true], [1, true], [2, true]]);
    expect(b.logged.map((record) => record.requestKey)).toEqual(a.logged.map((record) => record.requestKey));
    expect(replayed!.cached).toBe(true);
    expect(replayed!.output).toBe(fresh!.output);
    expect(replayed!.toolCalls).toEqual(fresh!.toolCalls);
    expect(replayed!.steps).toEqual({ count: 3, stopReason: 'answered' });
    // A wholly cached repeat's latency, for the `latency` grader: the steps' original latencies summed.
    expect(replayed!.originalLatencyMs).toBeCloseTo(a.logged.reduce((sum, record) => sum + record.latencyMs, 0), 1);
  });

  it('interrupted mid-steps: no verdict; --resume reuses the logged steps and makes only the missing ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-steps-resume-'));
    let reached!: () => void;
    const atStep2 = new Promise<void>((resolve) => (reached = resolve));
    const hanging = fakeProvider(async (request, signal) => {
      if (stepOf(request) === 0) return toolAnswer(lookup);
      reached();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return abortedFailure(signal);
    });
    const controller = new AbortController();
    const a = setup(hanging.provider, { signal: controller.signal });
    const interrupted = runSteps({ context: a.context, input: a.input, toolResults: results }, a.services, a.signal);
    await atStep2;
    controller.abort(new Error('SIGINT'));
    expect(await interrupted).toBeUndefined();
    // Step 0 was logged; the abandoned step 1 was not.
    expect(a.logged.map((record) => record.step)).toEqual([0]);
    await writeFile(join(dir, 'calls.jsonl'), a.logged.map((record) => JSON.stringify(record)).join('\n') + '\n');

    const resumed = await loadResumeState(dir);
    const again = fakeProvider((request) => (stepOf(request) === 0 ? toolAnswer(call('call_other', 'lookup_order', { id: 1 })) : textAnswer('Order 42 ships on May 1.')));
    const reused: CallRecord[] = [];
    const b = setup(again.provider, { resumed });
    b.services.reuse = (record) => reused.push(record);
    const repeat = await runSteps({ context: b.context, input: b.input, toolResults: results }, b.services, b.signal);
    // Only step 1 reached the model, built on the logged step 0 (its tool call, not a new draw).
    expect(again.requests).toHaveLength(1);
    expect(again.requests[0].messages.slice(prompt.length)).toEqual(turnsOf('', [lookup], results));
    expect(reused.map((record) => record.step)).toEqual([0]);
    expect(b.logged.map((record) => record.step)).toEqual([1]);
    expect(repeat!.steps).toEqual({ count: 2, stopReason: 'answered' });
    expect(repeat!.toolCalls).toEqual([lookup]);
    expect(repeat!.output).toBe('Order 42 ships on May 1.');
  });

  it('the rate-limit estimate counts the tool calls a later step carries', () => {
    const params = { max_tokens: 0 };
    const withCall = [...prompt, ...turnsOf('', [call('call_1', 'lookup_order', { id: 42, note: 'x'.repeat(400) })], { lookup_order: 'ok' })];
    const withoutCall = withCall.map(({ toolCalls: _, ...message }) => message);
    expect(estimateTokens({ messages: withCall, params })).toBeGreaterThan(estimateTokens({ messages: withoutCall, params }) + 100);
  });
});
