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
