import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaselineMeta } from '../../src/baseline/store.js';
import type { RunFile } from '../../src/run-record/types.js';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { initAndCommit } from '../helpers/git-repo.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer, type Reply } from '../helpers/openai-server.js';
import { readRun } from '../helpers/runs.js';
import { WORDS, wordCases, wordPrompt } from '../helpers/word-suite.js';

/** How today's model answers: `failing` gets a 400 (an errored case), `hanging` never an answer. */
const world = { reported: 'shout-1-2024-07-18', failing: '', hanging: '' };

function answer(request: IncomingChat): Reply {
  const word = textOf(request.messages.find((m) => m.role === 'user')?.content).trim();
  if (word === world.failing) return { fault: 'status', status: 400 };
  if (word === world.hanging) return { fault: 'hang' };
  return { content: word.toUpperCase(), model: world.reported };
}

describe('promptgate baseline accept / show, and drift and compare on the stored baseline', () => {
  let server: MockServer;
  let dir: string;
  // No global or system git config: who accepts comes from the repository's config, or the environment.
  const env = { MOCK_KEY: 'k', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GITHUB_ACTOR: 'octo-bot' };
  const cli = (args: string[], signal?: AbortSignal) => runCliInProcess(args, { cwd: dir, env, signal });
  const runOf = async (stdout: string): Promise<{ dir: string; run: RunFile }> => {
    const folder = /^Run folder: (.+)$/m.exec(stdout)?.[1];
    expect(folder, stdout).toBeDefined();
    return { dir: folder!, run: await readRun(folder!) };
  };
  const rel = (folder: string) => folder.slice(dir.length + 1);
  const baselineDir = () => join(dir, 'reports', 'baseline');

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: answer });
    dir = await makeProject({});
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', apiKeyEnv: 'MOCK_KEY' } }, gate: { maxRegressions: 0 } };\n`;
    await initAndCommit(dir, { 'eval.config.mjs': config, 'prompts/shout.prompt': wordPrompt('1.0.0', 'Repeat the word in capitals.'), 'evals/shout.csv': wordCases(WORDS), '.gitignore': 'reports/\n.promptgate-cache/\n' }, 'shout 1.0.0', { 'user.name': 'Ada Lovelace', 'user.email': 'ada@example.com' });
  });
  afterAll(async () => server.close());

  it('with no baseline accepted: drift (no --baseline), compare --baseline run:baseline and show are exit 2 with one line naming `baseline accept`; nothing is called', async () => {
    server.reset();
    const line = 'promptgate: reports/baseline: no baseline has been accepted (make one: `promptgate run --no-cache`, then `promptgate baseline accept reports/<run id> --reason "…"`)\n';
    for (const args of [['drift'], ['compare', '--baseline', 'run:baseline'], ['baseline', 'show']]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toBe(line);
    }
    expect(server.count).toBe(0);
  });

  it('refuses a run with an errored case, an interrupted run and a foreign run.json: exit 2, one line naming the run and why; nothing stored', async () => {
    world.failing = 'fig';
    const errored = await cli(['run', '--no-cache']);
    world.failing = '';
    expect(errored.code).toBe(3);
    const erroredRun = await runOf(errored.stdout);
    const refusedErrored = await cli(['baseline', 'accept', rel(erroredRun.dir)]);
    expect(refusedErrored.code).toBe(2);
    expect(refusedErrored.stderr).toBe(`promptgate: ${rel(erroredRun.dir)}/run.json: run ${erroredRun.run.runId} cannot be the baseline: 1 case(s) errored in it (no verdict for them)\n`);

    // Interrupted for real: one call never answers, the others do, then the run is aborted.
    world.hanging = 'fig';
    server.reset();
    const controller = new AbortController();
    const pending = cli(['run', '--no-cache'], controller.signal);
    await server.waitForRequests(WORDS.length);
    controller.abort();
    const interrupted = await pending;
    world.hanging = '';
    expect(interrupted.code).toBe(130);
    const interruptedRun = await runOf(interrupted.stdout);
    expect(interruptedRun.run.status).toBe('interrupted');
    const refusedInterrupted = await cli(['baseline', 'accept', `${rel(interruptedRun.dir)}/run.json`, '--reason', 'looks fine']);
    expect(refusedInterrupted.code).toBe(2);
    expect(refusedInterrupted.stderr).toMatch(new RegExp(`^promptgate: ${rel(interruptedRun.dir)}/run\\.json: run ${interruptedRun.run.runId} cannot be the baseline: it was interrupted( \\(signal: [^\\n]*\\))?: finish it with --resume first\\n$`));

    await writeFile(join(dir, 'foreign.json'), '{"results": []}\n');
    const foreign = await cli(['baseline', 'accept', 'foreign.json']);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toBe('promptgate: foreign.json: not a promptgate run.json\n');
    expect(existsSync(baselineDir())).toBe(false);
  });

  it('accepts a complete run (who, when, why), shows it, and drift with no --baseline and compare --baseline run:baseline use it', async () => {
    const made = await cli(['run', '--no-cache']);
    expect(made.code).toBe(0);
    const first = await runOf(made.stdout);
    const accepted = await cli(['baseline', 'accept', rel(first.dir), '--reason', 'first baseline: gpt of today']);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(`Accepted run ${first.run.runId} as the baseline (reports/baseline/)`);
    const meta = JSON.parse(await readFile(join(baselineDir(), 'baseline.json'), 'utf8')) as BaselineMeta;
    expect(meta).toMatchObject({ format: 'promptgate-baseline', runId: first.run.runId, command: 'run', acceptedBy: 'Ada Lovelace <ada@example.com>', reason: 'first baseline: gpt of today', source: `${rel(first.dir)}/run.json` });
    expect(meta.previous).toBeUndefined();
    expect(Number.isNaN(Date.parse(meta.acceptedAt))).toBe(false);
    expect(await readFile(join(baselineDir(), 'run.json'), 'utf8')).toBe(await readFile(join(first.dir, 'run.json'), 'utf8'));

    const shown = await cli(['baseline', 'show']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Baseline: run ${first.run.runId} (reports/baseline/)`);
    expect(shown.stdout).toContain('by Ada Lovelace <ada@example.com>');
    expect(shown.stdout).toContain('reason: first baseline: gpt of today');
    expect(shown.stdout).toMatch(/prompts: shout@1\.0\.0 \([0-9a-f]{12}\)/);
    expect(shown.stdout).toContain('models: m = openai shout-1 (reported shout-1-2024-07-18)');
    const json = JSON.parse((await cli(['baseline', 'show', '--json'])).stdout) as { meta: BaselineMeta; models: Array<{ reported: string[] }> };
    expect(json.meta).toEqual(meta);
    expect(json.models[0].reported).toEqual(['shout-1-2024-07-18']);

    // Today's model reports a new version: drift on the stored baseline finds it.
    world.reported = 'shout-1-2025-01-01';
    server.reset();
    const drifted = await cli(['drift']);
    expect(drifted.code, drifted.stderr).toBe(0);
    expect(server.count).toBe(WORDS.length);
    expect(drifted.stdout).toContain('shout-1-2024-07-18 → shout-1-2025-01-01');
    const drift = await runOf(drifted.stdout);
    expect(drift.run.comparison?.baseline).toMatchObject({ spec: 'run:baseline', label: `run ${first.run.runId}` });

    // The model change is reviewed and accepted: the drift run becomes the baseline, the old one is recorded as previous.
    const second = await runCliInProcess(['baseline', 'accept', rel(drift.dir), '--reason', 'model update reviewed'], { cwd: dir, env: { ...env, GITHUB_ACTOR: 'octo-bot' } });
    expect(second.code, second.stderr).toBe(0);
    const meta2 = JSON.parse(await readFile(join(baselineDir(), 'baseline.json'), 'utf8')) as BaselineMeta;
    expect(meta2).toMatchObject({ runId: drift.run.runId, command: 'drift', reason: 'model update reviewed', previous: { runId: first.run.runId, reason: 'first baseline: gpt of today' } });

    const compared = await cli(['compare', '--baseline', 'run:baseline']);
    expect(compared.code, compared.stderr).toBe(0);
    const comparison = (await runOf(compared.stdout)).run.comparison;
    expect(comparison?.baseline).toMatchObject({ spec: 'run:baseline', label: `run ${drift.run.runId}` });
    expect(comparison?.rows[0].counts['unchanged-pass']).toBe(WORDS.length);

    // The stored baseline itself is not accepted again over itself.
    const self = await cli(['baseline', 'accept', 'reports/baseline']);
    expect(self.code).toBe(2);
    expect(self.stderr).toBe('promptgate: reports/baseline: this is the stored baseline already (accept a run folder under reports/)\n');

    // A crash between the two renames (run.json new, baseline.json old) is refused, never half-used.
    await writeFile(join(baselineDir(), 'baseline.json'), JSON.stringify({ ...meta2, runId: first.run.runId }));
    const torn = await cli(['drift']);
    expect(torn.code).toBe(2);
    expect(torn.stderr).toBe(`promptgate: reports/baseline/baseline.json: the stored baseline is torn: baseline.json names run ${first.run.runId}, its run.json is run ${drift.run.runId} (accept a run again: promptgate baseline accept <run folder>)\n`);
  });
});
