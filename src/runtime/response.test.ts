import { describe, expect, it } from 'vitest';
import { parseMessagesResponse } from '../providers/anthropic.js';
import { parseChatCompletion } from '../providers/openai.js';
import type { ProviderResult } from '../providers/types.js';
import { readResponse } from './response.js';

/** A provider's answer without its `ok`: what the log must say of the same response. */
function answerOf(result: ProviderResult): Record<string, unknown> {
  expect(result.ok, JSON.stringify(result)).toBe(true);
  const { ok: _ok, ...answer } = result;
  return answer;
}

const chat = (message: Record<string, unknown>, finish = 'stop') => ({
  model: 'gpt-4o-mini-2024', usage: { prompt_tokens: 3, completion_tokens: 2 }, choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
});
const messages = (content: unknown[], stop = 'end_turn') => ({ model: 'claude-x-1', usage: { input_tokens: 3, output_tokens: 2 }, content, stop_reason: stop });
const call = { id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"id":"42"}' } };
const use = { type: 'tool_use', id: 'toolu_1', name: 'lookup_order', input: { id: '42' } };

describe('readResponse logs what the runner reads from the same response', () => {
  it.each([
    ['text', chat({ content: 'hi' })],
    ['tool calls beside text', chat({ content: 'Let me look.', tool_calls: [call] }, 'tool_calls')],
    ['tool calls only', chat({ content: null, tool_calls: [call] }, 'tool_calls')],
    ['a refusal', chat({ content: null, refusal: 'I cannot.' })],
    ['a content filter', chat({ content: 'partial' }, 'content_filter')],
  ])('OpenAI: %s', (_name, body) => {
    const parsed = answerOf(parseChatCompletion(body));
    expect(readResponse('openai', body)).toEqual(parsed);
  });

  it.each([
    ['text', messages([{ type: 'text', text: 'hi' }])],
    ['a tool call beside text', messages([{ type: 'text', text: 'Let me look.' }, use], 'tool_use')],
    ['a refusal', messages([{ type: 'text', text: 'I will not.' }], 'refusal')],
  ])('Anthropic: %s', (_name, body) => {
    const parsed = answerOf(parseMessagesResponse(body));
    expect(readResponse('anthropic', body)).toEqual(parsed);
  });

  it('Anthropic structured output: the answer tool input is the output, no tool call', () => {
    const answer = { name: 'classify', wrapped: true };
    const body = messages([{ type: 'text', text: 'thinking' }, { type: 'tool_use', id: 't', name: 'classify', input: { value: ['a'] } }], 'tool_use');
    const parsed = answerOf(parseMessagesResponse(body, answer));
    expect(parsed).toMatchObject({ output: '["a"]' });
    expect(readResponse('anthropic', body, answer)).toEqual(parsed);
  });
});

describe('where the log and the runner differ: the log keeps what the app received', () => {
  it('a truncated answer is logged with its text and finish reason (the runner fails it as truncated)', () => {
    const body = chat({ content: 'The order is on its w' }, 'length');
    expect(parseChatCompletion(body)).toMatchObject({ ok: false, error: { code: 'truncated' } });
    expect(readResponse('openai', body)).toMatchObject({ output: 'The order is on its w', finishReason: 'length' });
    const cut = messages([{ type: 'text', text: 'The order' }], 'max_tokens');
    expect(parseMessagesResponse(cut)).toMatchObject({ ok: false, error: { code: 'truncated' } });
    expect(readResponse('anthropic', cut)).toMatchObject({ output: 'The order', finishReason: 'max_tokens' });
  });

  it('no answer is output null (the runner: empty_response); a malformed body keeps the model and tokens read before the fault', () => {
    const empty = chat({ content: null });
    expect(parseChatCompletion(empty)).toMatchObject({ ok: false, error: { code: 'empty_response' } });
    expect(readResponse('openai', empty)).toEqual({ output: null, finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 2 }, modelReported: 'gpt-4o-mini-2024' });
    const bad = chat({ content: 'hi', tool_calls: [{ type: 'function', function: { arguments: '{}' } }] }, 'tool_calls');
    expect(parseChatCompletion(bad)).toMatchObject({ ok: false, error: { code: 'malformed_response' } });
    expect(readResponse('openai', bad)).toEqual({ output: null, finishReason: 'tool_calls', usage: { inputTokens: 3, outputTokens: 2 }, modelReported: 'gpt-4o-mini-2024' });
    expect(readResponse('anthropic', { model: 'claude-x-1', content: 'not blocks' })).toEqual({ output: null, finishReason: null, usage: null, modelReported: 'claude-x-1' });
    expect(readResponse('openai', 'not json')).toEqual({ output: null, finishReason: null, usage: null, modelReported: null });
  });
});
