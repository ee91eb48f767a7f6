import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logCall, traced } from '../../src/index.js';
import { parsePromptSource } from '../../src/prompts/parse.js';
import type { PromptFile } from '../../src/prompts/types.js';
import type { CallRecord } from '../../src/run-record/types.js';
import { createPromptHandle } from '../../src/runtime/handle.js';
import type { ToolDefinition } from '../../src/tools/types.js';
import { startAnthropicServer } from '../helpers/anthropic-server.js';
import type { MockServer, Reply } from '../helpers/mock-server.js';
import { startOpenAIServer } from '../helpers/openai-server.js';
import { runSchema } from '../helpers/run-schema.js';

/**
 * traced() / logCall() with tools, structured output and conversations, through the real SDKs
 * against the local servers. Front matter `tools:` is parsed by another part of the code: the
 * prompt's tools are set on the parsed PromptFile here.
 */

const { validateCall } = runSchema();
function expectValidRecord(record: CallRecord): void {
  validateCall(JSON.parse(JSON.stringify(record)));
  expect(validateCall.errors ?? []).toEqual([]);
}

const TOOLS: ToolDefinition[] = [
  {
    name: 'lookup_order',
    description: 'Find an order by id',
    inputSchema: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false },
  },
  { name: 'escalate', inputSchema: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] } },
];
const SUPPORT = '---\nversion: 1.2.0\nconfig:\n  temperature: 0\n---\n{{role "system"}}\nYou are a support agent for {{shop}}.\n{{role "user"}}\n{{question}}\n';
const CLASSIFY_SCHEMA = { type: 'object', properties: { tier: { type: 'string' } }, required: ['tier'], additionalProperties: false };
const CLASSIFY = `---\nversion: 2.0.0\noutput:\n  format: json\n  schema: ${JSON.stringify(CLASSIFY_SCHEMA)}\n---\n{{role "system"}}\nClassify the customer.\n{{role "user"}}\n{{text}}\n`;

function supportPrompt(): PromptFile {
  const prompt = parsePromptSource(SUPPORT, 'prompts/support.prompt');
  prompt.tools = TOOLS;
  prompt.toolChoice = 'auto';
  return prompt;
}
const support = createPromptHandle('support', supportPrompt);
const classify = createPromptHandle('classify', () => parsePromptSource(CLASSIFY, 'prompts/classify.prompt'));
const VARS = { shop: 'Acme', question: 'Where is order A-17?' };

let openaiServer: MockServer;
let anthropicServer: MockServer;
let next: () => Reply;
beforeAll(async () => {
  openaiServer = await startOpenAIServer({ respond: () => next() });
  anthropicServer = await startAnthropicServer({ respond: () => next() });
});
afterAll(async () => {
  await openaiServer.close();
  await anthropicServer.close();
});
beforeEach(() => {
  openaiServer.reset();
  anthropicServer.reset();
  next = () => ({ content: 'ok' });
});

const openai = (records: CallRecord[]) => traced(new OpenAI({ apiKey: 'sk-tools', baseURL: openaiServer.url, maxRetries: 0 }), { sink: (r) => void records.push(r) });
const anthropic = (records: CallRecord[]) => traced(new Anthropic({ apiKey: 'sk-ant-tools', baseURL: anthropicServer.url, maxRetries: 0 }), { sink: (r) => void records.push(r) });

