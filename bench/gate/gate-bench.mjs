#!/usr/bin/env node
/**
 * Function-level benchmark of the compare gate (src/compare): false alarms, power and how often it
 * says "inconclusive", on simulated noisy models, with 95% (Wilson) intervals on every rate.
 *
 * The noise model (as in issue 13's audit): each case passes with its own probability p_i,
 * U-shaped over cases (p = sin²(πu/2), u uniform: most cases almost always pass or almost always
 * fail, some are coin flips), redrawn for every simulated comparison (the suite is a sample of a
 * population of cases). Each repeat is an independent draw. The candidate passes with
 * max(0, p_i − drop), or a few cases break (always-pass → always-fail). Each comparison builds
 * CaseResult objects, runs compareRows + decideGate with the default gate (margin 0.02, alpha
 * 0.05, no maxRegressions), and counts the overall verdict. It also checks, on every row, that the
 * interval agrees with the verdict (U < 0 ⇔ fail by the mean test; L > −margin ⇔ pass).
 *
 * Runs the TypeScript sources through jiti (a dependency), so it needs no build and never measures
 * a stale dist/. Usage: `node bench/gate/gate-bench.mjs [--seed N] [--compares N] [--only id,id] [--difficulty arcsine|beta73]`.
 * `runGateBench()` is exported for bench/run.mjs. Exits 0 whatever the figures; 1 only when it
 * cannot run.
 */
import { DIFFICULTY, importSources, runFromCommandLine } from './simulation.mjs';

const load = () =>
  importSources(
    new URL('../../src/compare/gate.ts', import.meta.url),
    new URL('../../src/compare/stats.ts', import.meta.url),
    new URL('../../src/config/defaults.ts', import.meta.url),
    new URL('../../src/compare/floor-test.ts', import.meta.url),
  );

function side(random, p, repeats) {
  const outcomes = [];
  let passes = 0;
  for (let r = 0; r < repeats; r++) {
    const pass = random.float() < p;
    passes += pass ? 1 : 0;
    outcomes.push({
      repeat: r, output: null, error: null, grade: { pass, score: pass ? 1 : 0, reason: '', assertions: [] },
      modelReported: null, latencyMs: 0, usage: null, costUsd: null, cached: false, attempts: 1,
    });
  }
  const passRate = passes / repeats;
  return { promptId: 'sim', promptVersion: '1.0.0', promptHash: 'sim', status: passRate >= 0.5 ? 'pass' : 'fail', passRate, meanScore: passRate, repeats: outcomes };
}

/** The U-shaped pass chance of a simulated case (`--difficulty`: arcsine unless beta73). */
let uShaped = DIFFICULTY.arcsine;

/**
 * One simulated comparison's cases. `suites` × `models` rows of `cases` cases; a case has one
 * pass chance per model (drawn independently), the same case id under both models.
 */
function simulate(random, s) {
  const out = [];
  for (let suite = 0; suite < (s.suites ?? 1); suite++) {
    const chances = Array.from({ length: s.cases }, (_, i) => (s.deterministic ? (i < s.cases * 0.8 ? 1 : 0) : uShaped(random)));
    for (let model = 0; model < (s.models ?? 1); model++) {
      for (let i = 0; i < s.cases; i++) {
        const pb = s.coin !== undefined ? (i === 0 ? 0.5 : i <= s.cases * 0.7 ? 1 : 0) : model === 0 ? chances[i] : uShaped(random);
        let pc = Math.max(0, pb - (s.drop ?? 0));
        if (s.broken && i < s.broken) {
          out.push(pair(random, 1, 0, s, suite, model, i));
          continue;
        }
        if (s.coin !== undefined) pc = pb;
        out.push(pair(random, pb, pc, s, suite, model, i));
      }
    }
  }
  return out;
}

function pair(random, pb, pc, s, suite, model, i) {
  const baseline = side(random, pb, s.repeats);
  const candidate = side(random, pc, s.repeats);
  return { ...candidate, suite: `suite-${suite}`, model: `model-${model}`, caseId: `case-${i}`, tags: [], source: { file: 'sim.csv', line: i + 2 }, vars: {}, baseline };
}

