import { mkdir, readdir, readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFile } from '../../src/run-record/types.js';
import { sha256, stableStringify } from '../../src/util/hash.js';
import { makeProject, runCli, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { lastUser } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readRun, runFolders } from '../helpers/runs.js';

/**
 * Issue 12, points 1–3: an answer is never attributed to another endpoint or model entry. Two model
 * entries `staging` and `prod` share one model id but live on two local servers that answer
 * differently; the cache, `--resume` and the config digest must keep their answers apart.
 */

const env = { ATTR_KEY: 'sk-attribution-test-0123456789' };
const MODEL_ID = 'shared-model';


/** A server that signs its answers: `<LABEL> W<n>`; `lower` lower-cases every third word (those cases fail). */
function signedServer(label: string, options: { lower?: boolean; delayMs?: number } = {}): Promise<MockServer> {
  return startOpenAIServer({
    respond: (request) => {
      const word = /Shout (w\d+)/.exec(lastUser(request))?.[1] ?? '?';
      const quiet = options.lower && Number(word.slice(1)) % 3 === 0;
      return { content: `${label} ${quiet ? word : word.toUpperCase()}`, delayMs: options.delayMs ?? 0 };
    },
  });
}

const config = (urls: { staging: string; prod: string }, extra = '') => `export default {
  models: {
    staging: { provider: 'openai', model: '${MODEL_ID}', baseURL: '${urls.staging}', apiKeyEnv: 'ATTR_KEY'${extra} },
    prod: { provider: 'openai', model: '${MODEL_ID}', baseURL: '${urls.prod}', apiKeyEnv: 'ATTR_KEY' },
  },
  suites: [{ prompt: 'shout', models: ['staging', 'prod'] }],
  concurrency: 4,
  reporters: ['json'],
};
`;

const csv = (count: number) => ['word,__expected', ...Array.from({ length: count }, (_, i) => `w${i},contains:W${i}`)].join('\n');
const PROMPT = '---\nversion: 1.0.0\n---\nShout {{word}}\n';

const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const callsText = (runDir: string) => readFile(join(runDir, 'calls.jsonl'), 'utf8');
const parsedCalls = async (runDir: string) => lines(await callsText(runDir)).map((line) => JSON.parse(line) as Record<string, any>);
/** The word a signed output is about, and the server that signed it. */
const signer = (output: string | null) => output?.split(' ')[0];

/** Asserts that every case and every call of `run` got its answer from its own entry's server. */
function expectOwnAnswers(run: RunFile, calls: Array<Record<string, any>>, labels: Record<string, string>) {
  expect(run.cases.length).toBeGreaterThan(0);
  for (const result of run.cases) {
    for (const repeat of result.repeats) expect(`${result.model}: ${signer(repeat.output)}`).toBe(`${result.model}: ${labels[result.model]}`);
  }
  for (const call of calls) expect(`${call.model}: ${signer(call.output)}`).toBe(`${call.model}: ${labels[call.model]}`);
}

