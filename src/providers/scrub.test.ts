import { describe, expect, it } from 'vitest';
import { cleanMessage, MAX_MESSAGE_LENGTH, scrubSecrets } from './failure.js';
import { apiKeysOf, scrubbingProvider } from './scrub.js';
import type { Provider, ProviderResult } from './types.js';

const KEY = 'sk-test-planted-0123456789';

function fixed(result: ProviderResult): Provider {
  return { name: 'm', kind: 'openai', model: 'x', price: { inputPerMTok: 1, outputPerMTok: 2 }, call: async () => result };
}

describe('scrubbingProvider', () => {
  it('removes the keys from outputs, reported models and error messages', async () => {
    const signal = new AbortController().signal;
    const ok = await scrubbingProvider(fixed({ ok: true, output: `Authorization: Bearer ${KEY}`, modelReported: `m-${KEY}` }), [KEY]).call({ model: 'x', messages: [], params: {} }, signal);
    expect(ok).toEqual({ ok: true, output: 'Authorization: Bearer ***', modelReported: 'm-***' });
    const failed = await scrubbingProvider(fixed({ ok: false, error: { code: 'client_error', message: `bad key ${KEY}`, retryable: false, status: 400 } }), [KEY]).call({ model: 'x', messages: [], params: {} }, signal);
    expect(failed).toEqual({ ok: false, error: { code: 'client_error', message: 'bad key ***', retryable: false, status: 400 } });
  });

  it('removes the keys from a refusal and from tool calls (arguments parsed again from the scrubbed text)', async () => {
    const signal = new AbortController().signal;
    const result = await scrubbingProvider(fixed({
      ok: true,
      output: '',
      refusal: `I will not repeat ${KEY}`,
      toolCalls: [{ id: `call_${KEY}`, name: 'send', rawArguments: `{"token":"${KEY}"}`, arguments: { token: KEY } }],
    }), [KEY]).call({ model: 'x', messages: [], params: {} }, signal);
    expect(result).toEqual({
      ok: true,
      output: '',
      refusal: 'I will not repeat ***',
      toolCalls: [{ id: 'call_***', name: 'send', rawArguments: '{"token":"***"}', arguments: { token: '***' } }],
    });
  });

  it('scrubs a long error message before cutting it, so no part of a key is left at the cut', async () => {
    const signal = new AbortController().signal;
    for (const at of [MAX_MESSAGE_LENGTH - 20, MAX_MESSAGE_LENGTH - 5, MAX_MESSAGE_LENGTH - 1, MAX_MESSAGE_LENGTH]) {
      const message = `${'x'.repeat(at)}${KEY} and more text after it`;
      for (const secrets of [[KEY], []]) {
        const result = await scrubbingProvider(fixed({ ok: false, error: { code: 'refused', message, retryable: false } }), secrets).call({ model: 'x', messages: [], params: {} }, signal);
        const text = result.ok ? '' : result.error.message;
        expect(text.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
        if (secrets.length) expect(text).not.toContain(KEY.slice(0, 8));
      }
    }
  });

  it('keeps the provider identity and price', () => {
    const wrapped = scrubbingProvider(fixed({ ok: true, output: '' }), [KEY]);
    expect([wrapped.name, wrapped.kind, wrapped.model, wrapped.price]).toEqual(['m', 'openai', 'x', { inputPerMTok: 1, outputPerMTok: 2 }]);
  });
});

describe('apiKeysOf', () => {
  it('reads each model key variable and the SDK defaults, longest first', () => {
    const keys = apiKeysOf(
      { a: { provider: 'openai', model: 'x', apiKeyEnv: 'MY_KEY' }, b: { provider: 'anthropic', model: 'y' } },
      { MY_KEY: KEY, OPENAI_API_KEY: 'sk-default-key', UNRELATED: 'sk-not-a-model-key-xxxxxxxx' },
    );
    expect(keys).toEqual([KEY, 'sk-default-key']);
  });
});

describe('scrubSecrets', () => {
  it('replaces whole keys, and a piece of 8+ characters of a key at a cut (end, ellipsis, start)', () => {
    expect(scrubSecrets(`a ${KEY} b ${KEY}`, [KEY])).toBe('a *** b ***');
    expect(scrubSecrets(`refused: ${KEY.slice(0, 15)}`, [KEY])).toBe('refused: ***');
    expect(scrubSecrets(`refused: ${KEY.slice(0, 8)}…`, [KEY])).toBe('refused: ***…');
    expect(scrubSecrets(`refused: ${KEY.slice(0, 20)}... (cut)`, [KEY])).toBe('refused: ***... (cut)');
    expect(scrubSecrets(`${KEY.slice(5)} was the key`, [KEY])).toBe('*** was the key');
    expect(scrubSecrets(`…${KEY.slice(-9)} was the key`, [KEY])).toBe('…*** was the key');
  });

  it('leaves short pieces, pieces away from a cut, and short secrets alone', () => {
    expect(scrubSecrets(`the key starts ${KEY.slice(0, 7)}`, [KEY])).toBe(`the key starts ${KEY.slice(0, 7)}`);
    expect(scrubSecrets(`${KEY.slice(0, 12)} in the middle`.padStart(40, '-'), [KEY])).toBe(`${KEY.slice(0, 12)} in the middle`.padStart(40, '-'));
    expect(scrubSecrets('not-needed here', ['not-need'.slice(0, 7)])).toBe('not-needed here');
  });

  it('cleanMessage scrubs first, then cuts', () => {
    const message = `${'y'.repeat(MAX_MESSAGE_LENGTH - 10)}${KEY}`;
    const clean = cleanMessage(message, [KEY]);
    expect(clean).toBe(`${'y'.repeat(MAX_MESSAGE_LENGTH - 10)}***`);
    expect(cleanMessage(`${'z'.repeat(600)}`, []).length).toBe(MAX_MESSAGE_LENGTH);
  });
});
