import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseIdOf } from '../cases/case-build.js';
import { readCaseFile } from '../cases/read.js';
import type { TestCase } from '../cases/types.js';
import { casesFromLog, csvCell, formatCasesCsv, formatCasesJsonl, skippedText, type LogCase } from './log-cases.js';
import { summarizeLog } from './log-summary.js';

async function* lines(items: unknown[]) {
  yield* items;
}

const call = (promptId: string, vars: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  purpose: 'production', promptId, promptVersion: '1.0.0', promptHash: 'aaaaaaaaaaaa', vars, output: 'out', error: null,
  startedAt: '2026-01-01T00:00:00.000Z', modelReported: 'm-1', ...extra,
});

describe('casesFromLog', () => {
  it('makes one case per distinct variables (key order ignored), ids as case files compute them', async () => {
    const result = await casesFromLog(lines([
      call('s', { a: 1, b: 'x' }),
      call('s', { b: 'x', a: 1 }, { promptVersion: '1.1.0', startedAt: '2026-01-02T00:00:00.000Z' }),
      call('s', { a: 2, b: 'y' }),
      { purpose: 'judge', promptId: 's', vars: { a: 9 } },
      'junk',
    ]), { source: 'calls.jsonl' });
    expect(result.promptId).toBe('s');
    expect(result.lines).toBe(5);
    expect(result.calls).toBe(3);
    expect(result.cases.map((c) => c.id)).toEqual([caseIdOf({ a: 1, b: 'x' }), caseIdOf({ a: 2, b: 'y' })]);
    expect(result.cases[0].description).toBe('from calls.jsonl: 2 calls (s@1.0.0, s@1.1.0), last 2026-01-02T00:00:00.000Z');
    expect(result.cases[0].assert).toBeUndefined();
  });

  it('asserts the most recent successful output only with expectOutput', async () => {
    const result = await casesFromLog(lines([
      call('s', { a: 1 }, { output: 'old', startedAt: '2026-01-01T00:00:00Z' }),
      call('s', { a: 1 }, { output: 'new', startedAt: '2026-01-03T00:00:00Z' }),
      call('s', { a: 1 }, { output: null, error: { code: 'server_error', message: 'x' }, startedAt: '2026-01-04T00:00:00Z' }),
      call('s', { a: 2 }, { output: null, error: { code: 'server_error', message: 'x' } }),
    ]), { source: 'l', expectOutput: true });
    expect(result.cases.map((c) => c.assert)).toEqual([[{ type: 'equals', value: 'new' }], undefined]);
  });

  it('an output holding {{…}} stays text: assertion values are rendered as Nunjucks', async () => {
    const result = await casesFromLog(lines([call('s', { a: 1 }, { output: 'Write {{ name }} here' })]), { source: 'l', expectOutput: true });
    expect(result.cases[0].assert).toEqual([{ type: 'equals', value: '{% raw %}Write {{ name }} here{% endraw %}' }]);
  });

  it('needs --prompt when the log has several prompts, and fails when nothing qualifies', async () => {
    await expect(casesFromLog(lines([call('a', {}), call('b', {})]), { source: 'l' })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/a, b.*--prompt/) });
    expect((await casesFromLog(lines([call('a', { x: 1 }), call('b', {})]), { source: 'l', prompt: 'a' })).cases).toHaveLength(1);
    await expect(casesFromLog(lines([call('a', {})]), { source: 'l', prompt: 'zzz' })).rejects.toMatchObject({ code: 'CASE_INVALID' });
  });
});