const SCENARIOS = [
  { id: 'null-r1', name: 'no change, repeat 1', cases: 200, repeats: 1, measure: 'false alarms', max: 0.05 },
  { id: 'null-r3', name: 'no change, repeat 3', cases: 200, repeats: 3, measure: 'false alarms', max: 0.05 },
  { id: 'null-r5', name: 'no change, repeat 5', cases: 200, repeats: 5, measure: 'false alarms', max: 0.05 },
  { id: 'null-10rows', name: 'no change, 5 suites × 2 models (10 rows), repeat 3', cases: 100, suites: 5, models: 2, repeats: 3, measure: 'false alarms', max: 0.05 },
  { id: 'coin', name: 'one 50/50 case among 199 deterministic ones, repeat 1', cases: 200, repeats: 1, coin: true, measure: 'false alarms', max: 0.05 },
  { id: 'drop20-r1', name: 'candidate 20 points lower, repeat 1', cases: 200, repeats: 1, drop: 0.2, measure: 'power', min: 0.95 },
  { id: 'drop20-r3', name: 'candidate 20 points lower, repeat 3', cases: 200, repeats: 3, drop: 0.2, measure: 'power', min: 0.95 },
  { id: 'drop5-r5', name: 'candidate 5 points lower, repeat 5', cases: 200, repeats: 5, drop: 0.05, measure: 'power' },
  { id: 'broken5-r3', name: '5 of 200 cases always-pass → always-fail, repeat 3', cases: 200, repeats: 3, broken: 5, measure: 'power' },
  { id: 'broken5-r5', name: '5 of 200 cases always-pass → always-fail, repeat 5', cases: 200, repeats: 5, broken: 5, measure: 'power' },
  { id: 'broken5-r10', name: '5 of 200 cases always-pass → always-fail, repeat 10', cases: 200, repeats: 10, broken: 5, measure: 'power' },
  { id: 'det5-r3', name: 'deterministic suite, 5 of 20 cases broken, repeat 3', cases: 20, repeats: 3, broken: 5, deterministic: true, measure: 'power', min: 0.95 },
  // Four flips are p = 1/16 with the conventional p-value: inconclusive, never a pass (maxRegressions is the tool for deterministic suites).
  { id: 'det4-r3', name: 'deterministic suite, 4 of 20 cases broken, repeat 3 (p = 1/16)', cases: 20, repeats: 3, broken: 4, deterministic: true, measure: 'inconclusive' },
  { id: 'small-null-r3', name: 'no change, 20 cases, repeat 3', cases: 20, repeats: 3, measure: 'inconclusive', min: 0.5 },
  { id: 'margin-r1', name: 'candidate about 2.2 points lower (beyond the margin), repeat 1', cases: 200, repeats: 1, drop: 0.025, measure: 'false passes', max: 0.05 },
  { id: 'margin-r3', name: 'candidate about 2.2 points lower (beyond the margin), repeat 3', cases: 200, repeats: 3, drop: 0.025, measure: 'false passes', max: 0.05 },
  { id: 'margin-small', name: 'candidate about 2.2 points lower (beyond the margin), 20 cases, repeat 3', cases: 20, repeats: 3, drop: 0.025, measure: 'false passes', max: 0.05 },
  { id: 'broken5-r1-pass', name: '5 of 200 cases broken (Δ = −0.025, beyond the margin), repeat 1', cases: 200, repeats: 1, broken: 5, measure: 'false passes', max: 0.05 },
  { id: 'null-r10', name: 'no change, 200 cases, repeat 10 (how often it passes)', cases: 200, repeats: 10, measure: 'pass' },
];

/** Wilson 95% interval for k of n. */
function wilson(k, n) {
  const z = 1.959963984540054;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const pct = (v) => `${(v * 100).toFixed(1)}%`;

/** The floor under clustering: a suite of `cases` drawn from a population whose mean rate is the floor. */
function floorScenario(lib, seed, compares, { cases, repeats }) {
  const random = lib.createRandom(seed);
  // U-shaped population has mean ½: the floor is ½.
  let failed = 0;
  for (let j = 0; j < compares; j++) {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < cases; i++) {
      const p = uShaped(random);
      let passes = 0;
      for (let r = 0; r < repeats; r++) passes += random.float() < p ? 1 : 0;
      sum += passes / repeats;
      squares += (passes / repeats) ** 2;
    }
    const result = lib.floorTest({ cases, rateSum: sum, rateSquares: squares, trials: cases * repeats }, 0.5, 0.05);
    if (result.outcome === 'below') failed++;
    // The pooled Clopper–Pearson bound the old gate used, for contrast.
  }
  return failed;
}

