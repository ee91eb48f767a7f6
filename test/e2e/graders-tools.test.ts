import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { textOf } from '../helpers/mock-server.js';
import type { MockToolCall } from '../helpers/mock-replies.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import type { RunFile } from '../../src/run-record/types.js';
import { readRun, runFolders } from '../helpers/runs.js';

/**
 * Issue 17: `json-path` on structured (JSON) answers, and the tool-call graders on answers that
 * call no tool, call the expected tool, or call it with other or invalid arguments, through the CLI
 * and the real OpenAI SDK against a local server. (Every verdict rule is unit-tested in
 * src/graders/tool-call.test.ts.)
 */

const ENV = { TEST_OPENAI_KEY: 'sk-graders-tools' };

/** What the model answers for each case's `key`. */
const OUTPUTS: Record<string, string> = {
  pro: JSON.stringify({ customer: { tier: 'pro', name: 'Ada' }, items: [{ sku: 'A', qty: 2 }, { sku: 'B', qty: 1 }] }),
  free: JSON.stringify({ customer: { tier: 'free' }, items: [] }),
  fenced: 'Here it is:\n```json\n{"customer": {"tier": "pro"}}\n```',
  prose: 'The customer is on the pro tier.',
};

/** What the model answers with tool calls, by case `key`: the right call, another argument, invalid JSON. */
const CALLS: Record<string, MockToolCall[]> = {
  call: [{ id: 'call_a', name: 'lookup_order', arguments: { order_id: 'A1' } }],
  wrong: [{ id: 'call_b', name: 'lookup_order', arguments: { order_id: 'A2' } }],
  broken: [{ id: 'call_c', name: 'lookup_order', arguments: '{"order_id": "A1"' }],
};

const CASES = [
  // The cell form (JSONL `expected`), the object form, a path alone, a filter, a {{var}} value.
  { description: 'pro: every json-path holds', vars: { key: 'pro', tier: 'pro' }, expected: 'json-path:$.customer.tier = "{{tier}}"', assert: [
    { type: 'json-path', value: { path: '$.items[*].qty', op: '>=', value: 1 } },
    { type: 'json-path', value: '$.customer.name' },
    { type: 'json-path', value: '$.items[?@.sku == "B"].qty = 1' },
    { type: 'not-json-path', value: '$.error' },
    { type: 'tool-call-count', value: 0 },
    { type: 'not-tool-call' },
  ] },
  { description: 'free: the tier differs', vars: { key: 'free', tier: 'pro' }, expected: 'json-path:$.customer.tier = "{{tier}}"' },
  { description: 'fenced: a ```json block is read', vars: { key: 'fenced', tier: 'pro' }, expected: 'json-path:$.customer.tier = "pro"' },
  { description: 'prose: not-json-path fails closed on text', vars: { key: 'prose', tier: 'pro' }, expected: 'not-json-path:$.customer.tier = "free"' },
  { description: 'prose: a text answer calls no tool', vars: { key: 'prose', tier: 'pro' }, expected: 'tool-call:lookup_order {"order_id": "A1"}' },
  { description: 'call: the expected call', vars: { key: 'call', tier: 'pro' }, expected_tool_calls: [{ name: 'lookup_order', arguments: { order_id: 'A1' } }], assert: [
    { type: 'tool-args-schema', value: 'lookup_order' },
    { type: 'tool-call-count', value: 'lookup_order', threshold: 1 },
    { type: 'not-tool-call', value: 'escalate' },
  ] },
  { description: 'wrong: another argument', vars: { key: 'wrong', tier: 'pro' }, expected_tool_calls: [{ name: 'lookup_order', arguments: { order_id: 'A1' } }] },
  { description: 'broken: invalid JSON arguments', vars: { key: 'broken', tier: 'pro' }, expected_tool_calls: [{ name: 'lookup_order' }], assert: [{ type: 'not-tool-call', value: 'lookup_order {"order_id": "A2"}' }] },
];