describe('the response cache keys on who answers', () => {
  let staging: MockServer;
  let prod: MockServer;
  let newProd: MockServer;
  beforeAll(async () => {
    [staging, prod, newProd] = await Promise.all([signedServer('STAGING'), signedServer('PROD', { lower: true }), signedServer('NEWPROD')]);
  });
  afterAll(async () => {
    await Promise.all([staging.close(), prod.close(), newProd.close()]);
  });
  const reset = () => [staging, prod, newProd].forEach((server) => server.reset());

  it('staging and prod with one model id get their own answers; a changed baseURL is asked, not served from the cache; old entries are never read', async () => {
    const CASES = 6;
    const dir = await makeProject({ 'eval.config.mjs': config({ staging: staging.url, prod: prod.url }), 'prompts/shout.prompt': PROMPT, 'evals/shout.csv': csv(CASES) });
    // Entries of the old key scheme (provider, model id, params, messages, repeat) for every request.
    const messages = (i: number) => [{ role: 'user', content: `Shout w${i}` }];
    const cache = join(dir, '.promptgate-cache');
    for (let i = 0; i < CASES; i++) {
      const oldKey = sha256(stableStringify({ provider: 'openai', model: MODEL_ID, params: {}, messages: messages(i), repeat: 0 }));
      await mkdir(join(cache, oldKey.slice(0, 2)), { recursive: true });
      await writeFile(join(cache, oldKey.slice(0, 2), `${oldKey}.json`), JSON.stringify({ output: 'PLANTED W0', modelReported: 'planted' }));
    }

    reset();
    const first = await runCliInProcess(['run'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect([staging.count, prod.count, newProd.count]).toEqual([CASES, CASES, 0]);
    const [firstDir] = await runFolders(dir);
    const firstCalls = await parsedCalls(firstDir);
    // The planted entries were made for exactly these requests.
    expect(firstCalls.find((c) => c.caseId && c.vars.word === 'w0')?.messages).toEqual(messages(0));
    expect(firstCalls.every((c) => Object.keys(c.params).length === 0)).toBe(true);
    expect(firstCalls).toHaveLength(2 * CASES);
    expect(firstCalls.filter((c) => c.cached)).toEqual([]);
    const firstRun = await readRun(firstDir);
    expectOwnAnswers(firstRun, firstCalls, { staging: 'STAGING', prod: 'PROD' });
    // prod lower-cases w0 and w3: its own verdicts, not staging's.
    expect(firstRun.summary.map((row) => `${row.model} ${row.passed}/${row.cases}`)).toEqual([`staging ${CASES}/${CASES}`, `prod ${CASES - 2}/${CASES}`]);

    // The same config again: every answer from the cache, each from its own entry's server.
    reset();
    const second = await runCliInProcess(['run'], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    expect([staging.count, prod.count]).toEqual([0, 0]);
    const secondDir = (await runFolders(dir))[1];
    const secondCalls = await parsedCalls(secondDir);
    expect(secondCalls.every((c) => c.cached)).toBe(true);
    expectOwnAnswers(await readRun(secondDir), secondCalls, { staging: 'STAGING', prod: 'PROD' });

    // An entry at the right name that does not say it was made for that key is not used.
    const w0 = secondCalls.find((c) => c.model === 'staging' && c.vars.word === 'w0')!;
    const entry = (await readdir(cache)).filter((name) => name !== 'judge-secret' && !/^[0-9a-f]{2}$/.test(name));
    expect(entry).toEqual(['v2']);
    await writeFile(join(cache, 'v2', w0.requestKey.slice(0, 2), `${w0.requestKey}.json`), JSON.stringify({ output: 'PLANTED W0' }));

    // prod moves to another server: that server is asked; nothing of prod comes from the cache.
    await writeFile(join(dir, 'eval.config.mjs'), config({ staging: staging.url, prod: newProd.url }));
    reset();
    const third = await runCliInProcess(['run'], { cwd: dir, env });
    expect(third.code, third.stderr).toBe(0);
    expect([staging.count, prod.count, newProd.count]).toEqual([1, 0, CASES]);
    const thirdDir = (await runFolders(dir))[2];
    const thirdCalls = await parsedCalls(thirdDir);
    expect(thirdCalls.filter((c) => c.model === 'prod' && c.cached)).toEqual([]);
    expect(thirdCalls.filter((c) => c.model === 'staging' && !c.cached).map((c) => c.vars.word)).toEqual(['w0']);
    const thirdRun = await readRun(thirdDir);
    expectOwnAnswers(thirdRun, thirdCalls, { staging: 'STAGING', prod: 'NEWPROD' });
    expect(thirdRun.totals.cachedCalls).toBe(CASES - 1);
  });
});

describe('--resume keeps every answer with its model entry and every calls.jsonl line', () => {
  const CASES = 30;
  const CALLS = CASES * 2;
  let staging: MockServer;
  let prod: MockServer;
  let reference: RunFile;
  /** How long each answer takes: only while a run is to be interrupted (no result depends on it). */
  const pace = { delayMs: 0 };
  const files = () => ({ 'eval.config.mjs': config({ staging: staging.url, prod: prod.url }), 'prompts/shout.prompt': PROMPT, 'evals/shout.csv': csv(CASES) });

  beforeAll(async () => {
    [staging, prod] = await Promise.all([signedServer('STAGING', pace), signedServer('PROD', { lower: true, get delayMs() { return pace.delayMs; } })]);
    const dir = await makeProject(files());
    const whole = await runCliInProcess(['run', '--no-cache'], { cwd: dir, env });
    expect(whole.code, whole.stderr).toBe(0);
    reference = await readRun((await runFolders(dir))[0]);
    expect(reference.totals.calls).toBe(CALLS);
  });
  afterAll(async () => {
    await Promise.all([staging.close(), prod.close()]);
  });
  const requests = () => staging.count + prod.count;
  const reset = () => [staging, prod].forEach((server) => server.reset());

  /**
   * Runs the CLI in this process and aborts it, as its SIGINT handler does, once staging has seen 10
   * requests; its answers take 25 ms meanwhile, so the abort lands mid-run. (The signals themselves,
   * in a child process, are test/e2e/resume.test.ts's and the SIGKILL test's below.)
   */
  async function aborted(args: string[], cwd: string): Promise<CliResult> {
    const controller = new AbortController();
    pace.delayMs = 25;
    try {
      void staging.waitForRequests(10).then(() => controller.abort());
      const result = await runCliInProcess(args, { cwd, env, signal: controller.signal });
      expect(controller.signal.aborted, 'the run finished before the abort').toBe(true);
      return result;
    } finally {
      pace.delayMs = 0;
    }
  }

  /** Runs the CLI and sends `signal` once staging has seen `after` requests; its answers take 25 ms meanwhile, so the signal lands mid-run. */
  async function interrupted(args: string[], cwd: string, signal: NodeJS.Signals): Promise<CliResult> {
    let sent = false;
    pace.delayMs = 25;
    try {
      const result = await runCli(args, {
        cwd,
        env,
        onSpawn: (child) => void staging.waitForRequests(10).then(() => (sent = child.exitCode === null && child.kill(signal))),
      });
      expect(sent, 'the run finished before the signal').toBe(true);
      return result;
    } finally {
      pace.delayMs = 0;
    }
  }

  /** What must not differ from the uninterrupted run. */
  const essence = (run: RunFile) => ({
    totals: run.totals,
    gate: run.gate,
    summary: run.summary.map((row) => ({ ...row, latencyP50: null, latencyP95: null, cachedCalls: 0 })),
    cases: run.cases.map((result) => ({ ...result, repeats: result.repeats.map((r) => ({ ...r, latencyMs: 0, cached: false })) })),
  });

  async function expectCompletedAsReference(runDir: string, before: string) {
    const after = await callsText(runDir);
    // Nothing dropped or rewritten: the interrupted run's lines come first, byte for byte, then one line per call made.
    expect(lines(after).length).toBe(lines(before).length + requests());
    expect(after.startsWith(before)).toBe(true);
    const added = lines(after.slice(before.length));
    const final = await readRun(runDir);
    expect(final.status).toBe('complete');
    expect({ ...essence(final), totals: { ...final.totals, cachedCalls: 0 } }).toEqual({ ...essence(reference), totals: { ...reference.totals, cachedCalls: 0 } });
    const calls = [...lines(before), ...added].flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, any>];
      } catch {
        return [];
      }
    });
    expectOwnAnswers(final, calls, { staging: 'STAGING', prod: 'PROD' });
  }

  it.each([
    { name: '--no-cache', flags: ['--no-cache'], refusals: true },
    { name: 'with the cache', flags: [], refusals: false },
  ])('interrupted, then --resume ($name): each case graded with its own server\'s answer, no line lost; changed settings are refused', async ({ flags, refusals: checkRefusals }) => {
    const dir = await makeProject(files());
    reset();
    const stopped = await aborted(['run', ...flags], dir);
    expect(stopped.code, stopped.stderr).toBe(130);
    const [runDir] = await runFolders(dir);
    expect((await readRun(runDir)).status).toBe('interrupted');
    const before = await callsText(runDir);
    expect(lines(before).length).toBeGreaterThan(0);
    expect(lines(before).length).toBeLessThan(CALLS);

    // Anything that changes results differs: exit 2 with one line naming it, nothing touched
    // (the other settings checked are in src/runner/run-identity.test.ts).
    const refusals: Array<[string[], RegExp, (() => Promise<void>)?, (() => Promise<void>)?]> = [
      [['run'], /the config digest changed/, () => writeFile(join(dir, 'eval.config.mjs'), config({ staging: staging.url, prod: prod.url }, ', params: { temperature: 0.5 }')), () => writeFile(join(dir, 'eval.config.mjs'), files()['eval.config.mjs'])],
      [['run'], /the candidate prompt version of suite "shout" changed \("shout@1\.0\.0 [0-9a-f]+" → "shout@1\.0\.1 [0-9a-f]+"\)/, () => writeFile(join(dir, 'prompts/shout.prompt'), PROMPT.replace('1.0.0', '1.0.1').replace('Shout', 'Shout out')), () => writeFile(join(dir, 'prompts/shout.prompt'), PROMPT)],
      [['run', '--repeat', '2'], /the repeat count \(--repeat\) of suite "shout" changed \(1 → 2\)/],
      [['run', '--model', 'staging'], /the model selection \(--model\) changed \(none → \["staging"\]\)/],
      [['compare', '--baseline', `run:${join(runDir, 'run.json')}`], /the command changed \("run" → "compare"\)/],
    ];
    reset();
    for (const [args, message, change, undo] of checkRefusals ? refusals : refusals.slice(0, 1)) {
      await change?.();
      const refused = await runCliInProcess([...args, ...flags, '--resume', runDir], { cwd: dir, env });
      await undo?.();
      expect(refused.code, refused.stderr).toBe(2);
      expect(lines(refused.stderr), refused.stderr).toHaveLength(1);
      expect(refused.stderr).toMatch(/^promptgate: .*run-identity\.json: cannot resume: /);
      expect(refused.stderr).toMatch(message);
    }
    expect(requests()).toBe(0);
    expect(await callsText(runDir)).toBe(before);
    expect(await runFolders(dir)).toEqual([runDir]);

    // --concurrency and --reporter change no result: allowed.
    reset();
    const resumed = await runCliInProcess(['run', ...flags, '--concurrency', '2', '--reporter', 'junit', '--reporter', 'json', '--resume', runDir], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(requests()).toBeGreaterThan(0);
    await expectCompletedAsReference(runDir, before);

    // A complete run is not resumed again.
    reset();
    const again = await runCliInProcess(['run', ...flags, '--resume', runDir], { cwd: dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/cannot resume run .*: it is already complete/);
    expect(requests()).toBe(0);
  });

  it('SIGKILL before run.json, with a torn last line: the recorded identity still guards --resume, and the next line starts fresh', async () => {
    const dir = await makeProject(files());
    reset();
    const killed = await interrupted(['run', '--no-cache'], dir, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const [runDir] = await runFolders(dir);
    expect(await readdir(runDir)).not.toContain('run.json');
    await appendFile(join(runDir, 'calls.jsonl'), '{"runId":"torn","purpose":"eval","suite":"sh');
    const before = await callsText(runDir);

    await writeFile(join(dir, 'eval.config.mjs'), config({ staging: staging.url, prod: prod.url }, ', params: { temperature: 0.5 }'));
    reset();
    const refused = await runCliInProcess(['run', '--no-cache', '--resume', runDir], { cwd: dir, env });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/cannot resume: the config digest changed/);
    expect(await callsText(runDir)).toBe(before);
    await writeFile(join(dir, 'eval.config.mjs'), files()['eval.config.mjs']);

    reset();
    const resumed = await runCliInProcess(['run', '--no-cache', '--resume', runDir], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    // The torn line stays, ended; every line appended after it is whole JSON.
    const after = await callsText(runDir);
    expect(after.startsWith(`${before}\n`)).toBe(true);
    for (const line of lines(after.slice(before.length + 1))) expect(() => JSON.parse(line)).not.toThrow();
    await expectCompletedAsReference(runDir, `${before}\n`);
  });
});

describe('the config digest covers what changes results', () => {
  let server: MockServer;
  beforeAll(async () => {
    server = await signedServer('PROD', { lower: true });
  });
  afterAll(() => server.close());

  it('shards run with other reporters, concurrency and cache flags merge with no note and the verdict of one run; another model param is refused', async () => {
    const dir = await makeProject({ 'eval.config.mjs': config({ staging: server.url, prod: server.url }), 'prompts/shout.prompt': PROMPT, 'evals/shout.csv': csv(12) });
    const run = (args: string[]) => runCliInProcess(args, { cwd: dir, env });
    const whole = await run(['run', '--no-cache', '--out', 'whole']);
    const one = await run(['run', '--shard', '1/2', '--reporter', 'json', '--concurrency', '1', '--out', 'shard1']);
    const two = await run(['run', '--shard', '2/2', '--no-cache', '--reporter', 'junit', '--reporter', 'json', '--concurrency', '7', '--out', 'shard2']);
    for (const result of [whole, one, two]) expect(result.code, result.stderr).not.toBe(2);
    const [shard1] = await runFolders(dir, 'shard1');
    const [shard2] = await runFolders(dir, 'shard2');
    expect((await readRun(shard1)).configDigest).toBe((await readRun(shard2)).configDigest);

    const merged = await run(['merge', shard1, shard2, '--out', 'merged', '--reporter', 'json', '--reporter', 'markdown']);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(whole.code);
    const expected = await readRun((await runFolders(dir, 'whole'))[0]);
    const actual = await readRun((await runFolders(dir, 'merged'))[0]);
    expect(actual.gate).toEqual(expected.gate);
    expect(actual.cases.map((c) => `${c.model}/${c.caseId}:${c.status}`)).toEqual(expected.cases.map((c) => `${c.model}/${c.caseId}:${c.status}`));

    await writeFile(join(dir, 'eval.config.mjs'), config({ staging: server.url, prod: server.url }, ', params: { temperature: 0.7 }'));
    const changed = await run(['run', '--shard', '2/2', '--out', 'changed']);
    expect(changed.code, changed.stderr).not.toBe(2);
    const [changedDir] = await runFolders(dir, 'changed');
    const refused = await run(['merge', shard1, changedDir, '--out', 'refused']);
    expect(refused.code).toBe(2);
    expect(lines(refused.stderr)).toHaveLength(1);
    expect(refused.stderr).toMatch(/the runs used different configs: digest [0-9a-f]{12} .* and [0-9a-f]{12} /);
  });
});
