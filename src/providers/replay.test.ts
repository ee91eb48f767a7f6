import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../prompts/types.js';
import { sha256, stableStringify } from '../util/hash.js';
import { createReplayProvider, recordingProvider, replayFixturePath, replayKey } from './replay.js';
import { parseReplayFixture } from './replay-fixture.js';
import type { Provider, ProviderRequest, ProviderResult } from './types.js';

let dir: string;
const signal = () => new AbortController().signal;
const ask = (content: string, system?: string): ProviderRequest => ({
  model: 'gpt-4o-mini',
  messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content }],
  params: {},
});

async function writeFixture(name: string, lines: unknown[]): Promise<string> {
  const file = path.join(dir, 'replay', `${name}.jsonl`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
  return file;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pg-replay-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('replayKey', () => {
  it('is sha256 of the stable JSON of the messages, whatever the key order', () => {
    const messages: Message[] = [{ role: 'user', content: 'hi' }];
    expect(replayKey(messages)).toBe(sha256(stableStringify(messages)));
    const reordered = [JSON.parse('{"content": "hi", "role": "user"}') as Message];
    expect(replayKey(reordered)).toBe(replayKey(messages));
    expect(replayKey([{ role: 'user', content: 'hi!' }])).not.toBe(replayKey(messages));
  });
});

describe('replay provider', () => {
  it('answers a hand-written entry with output, reported model and usage', async () => {
    await writeFixture('mini', [
      { messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Capital of France?' }], output: 'Paris', modelReported: 'gpt-4o-mini-2024-07-18', usage: { inputTokens: 9, outputTokens: 1 }, note: 'hand-written' },
      { messages: [{ content: 'Capital of Spain?', role: 'user' }], output: 'Madrid' },
    ]);
    const provider = createReplayProvider('mini', { provider: 'replay', model: 'gpt-4o-mini' }, dir);
    expect(await provider.call(ask('Capital of France?', 'Be terse.'), signal())).toEqual({
      ok: true, output: 'Paris', modelReported: 'gpt-4o-mini-2024-07-18', usage: { inputTokens: 9, outputTokens: 1 },
    });
    expect(await provider.call(ask('Capital of Spain?'), signal())).toEqual({ ok: true, output: 'Madrid' });
  });

  it('returns replay_missing naming the file and the start of the last user message', async () => {
    await writeFixture('mini', [{ messages: [{ role: 'user', content: 'known' }], output: 'x' }]);
    const provider = createReplayProvider('mini', { provider: 'replay', model: 'gpt-4o-mini' }, dir);
    const long = 'Please summarise the following paragraph about the history of the Roman empire in two sentences';
    const result = await provider.call(ask(long), signal());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('replay_missing');
    expect(result.error.retryable).toBe(false);
    expect(result.error.message).toContain(path.join('replay', 'mini.jsonl'));
    expect(result.error.message).toContain(long.slice(0, 60));
    expect(result.error.message).not.toContain(long.slice(0, 61));
  });

  it('treats a missing fixture file as empty', async () => {
    const provider = createReplayProvider('nobody', { provider: 'replay', model: 'm' }, dir);
    const result = await provider.call(ask('hi'), signal());
    expect(!result.ok && result.error.code).toBe('replay_missing');
  });

  it('reads the file once: later edits are not seen by the same provider', async () => {
    const file = await writeFixture('mini', [{ messages: [{ role: 'user', content: 'a' }], output: 'first' }]);
    const provider = createReplayProvider('mini', { provider: 'replay', model: 'm' }, dir);
    expect(await provider.call(ask('a'), signal())).toMatchObject({ output: 'first' });
    await writeFile(file, JSON.stringify({ messages: [{ role: 'user', content: 'a' }], output: 'second' }) + '\n');
    expect(await provider.call(ask('a'), signal())).toMatchObject({ output: 'first' });
  });

  it('uses replayOf as the fixture name', async () => {
    await writeFixture('gpt4o', [{ messages: [{ role: 'user', content: 'q' }], output: 'recorded by gpt4o' }]);
    const provider = createReplayProvider('offline', { provider: 'replay', model: 'gpt-4o', replayOf: 'gpt4o' }, dir);
    expect(await provider.call(ask('q'), signal())).toMatchObject({ ok: true, output: 'recorded by gpt4o' });
  });

  it('reports a bad fixture line with file and line number', async () => {
    await writeFixture('mini', [{ messages: [{ role: 'user', content: 'a' }], output: 'ok' }, '{not json']);
    const provider = createReplayProvider('mini', { provider: 'replay', model: 'm' }, dir);
    const result = await provider.call(ask('a'), signal());
    expect(!result.ok && result.error).toMatchObject({ code: 'provider_error', retryable: false });
    expect(!result.ok && result.error.message).toMatch(/mini\.jsonl:2: replay fixture line is not valid JSON/);
  });

  it('returns aborted for an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const provider = createReplayProvider('mini', { provider: 'replay', model: 'm' }, dir);
    expect(await provider.call(ask('a'), controller.signal)).toMatchObject({ ok: false, error: { code: 'aborted' } });
  });
});

describe('parseReplayFixture', () => {
  it('lets a later line win and skips blank lines', () => {
    const text = [
      JSON.stringify({ messages: [{ role: 'user', content: 'a' }], output: 'old' }),
      '',
      JSON.stringify({ messages: [{ role: 'user', content: 'a' }], output: 'new' }),
    ].join('\r\n');
    const entries = parseReplayFixture(text, 'f.jsonl');
    expect(entries.size).toBe(1);
    expect(entries.get(replayKey([{ role: 'user', content: 'a' }]))?.output).toBe('new');
  });

  it.each([
    ['[1]', 'expected a JSON object'],
    ['{"messages": [], "output": "x"}', 'non-empty array'],
    ['{"messages": [{"role": "robot", "content": "x"}], "output": "x"}', 'each message'],
    ['{"messages": [{"role": "user", "content": "x"}]}', '"output" must be a string'],
    ['{"messages": [{"role": "user", "content": "x"}], "output": "x", "usage": {"inputTokens": "1"}}', '"usage"'],
  ])('rejects %s', (line, message) => {
    expect(() => parseReplayFixture(line, 'f.jsonl')).toThrow(message);
  });
});

describe('tool calls and refusals', () => {
  const lookup = (args: string, id = 'call_1'): Message => ({ role: 'assistant', content: '', toolCalls: [{ id, name: 'lookup_order', rawArguments: args }] });
  const result = (content: string, id = 'call_1'): Message => ({ role: 'tool', content, toolCallId: id, name: 'lookup_order' });
  const conversation = (args: string): Message[] => [{ role: 'user', content: 'Where is A-17?' }, lookup(args), result('{"status":"shipped"}'), { role: 'user', content: 'And now?' }];

  it('keys conversation turns by their tool calls: arguments (key order and spacing aside), ids and results', () => {
    const key = replayKey(conversation('{"order_id":"A-17","full":true}'));
    expect(replayKey(conversation('{ "full": true, "order_id": "A-17" }'))).toBe(key);
    expect(replayKey(conversation('{"order_id":"A-18","full":true}'))).not.toBe(key);
    expect(replayKey(conversation('not json'))).not.toBe(replayKey(conversation('not json!')));
    const other = conversation('{"order_id":"A-17","full":true}');
    other[2] = result('{"status":"lost"}');
    expect(replayKey(other)).not.toBe(key);
    const renamed = conversation('{"order_id":"A-17","full":true}');
    renamed[1] = lookup('{"order_id":"A-17","full":true}', 'call_2');
    expect(replayKey(renamed)).not.toBe(key);
    // A plain message list keys as it always did.
    expect(replayKey([{ role: 'user', content: 'hi' }])).toBe(sha256(stableStringify([{ role: 'user', content: 'hi' }])));
  });

  it('answers with the entry tool calls and refusal; two conversations differing only in an argument get their own answers', async () => {
    await writeFixture('agent', [
      { messages: [{ role: 'user', content: 'Where is A-17?' }], output: '', toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: { order_id: 'A-17' } }] },
      { messages: conversation('{"order_id":"A-17"}'), output: 'It shipped.' },
      { messages: conversation('{"order_id":"A-18"}'), output: 'Wrong order.' },
      { messages: [{ role: 'user', content: 'Hack them.' }], refusal: 'I cannot help with that.' },
    ]);
    const provider = createReplayProvider('agent', { provider: 'replay', model: 'm' }, dir);
    const request = (messages: Message[]): ProviderRequest => ({ model: 'm', messages, params: {} });
    expect(await provider.call(request([{ role: 'user', content: 'Where is A-17?' }]), signal())).toEqual({
      ok: true, output: '', toolCalls: [{ id: 'call_1', name: 'lookup_order', rawArguments: '{"order_id":"A-17"}', arguments: { order_id: 'A-17' } }],
    });
    expect(await provider.call(request(conversation('{"order_id": "A-17"}')), signal())).toMatchObject({ ok: true, output: 'It shipped.' });
    expect(await provider.call(request(conversation('{"order_id":"A-18"}')), signal())).toMatchObject({ ok: true, output: 'Wrong order.' });
    expect(await provider.call(request(conversation('{"order_id":"A-19"}')), signal())).toMatchObject({ ok: false, error: { code: 'replay_missing' } });
    expect(await provider.call(request([{ role: 'user', content: 'Hack them.' }]), signal())).toEqual({ ok: true, output: '', refusal: 'I cannot help with that.' });
  });

  it.each([
    ['{"messages": [{"role": "user", "content": "x"}], "output": "", "toolCalls": {}}', '"toolCalls" must be an array of tool calls'],
    ['{"messages": [{"role": "user", "content": "x"}], "output": "", "toolCalls": [{"id": "a", "arguments": {}}]}', '"toolCalls[0]" needs "name"'],
    ['{"messages": [{"role": "user", "content": "x"}], "output": "", "toolCalls": [{"name": "t"}]}', '"toolCalls[0]" needs "rawArguments" (a string) or "arguments" (a JSON object)'],
    ['{"messages": [{"role": "user", "content": "x"}], "output": "", "toolCalls": [{"name": "t", "rawArguments": {"a": 1}}]}', '"toolCalls[0]": "rawArguments" must be a string'],
    ['{"messages": [{"role": "user", "content": "x"}], "output": "", "toolCalls": [{"name": "t", "arguments": [1]}]}', '"toolCalls[0]": "arguments" must be a JSON object'],
    ['{"messages": [{"role": "assistant", "content": "", "toolCalls": [{"name": ""}]}], "output": "x"}', '"messages[0].toolCalls[0]" needs "name"'],
    ['{"messages": [{"role": "tool", "content": "r", "toolCallId": 7}], "output": "x"}', '"messages[0].toolCallId" must be a string'],
    ['{"messages": [{"role": "user", "content": "x"}], "refusal": 3}', '"refusal" must be a string'],
  ])('rejects a malformed tool call or refusal: %s', (line, message) => {
    expect(() => parseReplayFixture(`\n${line}`, 'f.jsonl')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(message), location: { file: 'f.jsonl', line: 2 } }));
  });

  it('records tool calls, refusals and the tool turns asked; replay then answers the same', async () => {
    const calls = [{ id: 'call_7', name: 'lookup_order', rawArguments: '{"order_id":"A-17"}', arguments: { order_id: 'A-17' } }];
    const answers: ProviderResult[] = [{ ok: true, output: '', toolCalls: calls, finishReason: 'tool_calls' }, { ok: true, output: '', refusal: 'No.' }];
    const recorder = recordingProvider({ name: 'live', kind: 'openai', model: 'm', call: async () => answers.shift()! }, dir, 'live');
    const first: ProviderRequest = { model: 'm', messages: conversation('{"order_id":"A-16"}'), params: {} };
    const second: ProviderRequest = { model: 'm', messages: [{ role: 'user', content: 'Hack them.' }], params: {} };
    await recorder.call(first, signal());
    await recorder.call(second, signal());
    const lines = (await readFile(replayFixturePath(dir, 'live'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({
      messages: [
        { role: 'user', content: 'Where is A-17?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup_order', rawArguments: '{"order_id":"A-16"}' }] },
        { role: 'tool', content: '{"status":"shipped"}', toolCallId: 'call_1', name: 'lookup_order' },
        { role: 'user', content: 'And now?' },
      ],
      output: '',
      toolCalls: [{ id: 'call_7', name: 'lookup_order', rawArguments: '{"order_id":"A-17"}' }],
    });
    expect(lines[1]).toEqual({ messages: second.messages, output: '', refusal: 'No.' });
    const replay = createReplayProvider('live', { provider: 'replay', model: 'm' }, dir);
    expect(await replay.call(first, signal())).toEqual({ ok: true, output: '', toolCalls: calls });
    expect(await replay.call(second, signal())).toEqual({ ok: true, output: '', refusal: 'No.' });
  });
});