describe('json-path and the tool-call graders through the CLI', () => {
  let server: MockServer;
  let dir: string;

  beforeAll(async () => {
    server = await startOpenAIServer({
      respond: (request) => {
        const key = /key=(\w+)/.exec(textOf(request.messages.at(-1)?.content) ?? '')?.[1] ?? '';
        if (key in CALLS) return { toolCalls: CALLS[key] };
        if (!(key in OUTPUTS)) throw new Error(`no output for ${key}`);
        return { content: OUTPUTS[key] };
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'promptgate-graders-tools-'));
    await mkdir(join(dir, 'prompts'));
    await mkdir(join(dir, 'evals'));
    await writeFile(join(dir, 'prompts/p.prompt'), '---\nversion: 1.0.0\ntools:\n  - name: lookup_order\n    inputSchema: { type: object, properties: { order_id: { type: string } }, required: [order_id] }\n  - name: escalate\n    inputSchema: { type: object, properties: {} }\n---\nAnswer as JSON for key={{key}} (tier {{tier}}).\n');
    await writeFile(join(dir, 'evals/p.jsonl'), `${CASES.map((c) => JSON.stringify(c)).join('\n')}\n`);
    await writeFile(
      join(dir, 'eval.config.mjs'),
      `export default {\n  models: { gpt: { provider: 'openai', model: 'gpt-test', baseURL: '${server.url}', apiKeyEnv: 'TEST_OPENAI_KEY' } },\n  defaultModel: 'gpt',\n};\n`,
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('check accepts the graders; run grades each answer and records why', async () => {
    const check = await runCliInProcess(['check'], { cwd: dir, env: ENV });
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);

    const result = await runCliInProcess(['run', '--no-cache'], { cwd: dir, env: ENV });
    expect(result.code, result.stderr).toBe(0);
    expect(server.count).toBe(CASES.length);
    const run = await readRun((await runFolders(dir))[0]);
    const byCase: Record<string, RunFile['cases'][number]> = Object.fromEntries(run.cases.map((c) => [c.description, c]));
    expect(Object.fromEntries(run.cases.map((c) => [c.description, c.status]))).toEqual({
      'pro: every json-path holds': 'pass',
      'free: the tier differs': 'fail',
      'fenced: a ```json block is read': 'pass',
      'prose: not-json-path fails closed on text': 'fail',
      'prose: a text answer calls no tool': 'fail',
      'call: the expected call': 'pass',
      'wrong: another argument': 'fail',
      'broken: invalid JSON arguments': 'fail',
    });
    const reasons = (description: string) => byCase[description].repeats[0].grade!.assertions.map((a) => [a.type, a.negate, a.reason]);
    const verdicts = (description: string) => byCase[description].repeats[0].grade!.assertions.map((a) => [a.type, a.negate, a.pass]);
    expect(reasons('pro: every json-path holds')).toEqual([
      ['json-path', false, '$.customer.tier is "pro": = "pro"'],
      ['json-path', false, 'the 2 values $.items[*].qty selects are: >= 1'],
      ['json-path', false, '$.customer.name selects a value'],
      ['json-path', false, '$.items[?@.sku == "B"].qty is 1: = 1'],
      ['json-path', true, "$.error selects nothing in the output's JSON"],
      ['tool-call-count', false, '0 tool calls, expected 0'],
      ['tool-call', true, 'the model called no tool'],
    ]);
    expect(reasons('free: the tier differs')).toEqual([['json-path', false, '$.customer.tier is "free", expected = "pro"']]);
    const [[, , closed]] = reasons('prose: not-json-path fails closed on text');
    expect(closed).toMatch(/^output is not valid JSON, so \$\.customer\.tier cannot be read: /);
    expect(reasons('prose: a text answer calls no tool')).toEqual([['tool-call', false, 'no call to "lookup_order" (the model called no tool)']]);
    expect(verdicts('call: the expected call')).toEqual([
      ['tool-args-schema', false, true],
      ['tool-call-count', false, true],
      ['tool-call', true, true],
      ['tool-call', false, true],
    ]);
    const [[, , wrong]] = reasons('wrong: another argument');
    expect(wrong).toContain('order_id: expected "A1", got "A2"');
    // Arguments that are not JSON fail the expected call, and a negated call cannot pass on them.
    expect(verdicts('broken: invalid JSON arguments')).toEqual([['tool-call', true, false], ['tool-call', false, false]]);
    expect(reasons('broken: invalid JSON arguments')[1][2]).toMatch(/not valid JSON/);
    expect(byCase['broken: invalid JSON arguments'].repeats[0].toolCalls?.[0]).toMatchObject({ name: 'lookup_order', rawArguments: '{"order_id": "A1"' });
    // The spec as written is what reports show.
    expect(byCase['free: the tier differs'].repeats[0].grade!.assertions[0].spec).toBe('json-path:$.customer.tier = "{{tier}}"');
  });
});
