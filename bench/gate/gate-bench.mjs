#!/usr/bin/env node
/**
 * Power and false-alarm benchmark of the compare gate (src/compare).
 *
 * Simulates a noisy model: case i passes with probability p_i (spread over 0.2..0.95, fixed per
 * seed); the candidate passes with max(0, p_i − drop). Each simulated comparison builds CaseResult
 * objects with per-repeat grades (score: a noisy value on the pass/fail side, so the score test
 * runs on continuous data), then runs compareRows + decideGate with the default gate.
 *
 * Runs the TypeScript sources through jiti (a dependency), so it needs no build and never measures
 * a stale dist/. Usage: `node bench/gate/gate-bench.mjs [--seed N] [--compares N]`.
 * `runGateBench()` is exported for bench/run.mjs. Exits 0 whatever the figures; 1 only when it
 * cannot run.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createJiti } from 'jiti';

const jiti = createJiti(import.meta.url);

async function load() {
  const [gate, stats, defaults] = await Promise.all([
    jiti.import(fileURLToPath(new URL('../../src/compare/gate.ts', import.meta.url))),
    jiti.import(fileURLToPath(new URL('../../src/compare/stats.ts', import.meta.url))),
    jiti.import(fileURLToPath(new URL('../../src/config/defaults.ts', import.meta.url))),
  ]);
  return { ...gate, ...stats, DEFAULT_GATE: defaults.DEFAULT_GATE };
}

function side(random, p, repeats, noisyScore) {
  const outcomes = [];
  let passes = 0;
  let scores = 0;
  for (let r = 0; r < repeats; r++) {
    const pass = random.float() < p;
    const score = noisyScore ? (pass ? 0.6 + 0.4 * random.float() : 0.4 * random.float()) : pass ? 1 : 0;
    passes += pass ? 1 : 0;
    scores += score;
    outcomes.push({
      repeat: r, output: null, error: null, grade: { pass, score, reason: '', assertions: [] },
      modelReported: null, latencyMs: 0, usage: null, costUsd: null, cached: false, attempts: 1,
    });
  }
  const passRate = passes / repeats;
  return {
    promptId: 'sim', promptVersion: '1.0.0', promptHash: 'sim', status: passRate >= 0.5 ? 'pass' : 'fail',
    passRate, meanScore: scores / repeats, repeats: outcomes,
  };
}

function* simulate(random, probs, { drop, repeats, deterministic }) {
  for (let i = 0; i < probs.length; i++) {
    // Deterministic: one fixed outcome per case, the same on both sides.
    const pb = deterministic ? (random.float() < probs[i] ? 1 : 0) : probs[i];
    const pc = deterministic ? pb : Math.max(0, pb - drop);
    const baseline = side(random, pb, repeats, !deterministic);
    const candidate = side(random, pc, repeats, !deterministic);
    yield {
      ...candidate, suite: 'sim', model: 'sim-model', caseId: `case-${i}`, tags: [],
      source: { file: 'sim.csv', line: i + 2 }, vars: {}, baseline,
    };
  }
}

const SCENARIOS = [
  { id: 'a', name: 'identical pass probabilities', drop: 0, repeats: 5, target: 'false alarms', deterministic: false },
  { id: 'b', name: 'candidate 20 points lower', drop: 0.2, repeats: 5, target: 'power', min: 0.95, deterministic: false },
  { id: 'c', name: 'candidate 5 points lower', drop: 0.05, repeats: 5, target: 'power', deterministic: false },
  { id: 'd', name: 'identical, deterministic, repeat 1', drop: 0, repeats: 1, target: 'false alarms', max: 0, deterministic: true },
];

/** Runs every scenario; returns the figures and a Markdown report. */
export async function runGateBench({ seed = 20240601, compares = 200, cases = 200 } = {}) {
  const lib = await load();
  const gate = lib.DEFAULT_GATE;
  const started = performance.now();
  const rows = [];
  for (const [index, scenario] of SCENARIOS.entries()) {
    const t0 = performance.now();
    const caseRandom = lib.createRandom(seed + index * 7919);
    const probs = Array.from({ length: cases }, () => 0.2 + 0.75 * ((caseRandom.float() + caseRandom.float()) / 2));
    let failed = 0;
    const tests = new Set();
    for (let j = 0; j < compares; j++) {
      const random = lib.createRandom(seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(j + 1, 0x85ebca6b));
      const compared = lib.compareRows(simulate(random, probs, scenario), { repeat: scenario.repeats, gate });
      compared.forEach((row) => tests.add(row.test));
      if (lib.decideGate(compared, gate).verdict === 'fail') failed++;
    }
    const rate = failed / compares;
    let limit;
    let met;
    if (scenario.target === 'power') {
      limit = scenario.min === undefined ? 'report' : `\u2265 ${scenario.min * 100}%`;
      met = scenario.min === undefined ? '\u2014' : rate >= scenario.min ? 'yes' : 'NO';
    } else {
      const bound = scenario.max ?? gate.alpha * compares + 2 * Math.sqrt(compares * gate.alpha * (1 - gate.alpha));
      limit = `\u2264 ${Number(bound.toFixed(1))} of ${compares}`;
      met = failed <= bound ? 'yes' : 'NO';
    }
    rows.push({ ...scenario, failed, rate, limit, met, tests: [...tests].join(', '), seconds: (performance.now() - t0) / 1000 });
  }
  const seconds = (performance.now() - started) / 1000;
  const markdown = [
    `### Gate power and false alarms (seed ${seed}, ${compares} compares per scenario, alpha ${gate.alpha})`,
    '',
    '| scenario | cases \u00d7 repeats | measure | gate failed | rate | target | met | test | time |',
    '|---|---|---|---:|---:|---|---|---|---:|',
    ...rows.map((r) =>
      `| (${r.id}) ${r.name} | ${cases} \u00d7 ${r.repeats} | ${r.target} | ${r.failed} | ${(r.rate * 100).toFixed(1)}% | ${r.limit} | ${r.met} | ${r.tests} | ${r.seconds.toFixed(1)} s |`),
    '',
    `Total runtime ${seconds.toFixed(1)} s on ${process.version}. False-alarm bound: alpha\u00b7N + 2\u00b7\u221a(N\u00b7alpha\u00b7(1\u2212alpha)).`,
  ].join('\n');
  return { seed, compares, cases, seconds, rows, markdown };
}

function argument(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const result = await runGateBench({ seed: argument('seed', undefined), compares: argument('compares', undefined) });
    console.log(result.markdown);
  } catch (error) {
    console.error(`gate bench could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
