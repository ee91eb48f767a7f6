import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { mulberry32 } from '../helpers/fault-plan.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer } from '../helpers/openai-server.js';
import { runFolders, withNewRun } from '../helpers/runs.js';
import { WORDS, wordSuiteRepo } from '../helpers/word-suite.js';

const OLD = 'Repeat the word in capitals.';
const NEW = 'Say the word in capitals.';

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * A noisy model: each case (word) passes with its own seeded probability, drawn anew for every
 * request. The n-th identical request gets draw n of its own seeded stream, so what a request
 * answers does not depend on the order requests arrive in.
 */
function createCoinServer() {
  const seen = new Map<string, number>();
  return (request: IncomingChat) => {
    const system = textOf(request.messages.find((m) => m.role === 'system')?.content);
    const word = textOf(request.messages.find((m) => m.role === 'user')?.content).trim();
    const key = JSON.stringify([request.body.temperature ?? null, system, word]);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const p = 0.2 + 0.6 * mulberry32(fnv1a(word))();
    const draw = mulberry32(fnv1a(`${key}#${n}`))();
    return { content: draw < p ? word.toUpperCase() : `${word}?` };
  };
}

describe('compare draws noisy samples fresh; a cached baseline is an explicit choice every report states', () => {
  let server: MockServer;
  let dir: string;
  const config = (extra: string) => `export default { models: { m: { provider: 'openai', model: 'coin-1', baseURL: '${server.url}'${extra} } } };\n`;

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: createCoinServer() });
    dir = await wordSuiteRepo(
      {
        // Temperature unset (the provider's default: noisy); temperature 0 (deterministic); unset, with the baseline's cache chosen in the config.
        'eval.config.mjs': config(''),
        'det.config.mjs': config(', params: { temperature: 0 }'),
        'keep.config.mjs': config('').replace(' } } };', ' } }, gate: { baselineCache: true } };'),
      },
      OLD,
      NEW,
    );
  });
  afterAll(async () => server.close());

  /** Runs the CLI and returns the result, the new run's folder and run.json, and the requests each side sent. */
  async function compare(args: string[]) {
    server.reset();
    const ran = await withNewRun(dir, () => runCliInProcess(['compare', ...args], { cwd: dir }));
    const sent = (instruction: string) => server.requests.filter((r) => textOf(r.messages.find((m) => m.role === 'system')?.content).includes(instruction)).length;
    return { ...ran, baselineRequests: sent(OLD), candidateRequests: sent(NEW) };
  }

  /** A verdict was reached (pass, fail, or inconclusive), not an input error or a run without one. */
  const decided = (result: CliResult) => expect([0, 1, 4], result.stderr).toContain(result.code);

  it('temperature unset, repeat 1: a second compare calls the model again for both sides, and run.json says fresh', async () => {
    const first = await compare(['--baseline', '@1.0.0']);
    decided(first.result);
    expect([first.baselineRequests, first.candidateRequests]).toEqual([WORDS.length, WORDS.length]);

    const again = await compare(['--baseline', '@1.0.0']);
    decided(again.result);
    // The cache holds every answer, yet both sides are drawn anew.
    expect([again.baselineRequests, again.candidateRequests]).toEqual([WORDS.length, WORDS.length]);
    expect(again.run!.comparison!.sampling).toEqual({
      candidate: 'fresh',
      baseline: 'fresh',
      cachedCalls: 0,
      choice: 'default',
      sides: { candidate: { noisy: true, calls: WORDS.length, cached: 0 }, baseline: { noisy: true, calls: WORDS.length, cached: 0 } },
    });
    expect(again.run!.totals.cachedCalls).toBe(0);
    expect(again.result.stdout).toContain(`Sampling:  candidate: drawn fresh, 0 of ${WORDS.length} calls from the cache (noisy: repeat > 1 or temperature not 0); baseline: drawn fresh, 0 of ${WORDS.length} calls from the cache`);
  });

  it('--baseline-cache serves the baseline from the cache, draws the candidate fresh, and every report says so', async () => {
    const reporters = ['console', 'markdown', 'junit', 'html', 'csv'].flatMap((r) => ['--reporter', r]);
    const { result, runDir, run, baselineRequests, candidateRequests } = await compare(['--baseline', '@1.0.0', '--baseline-cache', ...reporters]);
    decided(result);
    expect([baselineRequests, candidateRequests]).toEqual([0, WORDS.length]);
    expect(run!.comparison!.sampling).toMatchObject({
      candidate: 'fresh',
      baseline: 'cache',
      cachedCalls: WORDS.length,
      choice: 'baseline-cache',
      by: '--baseline-cache',
      sides: { candidate: { noisy: true, calls: WORDS.length, cached: 0 }, baseline: { noisy: true, calls: WORDS.length, cached: WORDS.length } },
    });
    expect(run!.cases.every((c) => c.baseline!.repeats.every((r) => r.cached) && c.repeats.every((r) => !r.cached))).toBe(true);

    const statement = `baseline: ${WORDS.length} of ${WORDS.length} calls from the cache (--baseline-cache)`;
    expect(result.stdout).toContain(statement);
    expect(await readFile(join(runDir!, 'summary.md'), 'utf8')).toContain(statement);
    expect(await readFile(join(runDir!, 'junit.xml'), 'utf8')).toMatch(new RegExp(`<property name="sampling" value="[^"]*${statement.replace(/[()]/g, '\\$&')}"/>`));
    expect(await readFile(join(runDir!, 'report.html'), 'utf8')).toContain(statement);
    const [header, ...rows] = parse(await readFile(join(runDir!, 'results.csv'), 'utf8')) as string[][];
    const column = (name: string) => rows.map((row) => row[header.indexOf(name)]);
    expect(column('baseline cached')).toEqual(WORDS.map(() => '1'));
    expect(column('cached')).toEqual(WORDS.map(() => '0'));
  });

  it('temperature 0 and repeat 1: the cache is used as before, on both sides', async () => {
    const cold = await compare(['-c', 'det.config.mjs', '--baseline', '@1.0.0']);
    decided(cold.result);
    expect([cold.baselineRequests, cold.candidateRequests]).toEqual([WORDS.length, WORDS.length]);
    const warm = await compare(['-c', 'det.config.mjs', '--baseline', '@1.0.0']);
    decided(warm.result);
    expect(server.count).toBe(0);
    expect(warm.run!.comparison!.sampling).toEqual({
      candidate: 'cache',
      baseline: 'cache',
      cachedCalls: 2 * WORDS.length,
      choice: 'default',
      sides: { candidate: { noisy: false, calls: WORDS.length, cached: WORDS.length }, baseline: { noisy: false, calls: WORDS.length, cached: WORDS.length } },
    });
    expect(warm.result.stdout).toContain(`candidate: ${WORDS.length} of ${WORDS.length} calls from the cache (deterministic: temperature 0, repeat 1)`);
  });

  it('temperature 0 but repeat 2: the repeats are draws, so both sides skip the (warm) cache', async () => {
    const { result, run, baselineRequests, candidateRequests } = await compare(['-c', 'det.config.mjs', '--baseline', '@1.0.0', '--repeat', '2']);
    decided(result);
    // Repeat 0 of every case is in the cache from the test above; none of it is read.
    expect([baselineRequests, candidateRequests]).toEqual([2 * WORDS.length, 2 * WORDS.length]);
    expect(run!.comparison!.sampling).toMatchObject({ candidate: 'fresh', baseline: 'fresh', cachedCalls: 0, sides: { candidate: { noisy: true }, baseline: { noisy: true } } });
    // pass@2, pass^2 and the flaky cases, per side, agree with the cases' repeats.
    const passes = (side: { repeats: Array<{ grade: { pass: boolean } | null }> }) => side.repeats.filter((r) => r.grade?.pass).length;
    const stats = (counts: number[]) => ({ k: 2, cases: WORDS.length, passAtK: counts.filter((n) => n > 0).length / WORDS.length, passHatK: counts.filter((n) => n === 2).length / WORDS.length, flaky: counts.filter((n) => n === 1).length });
    const candidate = stats(run!.cases.map(passes));
    const baseline = stats(run!.cases.map((c) => passes(c.baseline!)));
    expect(run!.summary[0].repeatStats).toEqual(candidate);
    expect(run!.summary[0].baselineRepeatStats).toEqual(baseline);
    expect(candidate.flaky + baseline.flaky).toBeGreaterThan(0);
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    expect(result.stdout).toContain(`shout › m: candidate pass@2 ${pct(candidate.passAtK)} · pass^2 ${pct(candidate.passHatK)} · ${candidate.flaky} flaky · baseline pass@2 ${pct(baseline.passAtK)}`);
    expect(result.stdout).toMatch(/^Flaky \(\d+\) some but not all repeats passed; flakiest first$/m);
  });

  it('an identical request on both sides is still one call, used by both', async () => {
    const { result, run } = await compare(['--baseline', 'HEAD']);
    decided(result);
    expect(server.count).toBe(WORDS.length);
    expect(run!.comparison!.sampling).toMatchObject({ candidate: 'fresh', baseline: 'fresh', sides: { candidate: { calls: WORDS.length }, baseline: { calls: WORDS.length } } });
    expect(run!.cases.every((c) => c.change === 'unchanged-pass' || c.change === 'unchanged-fail')).toBe(true);
  });

  it('gate.baselineCache in the config is the same choice, named as such; --no-baseline-cache overrides it', async () => {
    const kept = await compare(['-c', 'keep.config.mjs', '--baseline', '@1.0.0']);
    decided(kept.result);
    expect([kept.baselineRequests, kept.candidateRequests]).toEqual([0, WORDS.length]);
    expect(kept.run!.comparison!.sampling).toMatchObject({ baseline: 'cache', choice: 'baseline-cache', by: 'gate.baselineCache' });
    expect(kept.result.stdout).toContain(`baseline: ${WORDS.length} of ${WORDS.length} calls from the cache (gate.baselineCache)`);

    const overridden = await compare(['-c', 'keep.config.mjs', '--baseline', '@1.0.0', '--no-baseline-cache']);
    decided(overridden.result);
    expect([overridden.baselineRequests, overridden.candidateRequests]).toEqual([WORDS.length, WORDS.length]);
    expect(overridden.run!.comparison!.sampling).toMatchObject({ baseline: 'fresh', choice: 'default' });
  });

  it('a run: baseline is stored results: no calls, and run.json says stored', async () => {
    const stored = join((await runFolders(dir))[0], 'run.json');
    const { result, run, baselineRequests, candidateRequests } = await compare(['--baseline', `run:${stored}`]);
    decided(result);
    expect([baselineRequests, candidateRequests]).toEqual([0, WORDS.length]);
    expect(run!.comparison!.sampling).toMatchObject({ candidate: 'fresh', baseline: 'stored', sides: { baseline: { calls: 0 } } });
    expect(result.stdout).toContain("baseline: a stored run's results (no calls)");
  });

  it('--baseline-cache with --no-cache is refused (exit 2, one line); nothing runs', async () => {
    const { result, runDir } = await compare(['--baseline', '@1.0.0', '--baseline-cache', '--no-cache']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(['promptgate: --baseline-cache: --baseline-cache reuses cached baseline answers, and --no-cache reads no cache (drop one of the two flags)']);
    expect(server.count).toBe(0);
    expect(runDir).toBeUndefined();
  });
});