describe('traced(openai) with tools', () => {
  it('sends the prompt tools and tool choice, and logs the tool calls of the answer (valid and invalid JSON)', async () => {
    next = () => ({
      content: '',
      toolCalls: [
        { id: 'call_1', name: 'lookup_order', arguments: '{"order_id": "A-17"}' },
        { id: 'call_2', name: 'escalate', arguments: '{"reason": ' },
      ],
    });
    const records: CallRecord[] = [];
    const res = await openai(records).chat.completions.create({ ...support.openai(VARS), model: 'gpt-4o-mini' });
    expect(res.choices[0].message.tool_calls).toHaveLength(2);

    expect(openaiServer.requests[0].body).toEqual({
      model: 'gpt-4o-mini',
      temperature: 0,
      messages: [
        { role: 'system', content: 'You are a support agent for Acme.' },
        { role: 'user', content: 'Where is order A-17?' },
      ],
      tools: [
        { type: 'function', function: { name: 'lookup_order', description: 'Find an order by id', parameters: TOOLS[0].inputSchema } },
        { type: 'function', function: { name: 'escalate', parameters: TOOLS[1].inputSchema } },
      ],
      tool_choice: 'auto',
    });
    const [record] = records;
    expect(record).toMatchObject({
      promptId: 'support',
      promptVersion: '1.2.0',
      output: '',
      finishReason: 'tool_calls',
      params: { temperature: 0 },
      tools: TOOLS,
      toolChoice: 'auto',
      error: null,
    });
    expect(record.toolCalls).toEqual([
      { id: 'call_1', name: 'lookup_order', rawArguments: '{"order_id": "A-17"}', arguments: { order_id: 'A-17' } },
      { id: 'call_2', name: 'escalate', rawArguments: '{"reason": ', argumentsError: expect.stringMatching(/^the arguments are not valid JSON: /) },
    ]);
    expect(record.refusal).toBeUndefined();
    expect(record.conversation).toBeUndefined();
    expectValidRecord(record);
  });

  it('logs a conversation with tool turns in neutral form, and where the app placed it among the prompt messages', async () => {
    const records: CallRecord[] = [];
    const params = support.openai(VARS);
    const [system, user] = params.messages;
    // The app keeps the chat so far between the prompt's system message and its last user turn.
    await openai(records).chat.completions.create({
      ...params,
      model: 'gpt-4o-mini',
      messages: [
        system,
        { role: 'user', content: 'Hi, I ordered shoes.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A-16"}' } }] },
        { role: 'tool', tool_call_id: 'call_9', content: '{"status":"shipped"}' },
        { role: 'assistant', content: 'Order A-16 has shipped.' },
        user,
      ],
    });
    const [record] = records;
    expect(record.messages).toEqual([
      { role: 'system', content: 'You are a support agent for Acme.' },
      { role: 'user', content: 'Hi, I ordered shoes.' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_9', name: 'lookup_order', rawArguments: '{"order_id":"A-16"}', arguments: { order_id: 'A-16' } }] },
      { role: 'tool', content: '{"status":"shipped"}', toolCallId: 'call_9', name: 'lookup_order' },
      { role: 'assistant', content: 'Order A-16 has shipped.' },
      { role: 'user', content: 'Where is order A-17?' },
    ]);
    expect(record.conversation).toEqual({ start: 1, count: 4 });
    expectValidRecord(record);

    // Messages that are not the prompt's plus inserted turns: which turns are the app's is not known.
    await openai(records).chat.completions.create({ ...params, model: 'gpt-4o-mini', messages: [user, system] });
    expect(records[1].conversation).toBeNull();
  });

  it('a redacted log keeps the app turns out and says the conversation is not known', async () => {
    const records: CallRecord[] = [];
    const client = traced(new OpenAI({ apiKey: 'sk-tools', baseURL: openaiServer.url, maxRetries: 0 }), {
      sink: (r) => void records.push(r),
      redact: (vars) => ({ ...vars, question: '[redacted]' }),
    });
    const params = support.openai(VARS);
    await client.chat.completions.create({ ...params, model: 'gpt-4o-mini', messages: [params.messages[0], { role: 'user', content: 'my card is 4242' }, { role: 'assistant', content: 'ok' }, params.messages[1]] });
    await client.chat.completions.create({ ...params, model: 'gpt-4o-mini' });
    expect(JSON.stringify(records)).not.toContain('4242');
    expect(records[0].messages.map((m) => m.content)).toEqual(['You are a support agent for Acme.', '[redacted]']);
    expect(records[0].conversation).toBeNull();
    expect(records[1].conversation).toBeUndefined();
  });

  it('sends structured output as response_format json_schema and logs the schema asked for; a refusal is an answer', async () => {
    next = () => ({ content: '{"tier":"pro"}' });
    const records: CallRecord[] = [];
    await openai(records).chat.completions.create({ ...classify.openai({ text: 'Ann pays yearly' }), model: 'gpt-4o-mini' });
    expect(openaiServer.requests[0].body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'classify', schema: CLASSIFY_SCHEMA, strict: true } });
    expect(openaiServer.requests[0].body.tools).toBeUndefined();
    expect(records[0]).toMatchObject({ output: '{"tier":"pro"}', responseSchema: { name: 'classify', schema: CLASSIFY_SCHEMA, strict: true }, params: {} });
    expectValidRecord(records[0]);

    next = () => ({ fault: 'refusal', message: 'I cannot classify people.' });
    await openai(records).chat.completions.create({ ...classify.openai({ text: 'x' }), model: 'gpt-4o-mini' });
    expect(records[1]).toMatchObject({ output: '', refusal: 'I cannot classify people.', error: null });
    expectValidRecord(records[1]);

    next = () => ({ content: '', finishReason: 'content_filter' });
    await openai(records).chat.completions.create({ ...classify.openai({ text: 'x' }), model: 'gpt-4o-mini' });
    expect(records[2]).toMatchObject({ output: '', refusal: 'blocked by the content filter', finishReason: 'content_filter' });
  });
});