describe('replayFixturePath', () => {
  it('keeps unsafe model names inside the replay folder', () => {
    expect(replayFixturePath('/fx', 'gpt-4o-mini')).toBe(path.join('/fx', 'replay', 'gpt-4o-mini.jsonl'));
    for (const name of ['../../etc/passwd', 'org/model', '..', 'a\\b']) {
      const file = replayFixturePath('/fx', name);
      expect(path.dirname(file)).toBe(path.join('/fx', 'replay'));
      expect(path.basename(file).startsWith('.')).toBe(false);
    }
  });
});

describe('recordingProvider', () => {
  const fake = (answer: (request: ProviderRequest) => ProviderResult | Promise<ProviderResult>): Provider => ({
    name: 'live', kind: 'openai', model: 'gpt-4o-mini', call: async (request) => answer(request),
  });

  it('appends a successful answer that a replay provider then answers', async () => {
    const inner = fake(() => ({ ok: true, output: 'Paris', modelReported: 'gpt-4o-mini-2024-07-18', usage: { inputTokens: 5, outputTokens: 1 }, finishReason: 'stop' }));
    const recorder = recordingProvider(inner, dir, 'live');
    const request = ask('Capital of France?', 'Be terse.');
    expect(await recorder.call(request, signal())).toMatchObject({ ok: true, output: 'Paris' });

    const text = await readFile(replayFixturePath(dir, 'live'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({
      messages: request.messages, output: 'Paris', modelReported: 'gpt-4o-mini-2024-07-18', usage: { inputTokens: 5, outputTokens: 1 },
    });

    const replay = createReplayProvider('live', { provider: 'replay', model: 'gpt-4o-mini' }, dir);
    expect(await replay.call(request, signal())).toEqual({
      ok: true, output: 'Paris', modelReported: 'gpt-4o-mini-2024-07-18', usage: { inputTokens: 5, outputTokens: 1 },
    });
  });

  it('records nothing for a failure', async () => {
    const recorder = recordingProvider(fake(() => ({ ok: false, error: { code: 'server_error', message: 'boom', retryable: true } })), dir, 'live');
    expect((await recorder.call(ask('x'), signal())).ok).toBe(false);
    await expect(readFile(replayFixturePath(dir, 'live'), 'utf8')).rejects.toThrow();
  });

  it('serializes concurrent appends into whole lines', async () => {
    const inner = fake(async (request) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      return { ok: true, output: `answer to ${request.messages[0].content} `.repeat(200) };
    });
    const recorder = recordingProvider(inner, dir, 'live');
    await Promise.all(Array.from({ length: 30 }, (_, i) => recorder.call(ask(`q${i}`), signal())));
    const lines = (await readFile(replayFixturePath(dir, 'live'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(30);
    const asked = lines.map((line) => (JSON.parse(line) as { messages: Message[] }).messages[0].content).sort();
    expect(asked).toEqual(Array.from({ length: 30 }, (_, i) => `q${i}`).sort());
  });

  it('starts a new line when a hand-edited file lacks its final newline', async () => {
    const file = replayFixturePath(dir, 'live');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ messages: [{ role: 'user', content: 'old' }], output: 'old' }));
    await recordingProvider(fake(() => ({ ok: true, output: 'new' })), dir, 'live').call(ask('new'), signal());
    const entries = parseReplayFixture(await readFile(file, 'utf8'), file);
    expect(entries.size).toBe(2);
  });
});
