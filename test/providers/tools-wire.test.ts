import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../src/providers/registry.js';
import type { Provider, ProviderFailure, ProviderRequest, ProviderResult, ProviderSuccess } from '../../src/providers/types.js';
import type { Message } from '../../src/prompts/types.js';
import type { ResponseSchema, ToolDefinition } from '../../src/tools/types.js';
import { startAnthropicServer } from '../helpers/anthropic-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer, type Reply } from '../helpers/openai-server.js';

/**
 * Tools, tool choice, structured output, conversation turns with tool calls and refusals through
 * the real SDKs against the local servers: the exact request bodies the servers receive, and what
 * the providers make of the answers.
 */

const LOOKUP: ToolDefinition = {
  name: 'lookup_order',
  description: 'Find an order by id',
  inputSchema: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'], additionalProperties: false },
};
const ESCALATE: ToolDefinition = { name: 'escalate', inputSchema: { type: 'object', properties: { reason: { type: 'string' } } } };
const CLOSED: ResponseSchema = {
  name: 'triage',
  schema: { type: 'object', properties: { tier: { type: 'string' } }, required: ['tier'], additionalProperties: false },
  strict: true,
};
const OPEN: ResponseSchema = { name: 'triage', schema: { type: 'object', properties: { tier: { type: 'string' }, note: { type: 'string' } }, required: ['tier'] }, strict: false };

/** A conversation: the user asked, the assistant called two tools, both answered, the user asks again. */
const CONVERSATION: Message[] = [
  { role: 'system', content: 'You are a support agent.' },
  { role: 'user', content: 'Where is order 42?' },
  {
    role: 'assistant',
    content: '',
    toolCalls: [
      { id: 'call_1', name: 'lookup_order', rawArguments: '{"orderId":"42"}', arguments: { orderId: '42' } },
      { id: 'call_2', name: 'escalate', rawArguments: '{"reason":"late"}', arguments: { reason: 'late' } },
    ],
  },
  { role: 'tool', toolCallId: 'call_1', name: 'lookup_order', content: '{"status":"shipped"}' },
  { role: 'tool', toolCallId: 'call_2', name: 'escalate', content: 'ticket 7' },
  { role: 'user', content: 'And now?' },
];

const signal = () => new AbortController().signal;

function success(result: ProviderResult): ProviderSuccess {
  expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
  return result as ProviderSuccess;
}

function failure(result: ProviderResult): ProviderFailure['error'] {
  expect(result.ok, JSON.stringify(result)).toBe(false);
  return (result as ProviderFailure).error;
}

