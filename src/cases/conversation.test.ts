import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thrown } from '../../test/helpers/thrown.js';
import { caseIdOf } from './case-build.js';
import { checkCaseTools } from './conversation.js';
import { readCsvCases } from './csv.js';
import { readJsonlCases } from './jsonl.js';
import type { TestCase } from './types.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promptgate-conversation-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let files = 0;
async function read(extension: 'jsonl' | 'csv', content: string): Promise<TestCase[]> {
  const file = join(root, `c${files++}.${extension}`);
  await writeFile(file, content);
  const cases: TestCase[] = [];
  for await (const testCase of (extension === 'csv' ? readCsvCases : readJsonlCases)(file, { rootDir: root })) cases.push(testCase);
  return cases;
}
const jsonl = (...lines: unknown[]) => read('jsonl', lines.map((value) => JSON.stringify(value)).join('\n'));
/** The one-line error of a JSONL file whose first line is `value`. */
const jsonlError = async (value: Record<string, unknown>) => (await thrown(() => jsonl(value))).format().replace(/^c\d+\.jsonl/, 'f');
/** A CSV cell: quoted, quotes doubled. */
const cell = (value: unknown) => `"${(typeof value === 'string' ? value : JSON.stringify(value)).replace(/"/g, '""')}"`;

describe('a case with a conversation', () => {
  it('reads user / assistant turns, an assistant tool call (OpenAI shape) and its tool result', async () => {
    const [testCase] = await jsonl({
      vars: { question: 'And when will it arrive?' },
      messages: [
        { role: 'user', content: 'Where is order A1?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A1"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: { status: 'shipped' } },
        { role: 'assistant', content: [{ type: 'text', text: 'It has ' }, { type: 'text', text: 'shipped.' }] },
      ],
    });
    expect(testCase.messages).toEqual([
      { role: 'user', content: 'Where is order A1?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup_order', rawArguments: '{"order_id":"A1"}', arguments: { order_id: 'A1' } }] },
      { role: 'tool', content: '{"status":"shipped"}', toolCallId: 'call_1', name: 'lookup_order' },
      { role: 'assistant', content: 'It has shipped.' },
    ]);
    // A conversation is part of the default id: the same variables with another conversation are another case.
    expect(testCase.id).toBe(caseIdOf(testCase.vars, { messages: testCase.messages }));
    expect(testCase.id).not.toBe(caseIdOf(testCase.vars));
  });

  it('reads our own tool-call shape (arguments as an object or text); invalid JSON arguments are kept with the reason', async () => {
    const [testCase] = await jsonl({
      messages: [
        { role: 'assistant', content: 'Checking.', toolCalls: [{ id: 'a', name: 'lookup_order', arguments: { order_id: 'A1' } }, { id: 'b', name: 'escalate', arguments: '{"reason": ' }] },
        { role: 'tool', toolCallId: 'b', content: 'queued' },
        { role: 'tool', toolCallId: 'a', name: 'lookup_order', content: 'shipped' },
      ],
    });
    const [assistant, ...results] = testCase.messages!;
    expect(assistant.toolCalls?.[0]).toEqual({ id: 'a', name: 'lookup_order', rawArguments: '{"order_id":"A1"}', arguments: { order_id: 'A1' } });
    expect(assistant.toolCalls?.[1]).toMatchObject({ id: 'b', name: 'escalate', rawArguments: '{"reason": ' });
    expect(assistant.toolCalls?.[1].arguments).toBeUndefined();
    expect(assistant.toolCalls?.[1].argumentsError).toMatch(/^the arguments are not valid JSON: /);
    expect(results).toEqual([
      { role: 'tool', content: 'queued', toolCallId: 'b', name: 'escalate' },
      { role: 'tool', content: 'shipped', toolCallId: 'a', name: 'lookup_order' },
    ]);
  });

  it('an empty conversation is no conversation (the id is the variables\' hash)', async () => {
    const [testCase] = await jsonl({ vars: { q: 'x' }, messages: [] });
    expect(testCase.messages).toBeUndefined();
    expect(testCase.id).toBe(caseIdOf({ q: 'x' }));
  });

  it.each([
    [{ messages: 'hi' }, 'f:1: messages must be a list of messages [{"role": "user", "content": "…"}, …]'],
    [{ messages: [{ role: 'system', content: 'x' }] }, 'f:1: messages[0]: a conversation holds user, assistant and tool turns; the system message comes from the prompt template'],
    [{ messages: [{ role: 'robot', content: 'x' }] }, 'f:1: messages[0]: role must be user, assistant or tool, not "robot"'],
    [{ messages: [{ role: 'user', text: 'x' }] }, "f:1: messages[0]: unknown key 'text' (allowed: role, content, tool_calls, toolCalls, tool_call_id, toolCallId, name)"],
    [{ messages: [{ role: 'user' }] }, 'f:1: messages[0]: a user turn needs content (text)'],
    [{ messages: [{ role: 'user', content: 3 }] }, 'f:1: messages[0]: content must be text (a string, or a list of {"type": "text", "text"} parts)'],
    [{ messages: [{ role: 'assistant' }] }, 'f:1: messages[0]: an assistant turn needs content (text) or tool calls'],
    [{ messages: [{ role: 'user', content: 'x', tool_calls: [] }] }, 'f:1: messages[0]: only an assistant turn has tool calls'],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'f:1: messages[0]: a tool result needs the tool_call_id of the call it answers'],
    [{ messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'c', content: 'x' }] }, "f:1: messages[1]: the tool result for 'c' answers no tool call of the assistant turn before it"],
    [
      { messages: [{ role: 'assistant', toolCalls: [{ id: 'c', name: 'lookup' }] }, { role: 'user', content: 'well?' }] },
      'f:1: messages[0]: tool call \'c\' has no tool result before messages[1] (add {"role": "tool", "tool_call_id": "c", "content": "…"})',
    ],
    [{ messages: [{ role: 'assistant', toolCalls: [{ id: 'c', name: 'lookup' }] }] }, 'f:1: messages[0]: tool call \'c\' has no tool result before the end of the conversation (add {"role": "tool", "tool_call_id": "c", "content": "…"})'],
    [
      { messages: [{ role: 'assistant', toolCalls: [{ id: 'c', name: 'lookup' }] }, { role: 'tool', tool_call_id: 'c', content: '1' }, { role: 'tool', tool_call_id: 'c', content: '2' }] },
      "f:1: messages[2]: the tool result for 'c' is answered twice, or not by the turns right after its call",
    ],
    [{ messages: [{ role: 'assistant', toolCalls: [{ name: 'lookup' }] }] }, 'f:1: messages[0].tool_calls[0] needs an id (a tool result names it in tool_call_id)'],
    [{ messages: [{ role: 'assistant', toolCalls: [{ id: 'c', name: 'look up' }] }] }, 'f:1: messages[0].tool_calls[0]: tool name "look up" is not valid (1 to 64 letters, digits, "_" or "-")'],
    [{ messages: [{ role: 'assistant', toolCalls: [{ id: 'c', name: 'lookup', arguments: [1] }] }] }, 'f:1: messages[0].tool_calls[0]: arguments must be an object (or its JSON text)'],
    [{ messages: [{ role: 'assistant', toolCalls: [{ id: 'c', name: 'lookup', args: {} }] }] }, "f:1: messages[0].tool_calls[0]: unknown key 'args' (allowed: id, name, arguments, rawArguments)"],
  ])('bad messages: %j', async (value, message) => {
    expect(await jsonlError(value)).toBe(message);
  });
});