describe('casesFromLog with conversations and tool calls', () => {
  const sys = { role: 'system', content: 'Be kind.' };
  const ask = { role: 'user', content: 'Q?' };
  const chat = [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'lookup', rawArguments: '{"id": 7}', arguments: { id: 7 } }] },
    { role: 'tool', content: '{"ok":true}', toolCallId: 'c1', name: 'lookup' },
  ];
  const answer = { output: '', toolCalls: [{ id: 'c2', name: 'refund', rawArguments: '{"amount":10}', arguments: { amount: 10 } }, { id: 'c3', name: 'note', rawArguments: 'not json' }] };

  it('a call with a conversation is a case with its messages (ids apart from the same variables alone), and expected tool calls with expectOutput', async () => {
    const result = await casesFromLog(lines([
      call('s', { a: 1 }, { messages: [sys, ...chat, ask], conversation: { start: 1, count: 3 }, ...answer }),
      call('s', { a: 1 }, { messages: [sys, ask], output: 'plain' }),
    ]), { source: 'l', expectOutput: true });
    expect(result.cases).toHaveLength(2);
    const [withChat, plain] = result.cases;
    // Tool calls as the case reader takes them: the raw arguments only.
    expect(withChat.messages).toEqual([chat[0], { ...chat[1], toolCalls: [{ id: 'c1', name: 'lookup', rawArguments: '{"id": 7}' }] }, chat[2]]);
    expect(withChat.id).toMatch(/^[0-9a-f]{12}$/);
    expect(withChat.id).not.toBe(plain.id);
    expect(plain.id).toBe(caseIdOf({ a: 1 }));
    expect(plain.messages).toBeUndefined();
    expect(withChat.assert).toBeUndefined();
    expect(withChat.expected_tool_calls).toEqual([{ name: 'refund', arguments: { amount: 10 } }, { name: 'note' }]);
    expect(plain.assert).toEqual([{ type: 'equals', value: 'plain' }]);
    expect(plain.expected_tool_calls).toBeUndefined();
    expect(result.skipped).toEqual({});
    // Without expectOutput, no expectation of either kind.
    const bare = await casesFromLog(lines([call('s', { a: 1 }, { messages: [sys, ...chat, ask], conversation: { start: 1, count: 3 }, ...answer })]), { source: 'l' });
    expect(bare.cases[0].expected_tool_calls).toBeUndefined();
  });

  it('leaves out, and counts by why, calls whose conversation a case cannot carry', async () => {
    const step = [{ role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 't', rawArguments: '{}' }] }, { role: 'tool', content: 'r', toolCallId: 'c' }];
    const result = await casesFromLog(lines([
      call('s', { a: 1 }, { messages: [sys, ask] }),
      call('s', { a: 2 }, { messages: [ask, sys], conversation: null, startedAt: '2026-01-05T00:00:00.000Z' }),
      call('s', { a: 3 }, { messages: [sys], conversation: null, startedAt: '2026-01-03T00:00:00.000Z' }),
      call('s', { a: 4 }, { messages: [sys, ask, ...step], conversation: { start: 2, count: 2 } }),
      call('s', { a: 5 }, { messages: [sys, ask, { role: 'user', content: 'more' }], conversation: { start: 2, count: 1 } }),
      call('s', { a: 6 }, { messages: [sys, ask], conversation: { start: 1, count: 5 } }),
      call('s', { a: 7 }, { messages: [sys, { role: 'robot', content: 'x' }, ask], conversation: { start: 1, count: 1 } }),
      call('s', { a: 8 }, { messages: [sys, { role: 'system', content: 'be brief' }, ask], conversation: { start: 1, count: 1 } }),
      call('s', { a: 9 }, { messages: [sys, chat[1], ask], conversation: { start: 1, count: 1 } }),
      call('s', { a: 10 }, { messages: [sys, chat[2], ask], conversation: { start: 1, count: 1 } }),
    ]), { source: 'l' });
    expect(result.cases.map((c) => c.vars)).toEqual([{ a: 1 }]);
    expect(result.calls).toBe(1);
    expect(result.skipped).toEqual({
      unknown: { calls: 4, firstAt: '2026-01-01T00:00:00.000Z' },
      'later-step': { calls: 1, firstAt: '2026-01-01T00:00:00.000Z' },
      elsewhere: { calls: 1, firstAt: '2026-01-01T00:00:00.000Z' },
      unfit: { calls: 3, firstAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(skippedText(result.skipped)).toEqual([
      expect.stringMatching(/^4 calls: which of their messages are the app's conversation is not known .* \(first at 2026-01-01T00:00:00\.000Z\)$/),
      expect.stringMatching(/^1 call: the app put its conversation where a case's messages do not go/),
      expect.stringMatching(/^3 calls: their conversation is not one a case can hold/),
      expect.stringMatching(/^1 call: they continue a tool loop/),
    ]);
    await expect(casesFromLog(lines([call('s', { a: 2 }, { conversation: null })]), { source: 'l' })).rejects.toMatchObject({
      code: 'CASE_INVALID', message: expect.stringMatching(/^l: no call of "s" can be made a case: 1 call: which of their messages/),
    });
  });

  it('refuses a CSV for cases with a conversation or expected tool calls (JSONL keeps them)', () => {
    const base = { id: 'i', description: 'd', vars: { q: 'x' }, tags: [] };
    expect(() => formatCasesCsv([{ ...base, messages: [{ role: 'user', content: 'hi' }] }])).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/case i has a conversation/) }));
    expect(() => formatCasesCsv([{ ...base, expected_tool_calls: [{ name: 't' }] }])).toThrow(/expected tool calls/);
  });
});

