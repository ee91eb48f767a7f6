import { describe, expect, it } from 'vitest';
import { buildMessagesBody } from '../providers/anthropic-request.js';
import { buildChatBody } from '../providers/openai-request.js';
import type { RequestExtras } from '../tools/request.js';
import type { Api } from './response.js';
import { readRequestTools } from './wire-tools.js';

const lookup = { name: 'lookup_order', description: 'Find', inputSchema: { type: 'object', properties: { id: { type: 'string' } } } };
const escalate = { name: 'escalate', inputSchema: { type: 'object' } };
const answer = { name: 'classify', schema: { type: 'object', properties: { tier: { type: 'string' } } }, strict: false };

/** The params the runner's request builders (and so `prompt.openai()` / `.anthropic()`) send for `extras`, besides model, messages and the defaults. */
function paramsOf(api: Api, extras: RequestExtras, params: Record<string, unknown> = {}): Record<string, unknown> {
  const request = { model: '', messages: [{ role: 'user' as const, content: 'hi' }], params, ...extras };
  const { model: _model, messages: _messages, stream: _stream, max_tokens: _maxTokens, ...rest } = api === 'openai' ? buildChatBody(request, '') : buildMessagesBody(request, '');
  return rest;
}

describe('readRequestTools reads back what the request builders send', () => {
  const cases: Array<[string, RequestExtras]> = [
    ['tools and a named choice', { tools: [lookup, escalate], toolChoice: { name: 'escalate' } }],
    ['required', { tools: [lookup], toolChoice: 'required' }],
    ['none', { tools: [lookup], toolChoice: 'none' }],
    ['structured output', { responseSchema: answer }],
  ];
  it.each(cases)('OpenAI and Anthropic params read back as what was asked: %s', (_name, extras) => {
    for (const api of ['openai', 'anthropic'] as const) {
      const params = paramsOf(api, extras, { temperature: 0 });
      const { rest, answerTool: _answerTool, ...read } = readRequestTools(api, params, extras);
      expect(read, api).toEqual(extras);
      expect(rest, api).toEqual({ temperature: 0 });
    }
  });

  it('Anthropic: structured output beside tools: the answer tool is the schema asked for, the other tools are the tools', () => {
    const extras = { tools: [lookup], toolChoice: 'auto' as const, responseSchema: answer };
    const read = readRequestTools('anthropic', paramsOf('anthropic', extras), extras);
    expect(read).toMatchObject({ tools: [lookup], toolChoice: 'required', responseSchema: answer, answerTool: { name: 'classify', wrapped: false } });
  });

  it('Anthropic: a renamed answer tool wrapping a schema that is not an object reads back as the schema', () => {
    const list = { name: 'classify', schema: { type: 'array', items: { type: 'string' } }, strict: true };
    const extras = { tools: [{ ...escalate, name: 'classify' }], responseSchema: list };
    expect(readRequestTools('anthropic', paramsOf('anthropic', extras), extras)).toMatchObject({ responseSchema: list, answerTool: { name: 'classify_output', wrapped: true } });
  });

  it('leaves shapes it does not map in the params, as sent', () => {
    const openai = { tools: [{ type: 'custom', custom: { name: 'x' } }], tool_choice: { type: 'allowed_tools' }, response_format: { type: 'json_object' } };
    expect(readRequestTools('openai', openai)).toEqual({ rest: openai });
    const anthropic = { tools: [{ type: 'web_search_20250305', name: 'web_search' }], tool_choice: { type: 'auto', disable_parallel_tool_use: true } };
    expect(readRequestTools('anthropic', anthropic)).toEqual({ rest: anthropic });
  });

  it('Anthropic native structured output (output_config.format) is read as the schema asked for', () => {
    const read = readRequestTools('anthropic', { output_config: { effort: 'low', format: { type: 'json_schema', schema: answer.schema } } });
    expect(read).toEqual({ rest: { output_config: { effort: 'low' } }, responseSchema: { name: 'output', schema: answer.schema, strict: true } });
  });
});
