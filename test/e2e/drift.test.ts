import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFile } from '../../src/run-record/types.js';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitFiles, initAndCommit } from '../helpers/git-repo.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer, type Reply } from '../helpers/openai-server.js';
import { runSchema } from '../helpers/run-schema.js';
import { readRun } from '../helpers/runs.js';
import { WORDS, wordCases, wordPrompt as prompt } from '../helpers/word-suite.js';

/** Today's model behind the alias: which version it reports, and how it answers. */
const world = { reported: 'shout-1-2024-07-18', sloppy: false, failing: '' };

function answer(request: IncomingChat): Reply {
  const word = textOf(request.messages.find((m) => m.role === 'user')?.content).trim();
  if (word === world.failing) return { fault: 'status', status: 400 };
  const content = world.sloppy && /^[a-c]/.test(word) ? `${word.toUpperCase()}!!` : word.toUpperCase();
  return { content, model: world.reported };
}

describe('promptgate drift against a stored run', () => {
  let server: MockServer;
  let dir: string;
  /** The run a CLI call made: the console report names its folder (run ids in one second do not sort by time). */
  const runOf = async (stdout: string): Promise<{ dir: string; run: RunFile }> => {
    const folder = /^Run folder: (.+)$/m.exec(stdout)?.[1];
    expect(folder).toBeDefined();
    return { dir: folder!, run: await readRun(folder!) };
  };

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: answer });
    dir = await makeProject({});
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', apiKeyEnv: 'MOCK_KEY' } }, gate: { maxRegressions: 0 } };\n`;
    const cases = wordCases(WORDS);
    await initAndCommit(dir, { 'eval.config.mjs': config, 'prompts/shout.prompt': prompt('1.0.0', 'Repeat the word in capitals.'), 'evals/shout.csv': cases, '.gitignore': 'reports/\n.promptgate-cache/\n' }, 'shout 1.0.0');
    // The nightly baseline: a plain run, kept in baselines/.
    const made = await runCliInProcess(['run', '--no-cache'], { cwd: dir, env: { MOCK_KEY: 'k' } });
    expect(made.code).toBe(0);
    await mkdir(join(dir, 'baselines'));
    await copyFile(join((await runOf(made.stdout)).dir, 'run.json'), join(dir, 'baselines/nightly.json'));
  });
  afterAll(async () => server.close());

  it('nothing changed: exit 0, no output or model change; the models are called despite the warm cache', async () => {
    server.reset();
    const result = await runCliInProcess(['drift', '--baseline', 'run:baselines/nightly.json'], { cwd: dir, env: { MOCK_KEY: 'k' } });
    expect(result.code).toBe(0);
    expect(server.count).toBe(WORDS.length);
    expect(result.stdout).toContain('model versions: unchanged');
    expect(result.stdout).toContain('changed outputs: shout › m: 0/10 (0.0%)');
    const { run } = await runOf(result.stdout);
    expect(run.command).toBe('drift');
    expect(run.options.cache).toBe(false);
    // Every report says where the answers came from: today's model, and the stored run.
    expect(run.comparison?.sampling).toEqual({
      candidate: 'fresh', baseline: 'stored', cachedCalls: 0, choice: 'no-cache', by: 'drift',
      sides: { candidate: { noisy: true, calls: WORDS.length, cached: 0 }, baseline: { noisy: false, calls: 0, cached: 0 } },
    });
    expect(result.stdout).toContain(`Sampling:  candidate: drawn fresh, 0 of ${WORDS.length} calls from the cache (drift); baseline: a stored run's results (no calls)`);
    expect(run.drift?.modelChanges).toEqual([]);
    expect(run.drift?.outputs).toEqual([{ suite: 'shout', model: 'm', compared: 10, changed: 0, share: 0 }]);
  });

  it('an answer with the same text whose tool calls differ from the stored run is a changed output', async () => {
    // The stored answers of two cases also called a tool; today's answers have the same text and no tool call.
    const stored: RunFile = JSON.parse(await readFile(join(dir, 'baselines/nightly.json'), 'utf8'));
    for (const c of stored.cases.filter((x) => x.vars.word === 'fig' || x.vars.word === 'kiwi')) {
      c.repeats = c.repeats.map((r) => ({ ...r, toolCalls: [{ id: 'call_1', name: 'lookup', rawArguments: '{"word":"x"}', arguments: { word: 'x' } }] }));
    }
    await writeFile(join(dir, 'baselines/with-tools.json'), JSON.stringify(stored));
    const result = await runCliInProcess(['drift', '--baseline', 'run:baselines/with-tools.json'], { cwd: dir, env: { MOCK_KEY: 'k' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('changed outputs: shout › m: 2/10 (20.0%)');
  });

  it('a new model version with worse answers and a new error: reports all three and exits 1', async () => {
    Object.assign(world, { reported: 'shout-1-2025-01-01', sloppy: true, failing: 'lemon' });
    try {
      // --save-baseline follows baseline accept's rule: a run with an errored case is no baseline.
      const result = await runCliInProcess(['drift', '--baseline', 'run:baselines/nightly.json', '--save-baseline', 'baselines/errored.json'], { cwd: dir, env: { MOCK_KEY: 'k' } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('promptgate: not saved as a baseline (baselines/errored.json): 1 case(s) errored in it (no verdict for them)\n');
      expect(existsSync(join(dir, 'baselines/errored.json'))).toBe(false);
      expect(result.stdout).toContain('model version changed: m: shout-1-2024-07-18 → shout-1-2025-01-01');
      // 3 garbled answers + 1 error where there was an answer.
      expect(result.stdout).toContain('changed outputs: shout › m: 4/10 (40.0%)');
      expect(result.stdout).toContain('new errors: 1');
      expect(result.stdout).toContain('Regressed (3)');

      const { dir: runDir, run } = await runOf(result.stdout);
      expect(run.gate?.verdict).toBe('fail');
      expect(run.cases.filter((c) => c.change === 'regressed').map((c) => c.vars.word).sort()).toEqual(['apple', 'banana', 'cherry']);
      expect(run.models.find((m) => m.name === 'm')?.reported).toEqual(['shout-1-2025-01-01']);
      expect(run.drift).toMatchObject({
        baseline: { file: 'baselines/nightly.json' },
        modelChanges: [{ model: 'm', before: ['shout-1-2024-07-18'], after: ['shout-1-2025-01-01'] }],
        outputs: [{ suite: 'shout', model: 'm', compared: 10, changed: 4, share: 0.4 }],
        newErrorCount: 1,
        newErrors: [{ suite: 'shout', model: 'm', code: 'client_error' }],
      });
      // run.json with its drift block still matches the documented format.
      const validate = runSchema().validateRun;
      expect(validate(run) ? [] : validate.errors).toEqual([]);
      const summary = await readFile(join(runDir, 'summary.md'), 'utf8');
      expect(summary).toContain('## Drift');
      expect(summary).toContain('| m | shout-1-2024-07-18 | shout-1-2025-01-01 |');
      expect(summary).toContain('| shout | m | 4 / 10 | 40.0% |');
      expect(summary).toContain('New errors (1)');
      expect(summary).toContain('Regressed cases (3)');
    } finally {
      Object.assign(world, { failing: '' });
    }
  });

  it('a new model version with the same answers is reported but passes; --save-baseline stores the run', async () => {
    Object.assign(world, { reported: 'shout-1-2025-02-02', sloppy: false });
    const result = await runCliInProcess(['drift', '--baseline', 'run:baselines/nightly.json', '--save-baseline', 'baselines/next.json'], { cwd: dir, env: { MOCK_KEY: 'k' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('model version changed: m: shout-1-2024-07-18 → shout-1-2025-02-02');
    expect(result.stdout).toContain('Saved this run as the baseline: baselines/next.json');
    const { run } = await runOf(result.stdout);
    const saved = JSON.parse(await readFile(join(dir, 'baselines/next.json'), 'utf8')) as RunFile;
    expect(saved.runId).toBe(run.runId);
    expect(saved.models[0].reported).toEqual(['shout-1-2025-02-02']);

    // The saved run is a valid baseline: against it, the model did not change.
    const again = await runCliInProcess(['drift', '--baseline', 'run:baselines/next.json'], { cwd: dir, env: { MOCK_KEY: 'k' } });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('model versions: unchanged');
  });

  it('after the prompt moved on, drift re-runs the stored version found in git history', async () => {
    Object.assign(world, { reported: 'shout-1-2024-07-18', sloppy: false });
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('2.0.0', 'Shout the word, be sloppy.') }, 'shout 2.0.0');
    server.reset();
    const result = await runCliInProcess(['drift', '--baseline', 'run:baselines/nightly.json'], { cwd: dir, env: { MOCK_KEY: 'k' } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('running the stored version 1.0.0');
    const { run } = await runOf(result.stdout);
    expect(new Set(run.cases.map((c) => c.promptVersion))).toEqual(new Set(['1.0.0']));
    expect(server.requests.every((r) => textOf(r.messages[0].content) === 'Repeat the word in capitals.')).toBe(true);
  });

  it('a stored version that is nowhere to be found is an input error (exit 2)', async () => {
    const stored = JSON.parse(await readFile(join(dir, 'baselines/nightly.json'), 'utf8')) as RunFile;
    stored.prompts[0].hash = '000000000000';
    stored.summary[0].promptHash = '000000000000';
    await writeFile(join(dir, 'baselines/lost.json'), JSON.stringify(stored));
    const result = await runCliInProcess(['drift', '--baseline', 'run:baselines/lost.json'], { cwd: dir, env: { MOCK_KEY: 'k' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('prompts/shout.prompt');
    expect(result.stderr).toContain('the stored run ran shout@1.0.0 (hash 000000000000)');
  });

  it('a suite the stored run lacks: named, it is exit 2 (nothing to compare); unnamed, a note says it is not checked', async () => {
    await writeFile(join(dir, 'prompts/echo.prompt'), prompt('0.1.0', 'Repeat the word in capitals.'));
    await writeFile(join(dir, 'evals/echo.csv'), wordCases(WORDS.slice(0, 2)));
    server.reset();
    const named = await runCliInProcess(['drift', 'echo', '--baseline', 'run:baselines/nightly.json'], { cwd: dir, env: { MOCK_KEY: 'k' } });
    expect(named.code).toBe(2);
    expect(named.stderr.trim()).toBe('promptgate: baselines/nightly.json: the stored run has no suite "echo": there is nothing to compare its cases with (it has "shout"; make a baseline that includes it with `promptgate drift --save-baseline` or `promptgate run`)');
    expect(server.count).toBe(0);
    const all = await runCliInProcess(['drift', '--baseline', 'run:baselines/nightly.json'], { cwd: dir, env: { MOCK_KEY: 'k' } });
    expect(all.code).toBe(0);
    expect(all.stderr).toContain('promptgate: note: suite "echo" is not in the stored run (baselines/nightly.json): not checked for drift');
    const { run } = await runOf(all.stdout);
    expect(new Set(run.cases.map((c) => c.suite))).toEqual(new Set(['shout']));
  });

  it('a baseline that is not run:<path> is a usage error (exit 2)', async () => {
    const result = await runCliInProcess(['drift', '--baseline', 'main'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--baseline run:<path to run.json>');
  });
});
