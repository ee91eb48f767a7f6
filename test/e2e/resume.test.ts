import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFile } from '../../src/run-record/types.js';
import { makeProject, REPO_ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { initAndCommit } from '../helpers/git-repo.js';
import { lastUser, textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer, type Reply } from '../helpers/openai-server.js';
import { readCalls, readRun, runFolders } from '../helpers/runs.js';

/**
 * SIGINT / SIGTERM mid-run against a deterministic slow server: exit 130, an `interrupted` run.json
 * holding only whole cases, calls.jsonl of whole lines; then `--resume` makes only the missing
 * calls and ends with the same result as an uninterrupted run. Also: run.json survives SIGKILL.
 */

const CASES = 40;
const REPEAT = 2;
/** Every 5th case is graded by the judge; every 9th expects what the model never says. */
const JUDGED = Array.from({ length: CASES }, (_, i) => i).filter((i) => i % 5 === 0).length;
const CALLS = CASES * REPEAT + JUDGED * REPEAT;
const CONCURRENCY = 4;


/**
 * How long each answer takes: 20 ms while a run is to be interrupted (so the signal lands mid-run),
 * none otherwise (no result depends on it: latencies are left out of what is compared).
 */
let answerDelayMs = 0;

/** Deterministic: shouts the word; the edited prompt (ending in "!") whispers every 7th word. */
function respond(request: IncomingChat): Reply {
  if (request.model === 'judge-model') {
    const system = textOf(request.messages.find((m) => m.role === 'system')?.content);
    const token = /"verdict_token": "([0-9a-f]+)"/.exec(system)?.[1] ?? 'none';
    const output = JSON.parse(/\n(".*")\n/.exec(lastUser(request))?.[1] ?? '""') as string;
    const pass = output === output.toUpperCase();
    return { content: JSON.stringify({ pass, score: pass ? 1 : 0, reason: pass ? 'shouted' : 'not shouted', verdict_token: token }), delayMs: answerDelayMs };
  }
  const text = lastUser(request);
  const word = /Shout (w\d+)/.exec(text)?.[1] ?? '?';
  const whisper = text.endsWith('!') && Number(word.slice(1)) % 7 === 0;
  return { content: whisper ? word : word.toUpperCase(), delayMs: answerDelayMs };
}

const csv = [
  'word,__expected',
  ...Array.from({ length: CASES }, (_, i) => `w${i},${i % 5 === 0 ? 'rubric:the word is in capitals' : i % 9 === 0 ? 'contains:nope' : `contains:W${i}`}`),
].join('\n');

const files = (url: string) => ({
  'eval.config.mjs': `export default {
  models: {
    gpt: { provider: 'openai', model: 'gpt-test', baseURL: '${url}', apiKeyEnv: 'RESUME_KEY' },
    judge: { provider: 'openai', model: 'judge-model', baseURL: '${url}', apiKeyEnv: 'RESUME_KEY' },
  },
  defaultModel: 'gpt',
  judge: 'judge',
  concurrency: ${CONCURRENCY},
  repeat: ${REPEAT},
};
`,
  'prompts/shout.prompt': '---\nversion: 1.0.0\n---\nShout {{word}}\n',
  'evals/shout.csv': csv,
});

const env = { RESUME_KEY: 'sk-resume-test-0123456789' };

/** What must not differ between an interrupted-and-resumed run and an uninterrupted one. */
function essence(run: RunFile) {
  return {
    status: run.status,
    command: run.command,
    prompts: run.prompts,
    models: run.models,
    totals: run.totals,
    gate: run.gate,
    comparison: run.comparison && { ...run.comparison, rows: run.comparison.rows },
    summary: run.summary.map((row) => ({ ...row, latencyP50: null, latencyP95: null })),
    cases: run.cases.map((result) => ({
      ...result,
      repeats: result.repeats.map((r) => ({ ...r, latencyMs: 0, cached: false })),
      baseline: result.baseline && { ...result.baseline, repeats: result.baseline.repeats.map((r) => ({ ...r, latencyMs: 0, cached: false })) },
    })),
  };
}

/** Runs the CLI and sends `signal` once the server has seen `after` requests. */
async function interruptAfter(server: MockServer, args: string[], cwd: string, signal: NodeJS.Signals, after: number): Promise<CliResult> {
  let sent = false;
  answerDelayMs = 20;
  try {
    const result = await runCli(args, {
      cwd,
      env,
      onSpawn: (child) => {
        void server.waitForRequests(after).then(() => {
          sent = child.exitCode === null && child.kill(signal);
        });
      },
    });
    expect(sent, 'the run finished before the signal').toBe(true);
    return result;
  } finally {
    answerDelayMs = 0;
  }
}

/**
 * The same in this process: main() with an AbortSignal aborted once the server has seen `after`
 * requests (what the CLI's signal handler does; the spawned runs above test the signals themselves).
 */
async function abortAfter(server: MockServer, args: string[], cwd: string, after: number): Promise<CliResult> {
  const controller = new AbortController();
  answerDelayMs = 20;
  try {
    void server.waitForRequests(after).then(() => controller.abort());
    const result = await runCliInProcess(args, { cwd, env, signal: controller.signal });
    expect(controller.signal.aborted, 'the run finished before the abort').toBe(true);
    return result;
  } finally {
    answerDelayMs = 0;
  }
}

/** Every call line is whole JSON; one line per call (purpose, side, case, repeat). */
async function expectWholeUniqueLines(runDir: string): Promise<Array<Record<string, any>>> {
  const text = await readFile(join(runDir, 'calls.jsonl'), 'utf8');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  const calls = await readCalls(runDir);
  const ids = calls.map((c) => `${c.purpose}/${c.side}/${c.caseId}/${c.repeat}`);
  expect(new Set(ids).size).toBe(ids.length);
  return calls;
}

describe('interrupting and resuming a run', () => {
  let server: MockServer;
  let reference: RunFile;

  beforeAll(async () => {
    server = await startOpenAIServer({ respond });
    const dir = await makeProject(files(server.url));
    const result = await runCliInProcess(['run'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    reference = await readRun((await runFolders(dir))[0]);
    expect(reference.status).toBe('complete');
    expect(reference.cases).toHaveLength(CASES);
    expect(reference.totals.calls).toBe(CALLS);
  });
  afterAll(() => server.close());

  it.each(['SIGINT', 'SIGTERM'] as const)('%s: exit 130 and an interrupted run.json; --resume makes only the missing calls and ends equal', async (signal) => {
    const dir = await makeProject(files(server.url));
    server.reset();
    const interrupted = await interruptAfter(server, ['run'], dir, signal, 16);
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toContain(`${signal} received`);
    const firstCount = server.count;
    expect(firstCount).toBeLessThan(CALLS);

    const [runDir] = await runFolders(dir);
    const partial = await readRun(runDir);
    expect(partial.status).toBe('interrupted');
    expect(partial.cases.length).toBeLessThan(CASES);
    // Only whole cases: every repeat graded, nothing abandoned written as an error.
    for (const result of partial.cases) {
      expect(result.repeats).toHaveLength(REPEAT);
      for (const repeat of result.repeats) {
        expect(repeat.error).toBeNull();
        expect(repeat.grade).not.toBeNull();
      }
    }
    expect((await readdir(runDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const kept = await expectWholeUniqueLines(runDir);
    expect(kept.every((c) => c.error === null)).toBe(true);
    // The calls in flight at the signal were abandoned, not logged: at most one per slot.
    const abandoned = firstCount - kept.length;
    expect(abandoned).toBeGreaterThanOrEqual(0);
    expect(abandoned).toBeLessThanOrEqual(CONCURRENCY);

    server.reset();
    const resumed = await runCliInProcess(['run', '--resume', runDir], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await runFolders(dir)).toEqual([runDir]);
    // Only the missing calls: all calls across both runs = CALLS + the abandoned ones.
    expect(server.count).toBe(CALLS - kept.length);
    expect(firstCount + server.count).toBe(CALLS + abandoned);

    const final = await readRun(runDir);
    expect(final.runId).toBe(partial.runId);
    expect(essence(final)).toEqual(essence(reference));
    const calls = await expectWholeUniqueLines(runDir);
    expect(calls).toHaveLength(CALLS);
    // The kept lines come first, unchanged; nothing was logged twice.
    expect(calls.slice(0, kept.length)).toEqual(kept);
  });

  it('compare --resume finishes an interrupted comparison with the same verdict and rows', async () => {
    // One repository (v1 committed, the edited prompt in the work tree), copied before either run:
    // the two runs start from the same state without a second `git init` and commit.
    const referenceDir = await mkdtemp(join(tmpdir(), 'promptgate-resume-compare-'));
    await initAndCommit(referenceDir, files(server.url), 'v1');
    await writeFile(join(referenceDir, 'prompts/shout.prompt'), '---\nversion: 1.1.0\n---\nShout {{word}}!\n');
    const dir = await mkdtemp(join(tmpdir(), 'promptgate-resume-compare-'));
    await cp(referenceDir, dir, { recursive: true });

    const whole = await runCliInProcess(['compare', '--baseline', 'HEAD'], { cwd: referenceDir, env });
    expect(whole.code, whole.stderr).toBe(1); // every 7th word now whispered: regressions
    const expected = await readRun((await runFolders(referenceDir))[0]);
    expect(expected.comparison?.rows[0].counts.regressed).toBeGreaterThan(0);

    server.reset();
    const interrupted = await abortAfter(server, ['compare', '--baseline', 'HEAD'], dir, 32);
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const [runDir] = await runFolders(dir);
    expect((await readRun(runDir)).status).toBe('interrupted');
    const kept = await expectWholeUniqueLines(runDir);

    server.reset();
    const resumed = await runCliInProcess(['compare', '--baseline', 'HEAD', '--resume', runDir], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(1);
    expect(server.count).toBe(expected.totals.calls - kept.length);
    const final = await readRun(runDir);
    const strip = (run: RunFile) => {
      const { comparison, ...rest } = essence(run);
      // The sides (labels, commits) are left out: what must be equal is the result.
      return { ...rest, comparison: comparison && { ...comparison, baseline: undefined, candidate: undefined } };
    };
    expect(strip(final)).toEqual(strip(expected));
    expect(await expectWholeUniqueLines(runDir)).toHaveLength(expected.totals.calls);
  });
});

describe('a crash while run.json is written', () => {
  it('SIGKILL in the middle of a large write leaves the earlier run.json intact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promptgate-crash-'));
    const writer = pathToFileURL(join(REPO_ROOT, 'dist/run-record/writer.js')).href;
    const header = { format: 'promptgate-run', formatVersion: 1, runId: 'r', status: 'complete' };
    const script = `
      import { writeRunFile } from ${JSON.stringify(writer)};
      const header = ${JSON.stringify(header)};
      const dir = ${JSON.stringify(dir)};
      await writeRunFile(dir, header, [{ caseId: 'earlier' }]);
      process.stdout.write('ready\\n');
      async function* many() { for (let i = 0; ; i++) yield { caseId: 'c' + i, output: 'x'.repeat(2000) }; }
      await writeRunFile(dir, { ...header, runId: 'never' }, many());
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const before = await readFile(join(dir, 'run.json'), 'utf8');
    // Wait until the new file is well under way, then kill without warning.
    for (;;) {
      const temp = (await readdir(dir)).find((name) => name.endsWith('.tmp'));
      if (temp && (await stat(join(dir, temp))).size > 4 * 1024 * 1024) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const after = await readFile(join(dir, 'run.json'), 'utf8');
    expect(after).toBe(before);
    expect(JSON.parse(after).cases).toEqual([{ caseId: 'earlier' }]);
  });
});
