import { describe, expect, it } from 'vitest';
import type { ProviderRequest } from './types.js';
import { buildMessagesBody } from './anthropic-request.js';

const lookup = { name: 'lookup_order', description: 'Find', inputSchema: { type: 'object', properties: { id: { type: 'string' } } } };
const escalate = { name: 'escalate', inputSchema: { type: 'object' } };
const answer = { name: 'classify', schema: { type: 'object', properties: { tier: { type: 'string' } } }, strict: false };

const request = (extras: Partial<ProviderRequest>): ProviderRequest => ({ model: 'claude-x', messages: [{ role: 'user', content: 'hi' }], params: {}, ...extras });

describe('buildMessagesBody: tools and structured output (also the params of prompt.anthropic())', () => {
  it('structured output beside tools adds the answer tool and lets the model choose among them', () => {
    const extras = { tools: [lookup], toolChoice: 'auto' as const, responseSchema: answer };
    const body = buildMessagesBody(request(extras), '');
    expect(body.tools).toEqual([
      { name: 'lookup_order', description: 'Find', input_schema: lookup.inputSchema },
      { name: 'classify', description: expect.any(String), input_schema: answer.schema },
    ]);
    expect(body.tool_choice).toEqual({ type: 'any' });
    expect(buildMessagesBody(request({ ...extras, toolChoice: 'none' }), '').tool_choice).toEqual({ type: 'tool', name: 'classify' });
    expect(buildMessagesBody(request({ ...extras, toolChoice: { name: 'lookup_order' } }), '').tool_choice).toEqual({ type: 'tool', name: 'lookup_order' });
  });

  it('the answer tool is renamed beside a declared tool of its name, and wraps a schema that is not an object', () => {
    const list = { name: 'classify', schema: { type: 'array', items: { type: 'string' } }, strict: true };
    const body = buildMessagesBody(request({ tools: [{ ...escalate, name: 'classify' }], responseSchema: list }), '');
    expect((body.tools as Array<{ name: string; input_schema: unknown }>)[1]).toEqual({
      name: 'classify_output', description: expect.any(String),
      input_schema: { type: 'object', properties: { value: list.schema }, required: ['value'], additionalProperties: false },
    });
  });

  it('sends a tool choice only with tools (the API rejects it alone)', () => {
    const body = buildMessagesBody(request({ toolChoice: 'required' }), '');
    expect(Object.keys(body).sort()).toEqual(['max_tokens', 'messages', 'model', 'stream']);
  });
});
