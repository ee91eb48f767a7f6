/**
 * The end-to-end gate benchmark's own parts (bench/gate/): the noisy server's seeded draws, the
 * scenarios' pass probabilities, the 95% interval and the verdict bookkeeping. In-process and fast;
 * the benchmark itself (`npm run bench:gate:e2e`) is not part of `npm test`.
 */
import { Agent, request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';

// The bench is plain .mjs without type declarations: loaded by URL, typed here by what the tests use.
type Side = 'baseline' | 'candidate';
interface NoisyServer {
  url: string;
  keyOf(run: number): string;
  register(run: number, spec: { probability(suite: string, model: string, caseIndex: number, side: Side): number }): void;
  unregister(run: number): void;
  calls(run: number): number;
  rejected(): number;
  close(): Promise<void>;
}
interface Spec {
  table: Map<string, { baseline: number[]; candidate: number[] }>;
  probability(suite: string, model: string, caseIndex: number, side: Side): number;
}
interface Scenario {
  id: string;
  cases: number;
}
interface Row {
  byExit: Record<string, number>;
  measured: string;
  met: string;
  notes: string[];
}
const load = async <T>(path: string): Promise<T> => (await import(new URL(path, import.meta.url).href)) as T;
const server = await load<{
  uniform(...parts: unknown[]): number;
  difficulty(...key: unknown[]): number;
  draw(at: { seed: number; run: number; suite: string; model: string; caseIndex: number; side: Side; repeat: number }, p: number): boolean;
  startNoisyServer(options: { seed: number }): Promise<NoisyServer>;
  POPULATION_RATE: number;
}>('../../bench/gate/noisy-server.mjs');
const { wilson, formatShare } = await load<{ wilson(k: number, n: number): [number, number]; formatShare(k: number, n: number): string }>('../../bench/gate/interval.mjs');
const scenarios = await load<{
  SCENARIOS: Scenario[];
  probabilitySpec(s: Scenario, at: { seed: number; run: number }): Spec;
  specFactory(s: Scenario, seed: number): (run: number) => Spec;
  compareArgs(s: Scenario, out?: string): string[];
  projectFiles(s: Scenario, baseURL: string): { initial: Record<string, string>; candidatePrompts: Record<string, string> };
}>('../../bench/gate/scenarios.mjs');
const e2e = await load<{
  recordOf(result: { code: number; wallMs: number; calls: number; stderr: string }, runJson: unknown): Record<string, unknown> & { byExit: string; verdict: string };
  tally(records: object[], field: string): Record<string, number>;
  verdictOnTarget(k: number, n: number, target: { op: '<=' | '>='; share: number }): string;
  summarize(s: Scenario, records: object[], wallMs: number): Row;
}>('../../bench/gate/e2e.mjs');

const scenario = (id: string): Scenario => {
  const s = scenarios.SCENARIOS.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('noisy server: seeded draws', () => {
  it('uniform() is a pure function of its parts, in [0, 1), and every part matters', () => {
    const u = server.uniform(1, 'draw', 2, 's1', 'm', 3, 'baseline', 0);
    expect(server.uniform(1, 'draw', 2, 's1', 'm', 3, 'baseline', 0)).toBe(u);
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThan(1);
    const variants = [
      [2, 'draw', 2, 's1', 'm', 3, 'baseline', 0],
      [1, 'draw', 3, 's1', 'm', 3, 'baseline', 0],
      [1, 'draw', 2, 's2', 'm', 3, 'baseline', 0],
      [1, 'draw', 2, 's1', 'n', 3, 'baseline', 0],
      [1, 'draw', 2, 's1', 'm', 4, 'baseline', 0],
      [1, 'draw', 2, 's1', 'm', 3, 'candidate', 0],
      [1, 'draw', 2, 's1', 'm', 3, 'baseline', 1],
    ];
    for (const parts of variants) expect(server.uniform(...parts)).not.toBe(u);
  });

  it('draw() passes with the given probability (20,000 fixed draws), always at p = 1, never at p = 0', () => {
    const at = (repeat: number) => ({ seed: 9, run: 1, suite: 's1', model: 'm', caseIndex: 0, side: 'candidate' as const, repeat });
    const n = 20_000;
    let passes = 0;
    for (let r = 0; r < n; r++) passes += server.draw(at(r), 0.3) ? 1 : 0;
    // sd of the share is 0.0032: 5 sd either side (the draws are fixed, so this never flakes).
    expect(passes / n).toBeGreaterThan(0.284);
    expect(passes / n).toBeLessThan(0.316);
    // Repeats where p = 1 failed or p = 0 passed, collected for one assertion.
    const wrong: string[] = [];
    for (let r = 0; r < 200; r++) {
      if (server.draw(at(r), 1) !== true) wrong.push(`repeat ${r} failed at p = 1`);
      if (server.draw(at(r), 0) !== false) wrong.push(`repeat ${r} passed at p = 0`);
    }
    expect(wrong).toEqual([]);
  });

  it('difficulty() is U-shaped with the population mean (4,000 cases)', () => {
    const ps = Array.from({ length: 4000 }, (_, i) => server.difficulty(5, 'suite', 's1', i));
    expect(ps.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(server.POPULATION_RATE).toBe(0.7);
    expect(Math.abs(mean(ps) - 0.7)).toBeLessThan(0.02);
    const share = (lo: number, hi: number) => ps.filter((p) => p >= lo && p < hi).length / ps.length;
    // U-shaped: the ends hold more than the middle.
    expect(share(0.9, 1.01)).toBeGreaterThan(3 * share(0.45, 0.55));
    expect(share(0, 0.1)).toBeGreaterThan(share(0.45, 0.55));
  });
});

describe('noisy server over HTTP', () => {
  const started: NoisyServer[] = [];
  const start = async (seed: number) => {
    const s = await server.startNoisyServer({ seed });
    started.push(s);
    return s;
  };
  // Node's own HTTP client with keep-alive, not fetch: the server is what is tested here, and a
  // fetch costs about three times the CPU of a request through node:http (~480 requests below).
  const agent = new Agent({ keepAlive: true });
  afterAll(async () => {
    agent.destroy();
    await Promise.all(started.map((s) => s.close()));
  });

  const CASES = 12;
  const REPEATS = 4;
  const requests = () => {
    const list: Array<{ caseIndex: number; side: Side }> = [];
    for (let r = 0; r < REPEATS; r++) for (let c = 0; c < CASES; c++) for (const side of ['baseline', 'candidate'] as const) list.push({ caseIndex: c, side });
    return list;
  };
  /** POSTs one chat completion; resolves to the status and the parsed body. */
  const post = (s: NoisyServer, run: number, { caseIndex, side }: { caseIndex: number; side: Side }, mark = true) => {
    const body = JSON.stringify({
      model: 'noisy-m1',
      messages: [
        { role: 'system', content: `Reply with PASS or FAIL.${mark ? ` [pgb suite=s1 v=${side === 'baseline' ? '1.0.0' : '1.1.0'}]` : ''}` },
        { role: 'user', content: `case ${caseIndex}` },
      ],
    });
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${s.keyOf(run)}` };
    return new Promise<{ status: number; json(): unknown }>((resolve, reject) => {
      const req = request(`${s.url}/chat/completions`, { method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, json: () => JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  /** Passes per case and side, over all repeats. */
  const passesOf = async (s: NoisyServer, run: number, order: 'sequential' | 'reversed-concurrent') => {
    const list = requests();
    // Answers other than 200, collected for one assertion after all the requests.
    const notOk: string[] = [];
    const answer = async (req: { caseIndex: number; side: Side }) => {
      const res = await post(s, run, req);
      if (res.status !== 200) {
        notOk.push(`case ${req.caseIndex} ${req.side}: ${res.status}`);
        return { ...req, pass: false };
      }
      const body = res.json() as { choices: Array<{ message: { content: string } }> };
      return { ...req, pass: body.choices[0].message.content === 'PASS' };
    };
    const answers = [];
    if (order === 'sequential') for (const req of list) answers.push(await answer(req));
    else answers.push(...(await Promise.all([...list].reverse().map(answer))));
    expect(notOk).toEqual([]);
    const passes: Record<string, number> = {};
    for (const a of answers) passes[`${a.caseIndex}/${a.side}`] = (passes[`${a.caseIndex}/${a.side}`] ?? 0) + (a.pass ? 1 : 0);
    return passes;
  };
  const expected = (seed: number, run: number, p: (c: number, side: Side) => number) => {
    const passes: Record<string, number> = {};
    for (let c = 0; c < CASES; c++) {
      for (const side of ['baseline', 'candidate'] as const) {
        let k = 0;
        for (let r = 0; r < REPEATS; r++) k += server.draw({ seed, run, suite: 's1', model: 'noisy-m1', caseIndex: c, side, repeat: r }, p(c, side)) ? 1 : 0;
        passes[`${c}/${side}`] = k;
      }
    }
    return passes;
  };
  const p = (c: number, side: Side) => (side === 'baseline' ? 0.5 : 0.3 + c / 40);

  it('answers each case and side with the draws of its repeat indices, whatever the order and concurrency of the requests', async () => {
    const a = await start(11);
    const b = await start(11);
    a.register(3, { probability: (_suite, _model, c, side) => p(c, side) });
    b.register(3, { probability: (_suite, _model, c, side) => p(c, side) });
    const inOrder = await passesOf(a, 3, 'sequential');
    const shuffled = await passesOf(b, 3, 'reversed-concurrent');
    expect(inOrder).toEqual(expected(11, 3, p));
    expect(shuffled).toEqual(inOrder);
    expect(a.calls(3)).toBe(CASES * 2 * REPEATS);
    // Another run index on the same server, or another seed, draws otherwise.
    a.register(4, { probability: (_suite, _model, c, side) => p(c, side) });
    const otherRun = await passesOf(a, 4, 'sequential');
    expect(otherRun).toEqual(expected(11, 4, p));
    expect(otherRun).not.toEqual(inOrder);
    const c = await start(12);
    c.register(3, { probability: (_suite, _model, i, side) => p(i, side) });
    expect(await passesOf(c, 3, 'sequential')).not.toEqual(inOrder);
  });

  it('refuses requests of an unregistered run and requests that are not the bench\'s, and counts them', async () => {
    const s = await start(1);
    s.register(1, { probability: () => 1 });
    expect((await post(s, 2, { caseIndex: 0, side: 'baseline' })).status).toBe(400);
    expect((await post(s, 1, { caseIndex: 0, side: 'baseline' }, false)).status).toBe(400);
    expect(s.rejected()).toBe(2);
    expect(s.calls(1)).toBe(0);
    s.unregister(1);
    expect((await post(s, 1, { caseIndex: 0, side: 'baseline' })).status).toBe(400);
  });
});

describe('scenarios', () => {
  const seed = 20240601;
  const spec = (id: string, run = 0) => scenarios.probabilitySpec(scenario(id), { seed, run }).table.get('s1')!;

  it('no change: both sides have the same pass probability on every case', () => {
    for (const id of ['null-r1', 'null-r3', 'null-20-r3', 'cache-r3']) {
      const { baseline, candidate } = spec(id);
      expect(candidate).toEqual(baseline);
      expect(baseline).toHaveLength(scenario(id).cases);
    }
    expect(scenarios.probabilitySpec(scenario('null-rows10'), { seed, run: 0 }).table.size).toBe(5);
  });

  it('5 of 200 cases go from always-pass to always-fail; the rest are untouched', () => {
    const { baseline, candidate } = spec('broken5-r3');
    const broken = baseline.map((pb, i) => [pb, candidate[i]]).filter(([pb, pc]) => pb !== pc);
    expect(broken).toEqual(Array.from({ length: 5 }, () => [1, 0]));
  });

  it('a 20-point drop lowers the suite mean by exactly 0.20; one coin among 199 deterministic cases', () => {
    const drop = spec('drop20-r1');
    expect(mean(drop.baseline) - mean(drop.candidate)).toBeCloseTo(0.2, 12);
    expect(drop.candidate.every((pc) => pc >= 0 && pc <= 1)).toBe(true);
    const coin = spec('one-coin-r1');
    expect(coin.baseline.filter((pb) => pb !== 0 && pb !== 1)).toEqual([0.5]);
    expect(coin.candidate).toEqual(coin.baseline);
    const det = spec('det-broken4-r3');
    expect(det.baseline.every((pb) => pb === 0 || pb === 1)).toBe(true);
    expect(det.baseline.filter((pb, i) => pb !== det.candidate[i])).toHaveLength(4);
  });

  it('the floor scenario redraws the suite for each compare; the others keep one suite', () => {
    const floor = scenarios.specFactory(scenario('floor-r3'), seed);
    expect(floor(1).table.get('s1')!.baseline).not.toEqual(floor(2).table.get('s1')!.baseline);
    const fixed = scenarios.specFactory(scenario('null-r3'), seed);
    expect(fixed(1)).toBe(fixed(2));
    expect(spec('null-r3')).toEqual(spec('null-r1'));
  });

  it('the CLI arguments and the project: --no-cache unless the scenario is about the cache; 1.1.0 reworded', () => {
    expect(scenarios.compareArgs(scenario('null-r1'))).toEqual(['--baseline', '@1.0.0', '--no-cache']);
    expect(scenarios.compareArgs(scenario('null-r5'), '/tmp/x')).toEqual(['--baseline', '@1.0.0', '--no-cache', '--repeat', '5', '--out', '/tmp/x']);
    expect(scenarios.compareArgs(scenario('broken5-adaptive'))).toEqual(['--baseline', '@1.0.0', '--no-cache', '--adaptive']);
    expect(scenarios.compareArgs(scenario('cache-r3'))).toEqual(['--baseline', '@1.0.0', '--repeat', '3']);
    const { initial, candidatePrompts } = scenarios.projectFiles(scenario('null-r1'), 'http://127.0.0.1:1/v1');
    expect(initial['prompts/s1.prompt']).toContain('version: 1.0.0');
    expect(initial['prompts/s1.prompt']).toContain('[pgb suite=s1 v=1.0.0]');
    expect(candidatePrompts['prompts/s1.prompt']).toContain('[pgb suite=s1 v=1.1.0]');
    expect(initial['evals/s1.csv'].trim().split('\n')).toHaveLength(201);
  });
});

describe('95% Wilson interval', () => {
  it('matches the closed form at known points', () => {
    const [lo, hi] = wilson(5, 100);
    expect(lo).toBeCloseTo(0.02155, 4);
    expect(hi).toBeCloseTo(0.11175, 4);
    expect(wilson(0, 10)[0]).toBe(0);
    expect(wilson(0, 10)[1]).toBeCloseTo(0.27753, 4);
    expect(wilson(10, 10)[1]).toBe(1);
    expect(wilson(0, 0)).toEqual([0, 1]);
    expect(formatShare(5, 100)).toBe('5.0% [2.2, 11.2]');
  });

  it('is symmetric: the interval of n − k is 1 minus the interval of k', () => {
    for (const [k, n] of [[3, 40], [17, 50], [0, 7], [199, 200]]) {
      const [lo, hi] = wilson(k, n);
      const [lo2, hi2] = wilson(n - k, n);
      expect(lo).toBeCloseTo(1 - hi2, 12);
      expect(hi).toBeCloseTo(1 - lo2, 12);
      expect(lo).toBeLessThanOrEqual(k / n);
      expect(hi).toBeGreaterThanOrEqual(k / n);
    }
    expect(() => wilson(5, 4)).toThrow(RangeError);
  });
});

describe('verdict bookkeeping', () => {
  const record = (code: number, verdict?: string) =>
    e2e.recordOf({ code, wallMs: 10, calls: 400, stderr: 'promptgate: something\n' }, verdict ? { gate: { verdict, reasons: [] }, comparison: { rows: [] }, totals: { calls: 400, cachedCalls: 0 } } : undefined);

  it('reads the verdict from the exit code (0/1/4/3) and from run.json, and keeps the message of an unexpected exit', () => {
    expect(record(0, 'pass')).toMatchObject({ byExit: 'pass', verdict: 'pass' });
    expect(record(1, 'fail')).toMatchObject({ byExit: 'fail', verdict: 'fail' });
    expect(record(4, 'inconclusive')).toMatchObject({ byExit: 'inconclusive', verdict: 'inconclusive' });
    expect(record(3, 'error')).toMatchObject({ byExit: 'error', verdict: 'error' });
    expect(record(2)).toMatchObject({ byExit: 'other', verdict: 'missing', message: 'promptgate: something' });
    const counts = e2e.tally([record(0, 'pass'), record(1, 'fail'), record(1, 'fail'), record(4, 'inconclusive'), record(2)], 'byExit');
    expect(counts).toEqual({ pass: 1, fail: 2, inconclusive: 1, error: 0, other: 1 });
  });

  it('a target is met by the share, within error by the interval, or not', () => {
    const max5 = { op: '<=' as const, share: 0.05 };
    const min95 = { op: '>=' as const, share: 0.95 };
    expect(e2e.verdictOnTarget(5, 100, max5)).toBe('yes');
    expect(e2e.verdictOnTarget(9, 100, max5)).toBe('within error');
    expect(e2e.verdictOnTarget(20, 100, max5)).toBe('no');
    expect(e2e.verdictOnTarget(95, 100, min95)).toBe('yes');
    expect(e2e.verdictOnTarget(92, 100, min95)).toBe('within error');
    expect(e2e.verdictOnTarget(80, 100, min95)).toBe('no');
  });

  it('summarizes a scenario: counts by exit code, the share with its interval, disagreements noted', () => {
    const records = [record(0, 'pass'), record(1, 'fail'), record(1, 'pass'), record(4, 'inconclusive')];
    const row = e2e.summarize(scenario('null-r1'), records, 1000);
    expect(row.byExit).toMatchObject({ pass: 1, fail: 2, inconclusive: 1, error: 0 });
    expect(row.measured).toBe(`fail ${formatShare(2, 4)}`);
    expect(row.met).toBe('no');
    expect(row.notes.join(' ')).toContain('1× exit 1 with run.json verdict pass');
  });
});