describe('case file output', () => {
  it('writes JSONL cases the case reader accepts', () => {
    const text = formatCasesJsonl([{ id: 'abc', description: 'd', vars: { q: 'hi' }, tags: ['from-log'], assert: [{ type: 'equals', value: 'yo' }] }]);
    expect(JSON.parse(text)).toEqual({ id: 'abc', description: 'd', vars: { q: 'hi' }, tags: ['from-log'], assert: [{ type: 'equals', value: 'yo' }] });
  });

  it('writes CSV values exactly as logged (no formula prefix) and quotes per RFC 4180', () => {
    expect(csvCell('-5 degrees')).toBe('-5 degrees');
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"=HYPERLINK(""http://x"")"');
    expect(csvCell('a,b\nc')).toBe('"a,b\nc"');
    const csv = formatCasesCsv([
      { id: 'i1', description: 'd', vars: { q: '-5 degrees', n: '3' }, tags: ['from-log'], assert: [{ type: 'equals', value: '@SUM(A1)' }] },
      { id: 'i2', description: 'd', vars: { q: 'ok', n: '' }, tags: ['from-log'] },
    ]);
    expect(csv).toBe('__id,q,n,__description,__tags,__expected\r\ni1,-5 degrees,3,d,from-log,equals:@SUM(A1)\r\ni2,ok,,d,from-log,\r\n');
  });

  it('gives back, read as a case file, the same cases as the JSONL it stands for', async () => {
    const logged: LogCase[] = [
      { id: 'a1', description: 'from l: 1 call', vars: { q: '-5 degrees', note: '=1+1, "quoted"\r\nline two\n', blank: '', vip: 'false' }, tags: ['from-log'], assert: [{ type: 'equals', value: '@octocat said:\n  ok' }] },
      { id: 'a2', description: 'from l: 2 calls', vars: { q: '+cmd', note: '\ttabbed', blank: ' ', vip: 'true' }, tags: ['from-log'] },
    ];
    const dir = await mkdtemp(join(tmpdir(), 'pg-log-cases-'));
    try {
      await writeFile(join(dir, 'c.csv'), formatCasesCsv(logged));
      await writeFile(join(dir, 'c.jsonl'), formatCasesJsonl(logged));
      const fromCsv = await collect(readCaseFile(join(dir, 'c.csv'), { rootDir: dir }));
      const fromJsonl = await collect(readCaseFile(join(dir, 'c.jsonl'), { rootDir: dir }));
      const shape = (cases: TestCase[]) => cases.map((c) => ({ id: c.id, vars: c.vars, description: c.description, tags: c.tags, expected: c.assertions.map((a) => [a.type, a.negate, a.value]) }));
      expect(shape(fromCsv)).toEqual(shape(fromJsonl));
      expect(fromCsv[0].vars).toEqual(logged[0].vars);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses, naming why, what a CSV cell would change: non-strings, missing variables, reserved names, leading or trailing whitespace in an expected output', () => {
    const refuse = (vars: Record<string, unknown>[], assert?: LogCase['assert']) =>
      () => formatCasesCsv(vars.map((v, i) => ({ id: `i${i}`, description: 'd', vars: v, tags: [], ...(assert ? { assert } : {}) })));
    expect(refuse([{ vip: false }])).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/"vip" of case i0 is a boolean \(false\)/), hint: expect.stringMatching(/write JSONL instead/) }));
    expect(refuse([{ n: 3 }])).toThrow(/a number \(3\)/);
    expect(refuse([{ n: null }])).toThrow(/is null/);
    expect(refuse([{ o: { a: 1 } }])).toThrow(/an object/);
    expect(refuse([{ a: 'x', b: 'y' }, { a: 'z' }])).toThrow(/case i1 has no variable "b"/);
    expect(refuse([{ __id: 'x' }])).toThrow(/reserved/);
    expect(refuse([{ ' q': 'x' }])).toThrow(/blanks/);
    expect(refuse([{ q: 'x' }], [{ type: 'equals', value: ' indented' }])).toThrow(/starts or ends with whitespace/);
    expect(refuse([{ q: 'x' }], [{ type: 'equals', value: 'line\n' }])).toThrow(/starts or ends with whitespace/);
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('summarizeLog', () => {
  it('groups calls by prompt version and compares each with the lock and the working tree', async () => {
    const lock = { version: 1 as const, prompts: { s: { version: '1.0.0', hash: 'aaaaaaaaaaaa', path: 'prompts/s.prompt' } } };
    const tree = new Map([['s', { version: '1.1.0', hash: 'bbbbbbbbbbbb' }]]);
    const summary = await summarizeLog(lines([
      call('s', {}, { startedAt: '2026-01-01T00:00:00Z' }),
      call('s', {}, { promptVersion: '1.1.0', promptHash: 'bbbbbbbbbbbb', startedAt: '2026-01-05T00:00:00Z', modelReported: 'm-2' }),
      call('s', {}, { startedAt: '2026-01-02T00:00:00Z', error: { code: 'x', message: 'y' } }),
      call('other', {}),
      { promptId: '', vars: {} },
    ]), lock, tree);
    expect(summary.skipped).toBe(1);
    expect(summary.versions.map((v) => [v.promptId, v.version, v.calls, v.errors, v.latest, v.lock, v.workingTree])).toEqual([
      ['other', '1.0.0', 1, 0, true, 'not-locked', 'missing'],
      ['s', '1.1.0', 1, 0, true, 'differs', 'same'],
      ['s', '1.0.0', 2, 1, false, 'locked', 'differs'],
    ]);
    expect(summary.versions[1].lockedVersion).toEqual({ version: '1.0.0', hash: 'aaaaaaaaaaaa' });
    expect(summary.versions[2]).toMatchObject({ firstAt: '2026-01-01T00:00:00Z', lastAt: '2026-01-02T00:00:00Z', modelsReported: ['m-1'] });
  });
});
