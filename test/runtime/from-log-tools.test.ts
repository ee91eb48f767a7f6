import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traced } from '../../src/index.js';
import { parsePromptSource } from '../../src/prompts/parse.js';
import { createPromptHandle } from '../../src/runtime/handle.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startOpenAIServer, type MockServer, type Reply } from '../helpers/openai-server.js';

/**
 * `promptgate cases from-log` over a production log written by traced() with the real OpenAI SDK
 * against the local server: conversations with tool calls become cases with `messages`, and
 * answers that called tools `expected_tool_calls`.
 */

const SUPPORT = '---\nversion: 1.0.0\n---\n{{role "system"}}\nYou are a support agent for {{shop}}.\n{{role "user"}}\n{{question}}\n';
const support = createPromptHandle('support', () => {
  const prompt = parsePromptSource(SUPPORT, 'prompts/support.prompt');
  prompt.tools = [
    { name: 'lookup_order', inputSchema: { type: 'object', properties: { order_id: { type: 'string' } } } },
    { name: 'escalate', inputSchema: { type: 'object', properties: { reason: { type: 'string' } } } },
  ];
  return prompt;
});
const VARS = { shop: 'Acme', question: 'Where is order A-17?' };

let server: MockServer;
let dir: string;
const replies: Reply[] = [];

beforeAll(async () => {
  server = await startOpenAIServer({ respond: () => replies.shift() ?? { content: 'ok' } });
  dir = await mkdtemp(join(tmpdir(), 'pg-from-log-tools-'));
  const client = traced(new OpenAI({ apiKey: 'sk-from-log', baseURL: server.url, maxRetries: 0 }), { file: join(dir, 'calls.jsonl') });
  const params = support.openai(VARS);
  const [system, user] = params.messages;
  const ask = (messages: unknown[], reply: Reply) => {
    replies.push(reply);
    return client.chat.completions.create({ ...params, model: 'gpt-4o-mini', messages: messages as never });
  };
  const history = [
    { role: 'user', content: 'Hi, I ordered shoes.' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A-16"}' } }] },
    { role: 'tool', tool_call_id: 'call_9', content: '{"status":"lost"}' },
    { role: 'assistant', content: 'Order A-16 is lost, sorry.' },
  ];
  // 1-2: the prompt alone, twice: the later answer is the one expected.
  await ask([system, user], { content: '', toolCalls: [{ name: 'lookup_order', arguments: { order_id: 'A-16' } }] });
  await ask([system, user], { content: '', toolCalls: [{ name: 'lookup_order', arguments: { order_id: 'A-17' } }] });
  // 3: a conversation kept between the system prompt and the last user turn.
  await ask([system, ...history, user], { content: 'Let me escalate.', toolCalls: [{ name: 'escalate', arguments: { reason: 'second lost order' } }] });
  // 4: a later step of a tool loop: the call and its result after the prompt's messages.
  await ask([system, user, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A-17"}' } }] }, { role: 'tool', tool_call_id: 'call_1', content: '{"status":"shipped"}' }], { content: 'It shipped.' });
  // 5: the prompt's messages reordered: which turns are the app's cannot be told.
  await ask([user, system], { content: 'ok' });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('cases from-log over logged tool calls and conversations', () => {
  it('makes a case of the conversation (messages) and expects the latest answer tool calls; says which calls it left out and why', async () => {
    expect(server.count).toBe(5);
    const result = await runCliInProcess(['cases', 'from-log', 'calls.jsonl', '--expect-output'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const cases = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(cases).toHaveLength(2);
    const [plain, chat] = cases;
    expect(plain).toMatchObject({ vars: VARS, expected_tool_calls: [{ name: 'lookup_order', arguments: { order_id: 'A-17' } }] });
    expect(plain.messages).toBeUndefined();
    expect(plain.assert).toBeUndefined();
    expect(plain.description).toMatch(/2 calls \(support@1\.0\.0\)/);
    expect(chat).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{12}$/),
      description: expect.stringMatching(/^from calls\.jsonl: 1 call \(support@1\.0\.0\), last /),
      tags: ['from-log'],
      vars: VARS,
      messages: [
        { role: 'user', content: 'Hi, I ordered shoes.' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_9', name: 'lookup_order', rawArguments: '{"order_id":"A-16"}' }] },
        { role: 'tool', content: '{"status":"lost"}', toolCallId: 'call_9', name: 'lookup_order' },
        { role: 'assistant', content: 'Order A-16 is lost, sorry.' },
      ],
      assert: [{ type: 'equals', value: 'Let me escalate.' }],
      expected_tool_calls: [{ name: 'escalate', arguments: { reason: 'second lost order' } }],
    });
    expect(chat.id).not.toBe(plain.id);

    const stderr = result.stderr.trim().split('\n');
    expect(stderr[0]).toBe('wrote 2 case(s) for support from 3 call(s)');
    expect(stderr.slice(1)).toEqual([
      expect.stringMatching(/^warning: left out 1 call: which of their messages are the app's conversation is not known \(.*\) \(first at \d{4}-/),
      expect.stringMatching(/^warning: left out 1 call: they continue a tool loop after the prompt's messages/),
    ]);
  });
});