describe('openai: tools and structured output on the wire', () => {
  let server: MockServer;
  let next: (req: IncomingChat) => Reply;
  let provider: Provider;
  const base: ProviderRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Where is order 42?' }], params: { temperature: 0 } };

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: (req) => next(req) });
    provider = createProvider('mini', { provider: 'openai', model: 'gpt-4o-mini', baseURL: server.url }, { fixturesDir: '/nonexistent', env: {} });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    next = () => ({ content: 'ok' });
  });

  it('sends tools as functions, each tool choice in the API shape, and no tool fields for a plain request', async () => {
    const choices = ['auto', 'none', 'required', { name: 'escalate' }] as const;
    for (const toolChoice of choices) success(await provider.call({ ...base, tools: [LOOKUP, ESCALATE], toolChoice }, signal()));
    success(await provider.call(base, signal()));
    expect(server.requests[0].body.tools).toEqual([
      { type: 'function', function: { name: 'lookup_order', description: 'Find an order by id', parameters: LOOKUP.inputSchema } },
      { type: 'function', function: { name: 'escalate', parameters: ESCALATE.inputSchema } },
    ]);
    expect(server.requests.slice(0, 4).map((r) => r.body.tool_choice)).toEqual(['auto', 'none', 'required', { type: 'function', function: { name: 'escalate' } }]);
    const plain = server.requests[4].body;
    for (const key of ['tools', 'tool_choice', 'response_format']) expect(plain).not.toHaveProperty(key);
    expect(plain.messages).toEqual([{ role: 'user', content: 'Where is order 42?' }]);
  });

  it('sends tool_choice only with tools (the API rejects it alone)', async () => {
    success(await provider.call({ ...base, toolChoice: 'required' }, signal()));
    expect(server.requests[0].body).not.toHaveProperty('tool_choice');
  });

  it('asks for structured output as response_format json_schema, strict as the request says', async () => {
    next = () => ({ structured: { tier: 'pro' } });
    const strict = success(await provider.call({ ...base, responseSchema: CLOSED }, signal()));
    expect(server.requests[0].body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'triage', schema: CLOSED.schema, strict: true } });
    expect(strict).toMatchObject({ output: '{"tier":"pro"}', finishReason: 'stop' });
    expect(strict.toolCalls).toBeUndefined();
    success(await provider.call({ ...base, responseSchema: OPEN }, signal()));
    expect(server.requests[1].body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'triage', schema: OPEN.schema, strict: false } });
  });

  it('the local server rejects a strict schema with an optional property, as the API does', async () => {
    const error = failure(await provider.call({ ...base, responseSchema: { ...OPEN, strict: true } }, signal()));
    expect(error).toMatchObject({ code: 'client_error', status: 400 });
    expect(error.message).toContain("'additionalProperties' is required to be supplied and to be false");
    const closedButOptional = { ...OPEN.schema, additionalProperties: false };
    const optional = failure(await provider.call({ ...base, responseSchema: { name: 'triage', schema: closedButOptional, strict: true } }, signal()));
    expect(optional.message).toContain("'required' is required to be supplied and to be an array including every key in properties. Missing 'note'");
  });

  it('sends a conversation: assistant tool_calls with the raw arguments, tool results as role tool', async () => {
    success(await provider.call({ ...base, messages: CONVERSATION, tools: [LOOKUP, ESCALATE] }, signal()));
    expect(server.requests[0].body.messages).toEqual([
      { role: 'system', content: 'You are a support agent.' },
      { role: 'user', content: 'Where is order 42?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"orderId":"42"}' } },
          { id: 'call_2', type: 'function', function: { name: 'escalate', arguments: '{"reason":"late"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"status":"shipped"}' },
      { role: 'tool', tool_call_id: 'call_2', content: 'ticket 7' },
      { role: 'user', content: 'And now?' },
    ]);
    // A result that answers no call is what the API rejects: the server checks it like the API.
    const stray = failure(await provider.call({ ...base, messages: [CONVERSATION[1], CONVERSATION[3]] }, signal()));
    expect(stray.message).toContain("messages with role 'tool' must be a response to a preceeding message with 'tool_calls'");
  });

  it('parses tool calls: id, name, raw and parsed arguments; invalid JSON keeps its text and says why', async () => {
    next = () => ({
      toolCalls: [
        { id: 'call_a', name: 'lookup_order', arguments: { orderId: '42' } },
        { id: 'call_b', name: 'escalate', arguments: '{"reason": "late",' },
        { id: 'call_c', name: 'escalate', arguments: '["late"]' },
      ],
    });
    const result = success(await provider.call({ ...base, tools: [LOOKUP, ESCALATE] }, signal()));
    expect(result.output).toBe('');
    expect(result.finishReason).toBe('tool_calls');
    const [a, b, c] = result.toolCalls ?? [];
    expect(a).toEqual({ id: 'call_a', name: 'lookup_order', rawArguments: '{"orderId":"42"}', arguments: { orderId: '42' } });
    expect(b).toMatchObject({ id: 'call_b', name: 'escalate', rawArguments: '{"reason": "late",' });
    expect(b).not.toHaveProperty('arguments');
    expect(b.argumentsError).toMatch(/^the arguments are not valid JSON: /);
    expect(c).toMatchObject({ rawArguments: '["late"]', argumentsError: 'the arguments are an array, not a JSON object' });
    expect(c).not.toHaveProperty('arguments');
  });

  it('keeps text said beside tool calls as the output', async () => {
    next = () => ({ content: 'Let me look.', toolCalls: [{ name: 'lookup_order', arguments: { orderId: '7' } }] });
    const result = success(await provider.call({ ...base, tools: [LOOKUP] }, signal()));
    expect(result).toMatchObject({ output: 'Let me look.', toolCalls: [{ id: 'call_mock_0_0', name: 'lookup_order', arguments: { orderId: '7' } }] });
  });

  it('a refusal is an answer: output "", what the model said, the finish reason as reported', async () => {
    next = () => ({ fault: 'refusal', message: 'I cannot share order data.' });
    const refused = success(await provider.call({ ...base, responseSchema: CLOSED }, signal()));
    expect(refused).toMatchObject({ output: '', refusal: 'I cannot share order data.', finishReason: 'stop', modelReported: 'gpt-4o-mini-2024-01-01' });
    next = () => ({ content: 'partial', finishReason: 'content_filter' });
    const filtered = success(await provider.call(base, signal()));
    expect(filtered).toMatchObject({ output: '', refusal: 'blocked by the content filter', finishReason: 'content_filter' });
  });

  it('a tool call without a function name is a malformed response, never an answer', async () => {
    next = () => ({
      fault: 'status', status: 200,
      body: { id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { arguments: '{}' } }] }, finish_reason: 'tool_calls' }] },
    });
    expect(failure(await provider.call(base, signal()))).toMatchObject({ code: 'malformed_response', message: expect.stringContaining('tool_calls[0]') });
    next = () => ({ fault: 'status', status: 200, body: { id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'stop' }] } });
    expect(failure(await provider.call(base, signal())).code).toBe('empty_response');
  });
});

