import { describe, expect, it } from 'vitest';
import type { RequestExtras } from '../tools/request.js';
import { readRequestTools, sdkParamsOf } from './wire-tools.js';

const lookup = { name: 'lookup_order', description: 'Find', inputSchema: { type: 'object', properties: { id: { type: 'string' } } } };
const escalate = { name: 'escalate', inputSchema: { type: 'object' } };
const answer = { name: 'classify', schema: { type: 'object', properties: { tier: { type: 'string' } } }, strict: false };

describe('sdkParamsOf / readRequestTools', () => {
  const cases: Array<[string, RequestExtras]> = [
    ['tools and a named choice', { tools: [lookup, escalate], toolChoice: { name: 'escalate' } }],
    ['required', { tools: [lookup], toolChoice: 'required' }],
    ['none', { tools: [lookup], toolChoice: 'none' }],
    ['structured output', { responseSchema: answer }],
  ];
  it.each(cases)('OpenAI and Anthropic params read back as what was asked: %s', (_name, extras) => {
    for (const api of ['openai', 'anthropic'] as const) {
      const params = { temperature: 0, ...sdkParamsOf(api, extras) };
      const { rest, answerTool: _answerTool, ...read } = readRequestTools(api, params, extras);
      expect(read, api).toEqual(extras);
      expect(rest, api).toEqual({ temperature: 0 });
    }
  });

  it('Anthropic: structured output beside tools adds the answer tool and lets the model choose among them', () => {
    const extras = { tools: [lookup], toolChoice: 'auto' as const, responseSchema: answer };
    const params = sdkParamsOf('anthropic', extras);
    expect(params.tools).toEqual([
      { name: 'lookup_order', description: 'Find', input_schema: lookup.inputSchema },
      { name: 'classify', description: expect.any(String), input_schema: answer.schema },
    ]);
    expect(params.tool_choice).toEqual({ type: 'any' });
    expect(sdkParamsOf('anthropic', { ...extras, toolChoice: 'none' }).tool_choice).toEqual({ type: 'tool', name: 'classify' });
    expect(sdkParamsOf('anthropic', { ...extras, toolChoice: { name: 'lookup_order' } }).tool_choice).toEqual({ type: 'tool', name: 'lookup_order' });
    const read = readRequestTools('anthropic', params, extras);
    expect(read).toMatchObject({ tools: [lookup], toolChoice: 'required', responseSchema: answer, answerTool: { name: 'classify', wrapped: false } });
  });

  it('Anthropic: the answer tool is renamed beside a declared tool of its name, and wraps a schema that is not an object', () => {
    const list = { name: 'classify', schema: { type: 'array', items: { type: 'string' } }, strict: true };
    const extras = { tools: [{ ...escalate, name: 'classify' }], responseSchema: list };
    const params = sdkParamsOf('anthropic', extras);
    expect((params.tools as Array<{ name: string; input_schema: unknown }>)[1]).toEqual({
      name: 'classify_output', description: expect.any(String),
      input_schema: { type: 'object', properties: { value: list.schema }, required: ['value'], additionalProperties: false },
    });
    expect(readRequestTools('anthropic', params, extras)).toMatchObject({ responseSchema: list, answerTool: { name: 'classify_output', wrapped: true } });
  });

  it('OpenAI and Anthropic send a tool choice only with tools (the APIs reject it alone)', () => {
    expect(sdkParamsOf('openai', { toolChoice: 'required' })).toEqual({});
    expect(sdkParamsOf('anthropic', { toolChoice: 'required' })).toEqual({});
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