/** Runs every scenario; returns the figures and a Markdown report. */
export async function runGateBench({ seed = 20240601, compares = 400, only, difficulty = 'arcsine' } = {}) {
  uShaped = difficulty === 'beta73' ? DIFFICULTY.beta73 : DIFFICULTY.arcsine;
  const lib = await load();
  const gate = lib.DEFAULT_GATE;
  const started = performance.now();
  const rows = [];
  const disagreements = [];
  for (const [index, scenario] of SCENARIOS.entries()) {
    if (only && !only.includes(scenario.id)) continue;
    const t0 = performance.now();
    const tally = { pass: 0, fail: 0, inconclusive: 0, error: 0 };
    const tests = new Set();
    for (let j = 0; j < compares; j++) {
      const random = lib.createRandom(seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(j + 1, 0x85ebca6b));
      const compared = lib.compareRows(simulate(random, scenario), { repeat: scenario.repeats, gate });
      for (const row of compared) {
        tests.add(row.test);
        const [L, U] = row.passRateDeltaCi;
        const meanFailed = row.reasons.some((r) => r.includes('significantly worse, '));
        if ((U < 0) !== meanFailed) disagreements.push(`${scenario.id}#${j} ${row.suite}×${row.model}: U ${U} but mean test ${meanFailed ? 'failed' : 'did not fail'}`);
        if (row.verdict !== 'fail' && (L > -gate.margin) !== (row.verdict === 'pass')) disagreements.push(`${scenario.id}#${j} ${row.suite}×${row.model}: L ${L} but verdict ${row.verdict}`);
      }
      tally[lib.decideGate(compared, gate).verdict]++;
    }
    const key = scenario.measure === 'false alarms' || scenario.measure === 'power' ? 'fail' : scenario.measure === 'false passes' ? 'pass' : scenario.measure;
    const k = tally[key];
    const [lo, hi] = wilson(k, compares);
    const rate = k / compares;
    let target = 'report';
    let met = '\u2014';
    if (scenario.max !== undefined) {
      target = `\u2264 ${pct(scenario.max)}`;
      met = rate <= scenario.max ? 'yes' : lo <= scenario.max ? 'within error' : 'NO';
    } else if (scenario.min !== undefined) {
      target = `\u2265 ${pct(scenario.min)}`;
      met = rate >= scenario.min ? 'yes' : hi >= scenario.min ? 'within error' : 'NO';
    }
    rows.push({ ...scenario, tally, k, rate, lo, hi, target, met, tests: [...tests].join(', '), seconds: (performance.now() - t0) / 1000 });
  }
  const floorRows = [];
  if (!only || only.includes('floor')) {
    for (const repeats of [1, 3]) {
      const t0 = performance.now();
      const failed = floorScenario(lib, seed + repeats, compares * 5, { cases: 100, repeats });
      const [lo, hi] = wilson(failed, compares * 5);
      floorRows.push({ repeats, failed, n: compares * 5, lo, hi, seconds: (performance.now() - t0) / 1000 });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const markdown = [
    `### Gate false alarms, power and inconclusive verdicts (seed ${seed}, ${compares} comparisons per scenario, alpha ${gate.alpha}, margin ${gate.margin})`,
    '',
    '| scenario | cases × repeats | measure | count | rate (95% CI) | target | met | pass / fail / inconclusive | test | time |',
    '|---|---|---|---:|---|---|---|---|---|---:|',
    ...rows.map((r) =>
      `| ${r.name} | ${(r.suites ?? 1) * (r.models ?? 1) > 1 ? `${r.suites}×${r.models} rows × ` : ''}${r.cases} × ${r.repeats} | ${r.measure} | ${r.k} | ${pct(r.rate)} (${pct(r.lo)} … ${pct(r.hi)}) | ${r.target} | ${r.met} | ${r.tally.pass} / ${r.tally.fail} / ${r.tally.inconclusive} | ${r.tests} | ${r.seconds.toFixed(1)} s |`),
    ...(floorRows.length
      ? [
          '',
          '| floor scenario | suites | failed the floor | rate (95% CI) | target | time |',
          '|---|---:|---:|---|---|---:|',
          ...floorRows.map((f) => `| 100 cases × repeat ${f.repeats}, population rate = floor (0.5), suite redrawn | ${f.n} | ${f.failed} | ${pct(f.failed / f.n)} (${pct(f.lo)} … ${pct(f.hi)}) | \u2264 5.0% | ${f.seconds.toFixed(1)} s |`),
        ]
      : []),
    '',
    `Interval–verdict disagreements over every row: ${disagreements.length}${disagreements.length ? ` (first: ${disagreements[0]})` : ''}.`,
    `Total runtime ${seconds.toFixed(1)} s on ${process.version}.`,
  ].join('\n');
  return { seed, compares, seconds, rows, floorRows, disagreements, markdown };
}

await runFromCommandLine(import.meta.url, 'gate bench', 'arcsine', runGateBench);