describe('expected_tool_calls, tool_results and max_steps', () => {
  it('each expected call becomes a tool-call assertion (partial arguments), after the case\'s own graders; metric applies to them too', async () => {
    const [testCase] = await jsonl({
      vars: { q: 'refund A1' },
      expected: 'contains:refund',
      expected_tool_calls: [{ name: 'lookup_order', arguments: { order_id: 'A1' } }, { name: 'refund' }],
      tool_results: { lookup_order: { status: 'delivered' }, refund: 'ok' },
      max_steps: 3,
      metric: 'tools',
    });
    const source = { file: testCase.source.file, line: 1 };
    expect(testCase.assertions.slice(1)).toEqual([
      { type: 'tool-call', negate: false, value: { name: 'lookup_order', arguments: { order_id: 'A1' } }, weight: 1, source, spec: 'tool-call:lookup_order {"order_id":"A1"}', metric: 'tools' },
      { type: 'tool-call', negate: false, value: { name: 'refund' }, weight: 1, source, spec: 'tool-call:refund', metric: 'tools' },
    ]);
    expect(testCase.toolResults).toEqual({ lookup_order: { status: 'delivered' }, refund: 'ok' });
    expect(testCase.maxSteps).toBe(3);
    expect(testCase.id).toBe(caseIdOf(testCase.vars, { toolResults: testCase.toolResults }));
  });

  it.each([
    [{ expected_tool_calls: { name: 'a' } }, 'f:1: expected_tool_calls must be a list [{"name": "<tool>", "arguments"?: {…}}]'],
    [{ expected_tool_calls: [] }, 'f:1: expected_tool_calls is empty (to expect that no tool is called, use the grader not-tool-call)'],
    [{ expected_tool_calls: ['lookup'] }, 'f:1: expected_tool_calls[0] must be an object {"name", "arguments"?}'],
    [{ expected_tool_calls: [{ name: 'a b' }] }, 'f:1: expected_tool_calls[0]: name must be a tool name (1 to 64 letters, digits, "_" or "-"), not "a b"'],
    [{ expected_tool_calls: [{ name: 'a', arguments: '{}' }] }, 'f:1: expected_tool_calls[0]: arguments must be an object of the arguments to match (partially)'],
    [{ expected_tool_calls: [{ name: 'a', args: {} }] }, "f:1: expected_tool_calls[0]: unknown key 'args' (allowed: name, arguments)"],
    [{ tool_results: ['x'] }, 'f:1: tool_results must be an object of tool names to results {"lookup_order": {…}}'],
    [{ tool_results: { 'look up': 1 } }, 'f:1: tool_results: "look up" is not a tool name (1 to 64 letters, digits, "_" or "-")'],
    [{ tool_results: { a: 1 }, max_steps: 0 }, 'f:1: max_steps must be a whole number of calls from 1 to 100, not 0'],
    [{ tool_results: { a: 1 }, max_steps: 2.5 }, 'f:1: max_steps must be a whole number of calls from 1 to 100, not 2.5'],
    [{ max_steps: 3 }, 'f:1: max_steps bounds the calls of a case with tool_results, and this case has none (add tool_results, or remove max_steps)'],
  ])('bad input: %j', async (value, message) => {
    expect(await jsonlError(value)).toBe(message);
  });
});