describe('anthropic: tools and structured output on the wire', () => {
  let server: MockServer;
  let next: (req: IncomingChat) => Reply;
  let provider: Provider;
  const base: ProviderRequest = { model: 'claude-x', messages: [{ role: 'user', content: 'Where is order 42?' }], params: {} };

  beforeAll(async () => {
    server = await startAnthropicServer({ respond: (req) => next(req) });
    provider = createProvider('claude', { provider: 'anthropic', model: 'claude-x', baseURL: server.url }, { fixturesDir: '/nonexistent', env: {} });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    next = () => ({ content: 'ok' });
  });

  it('sends tools with input_schema and each tool choice in the API shape', async () => {
    const choices = ['auto', 'none', 'required', { name: 'escalate' }] as const;
    for (const toolChoice of choices) success(await provider.call({ ...base, tools: [LOOKUP, ESCALATE], toolChoice }, signal()));
    success(await provider.call({ ...base, tools: [LOOKUP] }, signal()));
    expect(server.requests[0].body.tools).toEqual([
      { name: 'lookup_order', description: 'Find an order by id', input_schema: LOOKUP.inputSchema },
      { name: 'escalate', input_schema: ESCALATE.inputSchema },
    ]);
    expect(server.requests.map((r) => r.body.tool_choice)).toEqual([{ type: 'auto' }, { type: 'none' }, { type: 'any' }, { type: 'tool', name: 'escalate' }, undefined]);
  });

  it('asks for structured output with a forced tool whose input is the answer', async () => {
    next = () => ({ structured: { tier: 'pro' } });
    const result = success(await provider.call({ ...base, responseSchema: CLOSED }, signal()));
    const body = server.requests[0].body;
    expect(body.tools).toEqual([{ name: 'triage', description: expect.stringContaining('final answer'), input_schema: CLOSED.schema }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'triage' });
    expect(result).toMatchObject({ output: '{"tier":"pro"}', finishReason: 'tool_use' });
    expect(result.toolCalls).toBeUndefined();
  });

  it('structured output with declared tools: the model must call a tool, a declared one or the output tool', async () => {
    const tools = [LOOKUP, { ...ESCALATE, name: 'triage' }];
    next = () => ({ structured: { tier: 'basic' } });
    const answered = success(await provider.call({ ...base, tools, responseSchema: CLOSED }, signal()));
    // The output tool is named after the schema; a declared tool of that name keeps it: `_output` is appended.
    expect((server.requests[0].body.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(['lookup_order', 'triage', 'triage_output']);
    expect(server.requests[0].body.tool_choice).toEqual({ type: 'any' });
    expect(answered).toMatchObject({ output: '{"tier":"basic"}' });
    expect(answered.toolCalls).toBeUndefined();

    next = () => ({ toolCalls: [{ id: 'toolu_1', name: 'lookup_order', arguments: { orderId: '42' } }] });
    const called = success(await provider.call({ ...base, tools, responseSchema: CLOSED, toolChoice: 'auto' }, signal()));
    expect(server.requests[1].body.tool_choice).toEqual({ type: 'any' });
    expect(called).toMatchObject({ output: '', toolCalls: [{ id: 'toolu_1', name: 'lookup_order', rawArguments: '{"orderId":"42"}', arguments: { orderId: '42' } }] });

    success(await provider.call({ ...base, tools, responseSchema: CLOSED, toolChoice: 'none' }, signal()));
    expect(server.requests[2].body.tool_choice).toEqual({ type: 'tool', name: 'triage_output' });
    success(await provider.call({ ...base, tools, responseSchema: CLOSED, toolChoice: { name: 'lookup_order' } }, signal()));
    expect(server.requests[3].body.tool_choice).toEqual({ type: 'tool', name: 'lookup_order' });
  });

  it('a schema that is not an object schema is wrapped as {value} and unwrapped from the answer', async () => {
    const list: ResponseSchema = { name: 'tags', schema: { type: 'array', items: { type: 'string' } }, strict: false };
    next = () => ({ structured: { value: ['a', 'b'] } });
    const result = success(await provider.call({ ...base, responseSchema: list }, signal()));
    expect(server.requests[0].body.tools).toEqual([
      { name: 'tags', description: expect.any(String), input_schema: { type: 'object', properties: { value: list.schema }, required: ['value'], additionalProperties: false } },
    ]);
    expect(result.output).toBe('["a","b"]');
  });

  it('sends a conversation: tool_use blocks with the parsed input, the results in one user turn', async () => {
    success(await provider.call({ ...base, messages: CONVERSATION, tools: [LOOKUP, ESCALATE] }, signal()));
    const body = server.requests[0].body;
    expect(body.system).toBe('You are a support agent.');
    expect(body.messages).toEqual([
      { role: 'user', content: 'Where is order 42?' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'lookup_order', input: { orderId: '42' } },
          { type: 'tool_use', id: 'call_2', name: 'escalate', input: { reason: 'late' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '{"status":"shipped"}' },
          { type: 'tool_result', tool_use_id: 'call_2', content: 'ticket 7' },
        ],
      },
      { role: 'user', content: 'And now?' },
    ]);
    // Split results (one user turn each) are what the API rejects: the server checks it like the API.
    const split = [CONVERSATION[1], CONVERSATION[2], CONVERSATION[3], { role: 'user' as const, content: 'x' }, CONVERSATION[4]];
    const rejected = failure(await provider.call({ ...base, messages: split }, signal()));
    expect(rejected.message).toContain('`tool_use` ids were found without `tool_result` blocks immediately after: call_2');
  });

  it('a conversation tool call whose arguments are no JSON object is not sent (client_error)', async () => {
    const bad: Message[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'Looking.', toolCalls: [{ id: 'call_9', name: 'lookup_order', rawArguments: '{"orderId": 4', argumentsError: 'invalid' }] },
      { role: 'tool', toolCallId: 'call_9', content: 'none' },
    ];
    const error = failure(await provider.call({ ...base, messages: bad }, signal()));
    expect(error).toMatchObject({ code: 'client_error', retryable: false });
    expect(error.message).toContain('"lookup_order" (call_9)');
    expect(server.count).toBe(0);
  });

  it('parses tool_use blocks: raw arguments are the input as JSON text', async () => {
    next = () => ({ content: 'Checking.', toolCalls: [{ name: 'lookup_order', arguments: { orderId: '42' } }, { name: 'escalate', arguments: 'not json' }] });
    const result = success(await provider.call({ ...base, tools: [LOOKUP, ESCALATE] }, signal()));
    expect(result.output).toBe('Checking.');
    expect(result.finishReason).toBe('tool_use');
    expect(result.toolCalls?.[0]).toEqual({ id: 'toolu_mock_0_0', name: 'lookup_order', rawArguments: '{"orderId":"42"}', arguments: { orderId: '42' } });
    // An input that is no object (the API never sends one) keeps its JSON text and says why.
    expect(result.toolCalls?.[1]).toMatchObject({ rawArguments: '"not json"', argumentsError: 'the arguments are a string, not a JSON object' });
  });

  it('a refusal is an answer: output "", what the model said, stop_reason refusal', async () => {
    next = () => ({ fault: 'refusal', message: 'I will not help with that.' });
    expect(success(await provider.call(base, signal()))).toMatchObject({ output: '', refusal: 'I will not help with that.', finishReason: 'refusal' });
    next = () => ({ fault: 'status', status: 200, body: { type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: 'refusal', usage: { input_tokens: 1, output_tokens: 0 } } });
    expect(success(await provider.call(base, signal()))).toMatchObject({ output: '', refusal: 'the model refused (stop_reason "refusal")' });
  });

  it('a tool_use block without a name is a malformed response', async () => {
    next = () => ({ fault: 'status', status: 200, body: { type: 'message', role: 'assistant', model: 'm', content: [{ type: 'tool_use', id: 't', input: {} }], stop_reason: 'tool_use', usage: { input_tokens: 1, output_tokens: 1 } } });
    expect(failure(await provider.call(base, signal()))).toMatchObject({ code: 'malformed_response', message: expect.stringContaining('content[0]') });
  });
});
