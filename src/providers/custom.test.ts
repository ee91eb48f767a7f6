import { describe, expect, it } from 'vitest';
import { createCustomProvider } from './custom.js';
import type { ProviderFunction, ProviderRequest } from './types.js';

const request: ProviderRequest = { model: 'echo-1', messages: [{ role: 'user', content: 'hi' }], params: { temperature: 0 } };
const call = (fn: ProviderFunction, signal = new AbortController().signal) =>
  createCustomProvider('echo', { provider: fn, model: 'echo-1' }, fn).call(request, signal);

describe('custom provider', () => {
  it('turns a string into a success', async () => {
    expect(await call((req) => `you said ${req.messages[0].content}`)).toEqual({ ok: true, output: 'you said hi' });
  });

  it('awaits a promise and passes the request and signal', async () => {
    let seen: AbortSignal | undefined;
    const result = await call(async (req, context) => {
      seen = context.signal;
      return `${req.model}/${String(req.params.temperature)}`;
    });
    expect(result).toEqual({ ok: true, output: 'echo-1/0' });
    expect(seen).toBeInstanceOf(AbortSignal);
  });

  it('passes a success through, keeping only known fields', async () => {
    const value = { ok: true as const, output: 'x', modelReported: 'echo-2', usage: { inputTokens: 1, outputTokens: 2 }, finishReason: 'stop', secret: 'no' };
    expect(await call(() => value)).toEqual({ ok: true, output: 'x', modelReported: 'echo-2', usage: { inputTokens: 1, outputTokens: 2 }, finishReason: 'stop' });
  });

  it('passes a failure through', async () => {
    const result = await call(() => ({ ok: false, error: { code: 'rate_limited', message: 'slow down', retryable: true, retryAfterMs: 500 } }));
    expect(result).toEqual({ ok: false, error: { code: 'rate_limited', message: 'slow down', retryable: true, retryAfterMs: 500 } });
  });

  it('maps an unknown failure code to provider_error and a missing retryable to false', async () => {
    const result = await call(() => ({ ok: false, error: { code: 'weird', message: 'hmm' } }) as never);
    expect(result).toEqual({ ok: false, error: { code: 'provider_error', message: 'hmm', retryable: false } });
  });

  it.each([
    ['undefined', undefined],
    ['a number', 42],
    ['an object without ok', { output: 'x' }],
    ['ok without output', { ok: true }],
    ['a failure without message', { ok: false, error: { code: 'auth' } }],
  ])('rejects %s', async (_name, value) => {
    const result = await call(() => value as never);
    expect(result).toMatchObject({ ok: false, error: { code: 'provider_error', retryable: false } });
    expect(!result.ok && result.error.message).toContain('custom provider "echo" returned');
  });

  it('passes tool calls through, arguments parsed by the one parser (given as raw text or as an object)', async () => {
    const result = await call(() => ({
      ok: true,
      output: '',
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'c1', name: 'lookup_order', rawArguments: '{"orderId":"42"}', arguments: { forged: true } },
        { id: 'c2', name: 'escalate', arguments: { reason: 'late' } },
        { id: 'c3', name: 'escalate', rawArguments: '{"reason":', argumentsError: 'ignored' },
      ],
    }) as never);
    expect(result).toMatchObject({ ok: true, output: '', finishReason: 'tool_calls' });
    const calls = result.ok ? result.toolCalls : undefined;
    expect(calls?.[0]).toEqual({ id: 'c1', name: 'lookup_order', rawArguments: '{"orderId":"42"}', arguments: { orderId: '42' } });
    expect(calls?.[1]).toEqual({ id: 'c2', name: 'escalate', rawArguments: '{"reason":"late"}', arguments: { reason: 'late' } });
    expect(calls?.[2]).toMatchObject({ id: 'c3', rawArguments: '{"reason":' });
    expect(calls?.[2].argumentsError).toMatch(/^the arguments are not valid JSON/);
    expect(calls?.[2]).not.toHaveProperty('arguments');
  });

  it('passes a refusal through as an answer with output ""', async () => {
    expect(await call(() => ({ ok: true, output: '', refusal: 'no', finishReason: 'refusal' }) as never)).toEqual({ ok: true, output: '', refusal: 'no', finishReason: 'refusal' });
    expect(await call(() => ({ ok: true, output: '', toolCalls: [] }) as never)).toEqual({ ok: true, output: '' });
  });

  it.each([
    ['toolCalls not an array', { toolCalls: { id: 'c', name: 'n' } }, 'a "toolCalls" that is not an array'],
    ['a tool call without id', { toolCalls: [{ name: 'n', rawArguments: '{}' }] }, 'a toolCalls[0] without a string "id"'],
    ['a tool call without name', { toolCalls: [{ id: 'c', name: '', rawArguments: '{}' }] }, 'a toolCalls[0] without a non-empty string "name"'],
    ['a tool call without arguments', { toolCalls: [{ id: 'c', name: 'n' }] }, 'a toolCalls[0] without "rawArguments" (a string) or "arguments" (an object)'],
    ['rawArguments not a string', { toolCalls: [{ id: 'c', name: 'n', rawArguments: { a: 1 } }] }, 'a toolCalls[0] with a "rawArguments" that is not a string'],
    ['a tool call that is a string', { toolCalls: ['lookup'] }, 'a toolCalls[0] that is not an object'],
    ['a refusal that is not a string', { refusal: true }, 'a "refusal" that is not a non-empty string'],
    ['a refusal with text output', { output: 'Sure!', refusal: 'no' }, 'a "refusal" with a non-empty "output"'],
  ])('rejects %s (provider_error, never graded)', async (_name, fields, why) => {
    const result = await call(() => ({ ok: true, output: '', ...fields }) as never);
    expect(result).toMatchObject({ ok: false, error: { code: 'provider_error', retryable: false } });
    expect(!result.ok && result.error.message).toContain(`custom provider "echo" returned ${why}`);
  });

  it('gets its own copy of the conversation and tools', async () => {
    const shared: ProviderRequest = {
      ...request,
      messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'n', rawArguments: '{}', arguments: {} }] }],
      tools: [{ name: 'n', inputSchema: { type: 'object' } }],
    };
    const fn: ProviderFunction = (req) => {
      (req.messages[0].toolCalls![0].arguments as Record<string, unknown>).x = 1;
      req.tools![0].inputSchema.type = 'string';
      return 'ok';
    };
    await createCustomProvider('echo', { provider: fn, model: 'echo-1' }, fn).call(shared, new AbortController().signal);
    expect(shared.messages[0].toolCalls![0].arguments).toEqual({});
    expect(shared.tools![0].inputSchema.type).toBe('object');
  });

  it('turns a throw into provider_error (not retryable)', async () => {
    const result = await call(() => {
      throw new Error('backend down');
    });
    expect(result).toEqual({ ok: false, error: { code: 'provider_error', message: 'custom provider "echo" threw: backend down', retryable: false } });
  });

  it('turns a throw after the signal fired into aborted', async () => {
    const controller = new AbortController();
    const result = await call(async (_req, { signal }) => {
      controller.abort();
      signal.throwIfAborted();
      return 'never';
    }, controller.signal);
    expect(result).toMatchObject({ ok: false, error: { code: 'aborted', retryable: false } });
  });
});