describe('CSV: __messages, __expected_tool_calls, __tool_results, __max_steps hold the same as JSON', () => {
  it('reads them; an empty cell is none; __config counts __expected cells only', async () => {
    const messages = [{ role: 'user', content: 'Hi, "Ann" here' }, { role: 'assistant', content: 'Hello Ann' }];
    const csv = [
      'q,__expected_tool_calls,__expected,__messages,__tool_results,__max_steps,__config:__expected:weight',
      `Where?,${cell([{ name: 'lookup_order', arguments: { order_id: 'A1' } }])},contains:A1,${cell(messages)},${cell({ lookup_order: { status: 'shipped' } })},4,3`,
      'Plain,,contains:x,,,,',
    ].join('\n');
    const [withAll, plain] = await read('csv', csv);
    expect(withAll.messages).toEqual(messages);
    expect(withAll.toolResults).toEqual({ lookup_order: { status: 'shipped' } });
    expect(withAll.maxSteps).toBe(4);
    expect(withAll.assertions.map((a) => [a.type, a.value, a.weight])).toEqual([
      ['contains', 'A1', 3],
      ['tool-call', { name: 'lookup_order', arguments: { order_id: 'A1' } }, 1],
    ]);
    expect(plain.messages).toBeUndefined();
    expect(plain.toolResults).toBeUndefined();
    expect(plain.assertions.map((a) => a.type)).toEqual(['contains']);
    expect(plain.id).toBe(caseIdOf({ q: 'Plain' }));
  });

  it('a cell that is not JSON, or not the right shape, names the column and the row line', async () => {
    const error = async (header: string, value: string) => (await thrown(() => read('csv', `q,${header}\nx,${value}\n`))).format().replace(/^c\d+\.csv/, 'f');
    expect(await error('__messages', cell('[{"role": "user"'))).toMatch(/^f:2: __messages is not valid JSON: .* \(in CSV, write the JSON in a quoted cell with every " doubled \(""\)\)$/);
    expect(await error('__messages', cell([{ role: 'system', content: 'x' }]))).toBe('f:2: __messages[0]: a conversation holds user, assistant and tool turns; the system message comes from the prompt template');
    expect(await error('__expected_tool_calls', cell({ name: 'a' }))).toBe('f:2: __expected_tool_calls must be a list [{"name": "<tool>", "arguments"?: {…}}]');
    expect(await error('__tool_results', cell('[1]'))).toBe('f:2: __tool_results must be an object of tool names to results {"lookup_order": {…}}');
    expect(await error('__max_steps', 'many')).toBe('f:2: __max_steps must be a whole number of calls from 1 to 100, not "many"');
  });
});

describe('checkCaseTools: a case names only tools its prompt declares', () => {
  const source = { file: 'evals/p.jsonl', line: 4 };
  const prompt = { path: 'prompts/p.prompt', tools: [{ name: 'lookup_order', inputSchema: { type: 'object' } }, { name: 'refund', inputSchema: { type: 'object' } }] };
  const call = (value: unknown, negate = false) => ({ type: 'tool-call', negate, value, weight: 1, source });

  it('passes declared names, negated expectations and values it cannot read before grading', () => {
    expect(() => checkCaseTools(prompt, { source, assertions: [call({ name: 'refund' }), call('lookup_order {"order_id": "A1"}'), call({ name: 'delete_all' }, true), call('{{tool}}'), call(undefined)], toolResults: { refund: 'ok' } })).not.toThrow();
  });

  it('refuses an expected call or a canned result for a tool the prompt does not declare', () => {
    const refused = (testCase: Parameters<typeof checkCaseTools>[1], on = prompt) => thrown(() => checkCaseTools(on, testCase)).format();
    expect(refused({ source, assertions: [call({ name: 'refnd' })] })).toBe("evals/p.jsonl:4: expects a call to 'refnd', a tool prompts/p.prompt does not declare (its tools: lookup_order, refund) (did you mean 'refund'?)");
    expect(refused({ source, assertions: [call('escalate')] })).toBe("evals/p.jsonl:4: expects a call to 'escalate', a tool prompts/p.prompt does not declare (its tools: lookup_order, refund)");
    expect(refused({ source, assertions: [], toolResults: { lookup: {} } })).toBe("evals/p.jsonl:4: tool_results has a result for 'lookup', a tool prompts/p.prompt does not declare (its tools: lookup_order, refund)");
    expect(refused({ source, assertions: [call({ name: 'refund' })] }, { path: 'prompts/q.prompt', tools: [] })).toBe("evals/p.jsonl:4: expects a call to 'refund', but prompts/q.prompt declares no tools (declare it in the prompt's front matter `tools`)");
  });
});
