import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { runSchema } from '../helpers/run-schema.js';
import { readCalls, withNewRun } from '../helpers/runs.js';

/**
 * A replay model whose fixture answers with tool calls and a refusal, run through the built CLI:
 * the answers reach calls.jsonl and run.json as recorded (schema-valid), offline.
 */

const { validateRun, validateCall } = runSchema();

const fixture = [
  {
    messages: [{ role: 'user', content: 'Where is order A-17?' }],
    output: '',
    toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: { order_id: 'A-17' } }, { id: 'call_2', name: 'escalate', rawArguments: '{"reason": ' }],
    note: 'hand-written: arguments as an object, and raw text that is not JSON',
  },
  { messages: [{ role: 'user', content: 'Where is order B-2?' }], refusal: 'I cannot look that up.' },
  { messages: [{ role: 'user', content: 'Where is order C-3?' }], output: 'It shipped.' },
];

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('replay answers with tool calls and refusals', () => {
  it('run: each answer reaches calls.jsonl and run.json as the fixture recorded it', async () => {
    const dir = await makeProject({
      'eval.config.mjs': "export default { models: { m: { provider: 'replay', model: 'm' } }, defaultModel: 'm' };\n",
      'prompts/p.prompt': '---\nversion: 1.0.0\n---\nWhere is order {{order}}?\n',
      'evals/p.csv': 'order,__expected\nA-17,not-contains:zzz\nB-2,not-contains:zzz\nC-3,contains:shipped\n',
      'fixtures/replay/m.jsonl': fixture.map((entry) => `${JSON.stringify(entry)}\n`).join(''),
    });
    dirs.push(dir);
    const { result, runDir, run } = await withNewRun(dir, () => runCliInProcess(['run', '--reporter', 'json'], { cwd: dir }));
    expect(result.code, result.stderr).toBe(0);
    validateRun(run);
    expect(validateRun.errors ?? []).toEqual([]);

    const calls = await readCalls(runDir!);
    for (const call of calls) {
      validateCall(call);
      expect(validateCall.errors ?? []).toEqual([]);
    }
    const byOrder = new Map(calls.map((call) => [call.vars.order, call]));
    expect(byOrder.get('A-17')).toMatchObject({
      output: '',
      toolCalls: [
        { id: 'call_1', name: 'lookup_order', rawArguments: '{"order_id":"A-17"}', arguments: { order_id: 'A-17' } },
        { id: 'call_2', name: 'escalate', rawArguments: '{"reason": ', argumentsError: expect.stringContaining('not valid JSON') },
      ],
      error: null,
    });
    expect(byOrder.get('B-2')).toMatchObject({ output: '', refusal: 'I cannot look that up.', error: null });
    expect(byOrder.get('C-3')).toMatchObject({ output: 'It shipped.' });
    expect(byOrder.get('C-3')!.toolCalls).toBeUndefined();

    const repeats = new Map(run!.cases.map((c) => [c.vars.order, c.repeats[0]]));
    expect(repeats.get('A-17')!.toolCalls?.map((call) => call.name)).toEqual(['lookup_order', 'escalate']);
    expect(repeats.get('B-2')!.refusal).toBe('I cannot look that up.');
  });
});