describe('traced(anthropic) with tools', () => {
  it('sends tools as input_schema with tool_choice, and logs tool_use blocks as tool calls', async () => {
    next = () => ({ content: 'Let me look.', toolCalls: [{ id: 'toolu_1', name: 'lookup_order', arguments: { order_id: 'A-17' } }] });
    const records: CallRecord[] = [];
    await anthropic(records).messages.create({ ...support.anthropic(VARS), model: 'claude-haiku' });
    const body = anthropicServer.requests[0].body;
    expect(body.tools).toEqual([
      { name: 'lookup_order', description: 'Find an order by id', input_schema: TOOLS[0].inputSchema },
      { name: 'escalate', input_schema: TOOLS[1].inputSchema },
    ]);
    expect(body.tool_choice).toEqual({ type: 'auto' });
    expect(records[0]).toMatchObject({
      output: 'Let me look.',
      finishReason: 'tool_use',
      toolCalls: [{ id: 'toolu_1', name: 'lookup_order', rawArguments: '{"order_id":"A-17"}', arguments: { order_id: 'A-17' } }],
      tools: TOOLS,
      toolChoice: 'auto',
      params: { temperature: 0, max_tokens: 1024 },
    });
    expectValidRecord(records[0]);
  });

  it('logs tool_use / tool_result turns of a conversation, and where it sits after the joined system prompt', async () => {
    const records: CallRecord[] = [];
    const params = support.anthropic(VARS);
    await anthropic(records).messages.create({
      ...params,
      model: 'claude-haiku',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_7', name: 'escalate', input: { reason: 'angry' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_7', content: 'ticket 12' }] },
        ...params.messages,
      ],
    });
    expect(records[0].messages).toEqual([
      { role: 'system', content: 'You are a support agent for Acme.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_7', name: 'escalate', rawArguments: '{"reason":"angry"}', arguments: { reason: 'angry' } }] },
      { role: 'tool', content: 'ticket 12', toolCallId: 'toolu_7', name: 'escalate' },
      { role: 'user', content: 'Where is order A-17?' },
    ]);
    expect(records[0].conversation).toEqual({ start: 1, count: 3 });
    expectValidRecord(records[0]);
  });

  it('asks for structured output with a forced answer tool, whose input is logged as the output', async () => {
    next = () => ({ content: '', toolCalls: [{ id: 'toolu_2', name: 'classify', arguments: { tier: 'pro' } }] });
    const records: CallRecord[] = [];
    await anthropic(records).messages.create({ ...classify.anthropic({ text: 'Ann' }), model: 'claude-haiku' });
    const body = anthropicServer.requests[0].body;
    expect(body.tools).toEqual([{ name: 'classify', description: expect.any(String), input_schema: CLASSIFY_SCHEMA }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'classify' });
    expect(records[0]).toMatchObject({ output: '{"tier":"pro"}', responseSchema: { name: 'classify', schema: CLASSIFY_SCHEMA, strict: true } });
    expect(records[0].toolCalls).toBeUndefined();
    expect(records[0].tools).toBeUndefined();
    expect(records[0].toolChoice).toBeUndefined();
    expectValidRecord(records[0]);

    next = () => ({ content: 'I will not classify Ann.', finishReason: 'refusal' });
    await anthropic(records).messages.create({ ...classify.anthropic({ text: 'Ann' }), model: 'claude-haiku' });
    expect(records[1]).toMatchObject({ output: '', refusal: 'I will not classify Ann.', finishReason: 'refusal', error: null });
  });
});

describe('logCall with tools', () => {
  it('logs tool calls given with object or raw arguments, and the prompt tools by default', () => {
    const records: CallRecord[] = [];
    const messages = support.render(VARS);
    const record = logCall({
      messages,
      provider: 'mistral',
      model: 'mistral-small',
      output: '',
      toolCalls: [{ id: 'a', name: 'lookup_order', arguments: { order_id: 'A-17' } }, { id: 'b', name: 'escalate', rawArguments: 'nope' }],
    }, { sink: (r) => void records.push(r) });
    expect(record).toMatchObject({
      promptId: 'support',
      tools: TOOLS,
      toolChoice: 'auto',
      toolCalls: [
        { id: 'a', name: 'lookup_order', rawArguments: '{"order_id":"A-17"}', arguments: { order_id: 'A-17' } },
        { id: 'b', name: 'escalate', rawArguments: 'nope', argumentsError: expect.stringContaining('not valid JSON') },
      ],
    });
    expect(record!.conversation).toBeUndefined();
    expectValidRecord(record!);

    const problems: Error[] = [];
    expect(logCall({ messages, provider: 'x', model: 'y', toolCalls: [{ arguments: {} } as never] }, { sink: () => {}, onLogError: (e) => problems.push(e) })).toBeUndefined();
    expect(problems.map((p) => p.message)).toEqual(['logCall: toolCalls[0] needs a name']);
  });
});
