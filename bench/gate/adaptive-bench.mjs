#!/usr/bin/env node
/**
 * Function-level benchmark of adaptive repeats (src/compare/adaptive.ts): false alarms, power,
 * false passes and calls, on simulated noisy models, with 95% (Wilson) intervals.
 *
 * The same loop the engine runs (runner/adaptive-rounds.ts), with simulated draws instead of calls:
 * round 1 draws every case `startRepeats` times a side; `createAdaptiveGate().look()` plans the
 * next round (side-blind) and tests at this look's alpha; the loop draws the planned repeats and
 * looks again, until the gate fails or the plan is empty (budget spent, no case left to repeat).
 *
 * Each case passes with its own probability, U-shaped over cases (`--difficulty beta73`, the
 * default: Beta(0.7, 0.3) as the end-to-end bench's server; `arcsine`: Beta(½, ½) as
 * gate-bench.mjs), redrawn for every comparison. Scenarios: no change (one row, and 10 rows:
 * 5 suites × 2 models), 5 of 200 cases always-pass → always-fail, a 20-point drop, a drop just
 * beyond the margin (false passes), 20 cases (how often inconclusive). The `naive` rows show what
 * pooling every repeat into the pass rates would do (the design's reason to read round 1 only).
 *
 * Runs the TypeScript sources through jiti. Usage: `node bench/gate/adaptive-bench.mjs [--seed N]
 * [--compares N] [--only id,id] [--difficulty beta73|arcsine]`. Exits 0 whatever the figures.
 */
import { formatShare, wilson } from './interval.mjs';
import { DIFFICULTY, importSources, runFromCommandLine } from './simulation.mjs';

const load = () =>
  importSources(
    new URL('../../src/compare/adaptive.ts', import.meta.url),
    new URL('../../src/compare/gate.ts', import.meta.url),
    new URL('../../src/compare/stats.ts', import.meta.url),
    new URL('../../src/config/defaults.ts', import.meta.url),
  );

const PASS = { pass: true, score: 1, reason: '', assertions: [] };
const FAIL = { pass: false, score: 0, reason: '', assertions: [] };
const outcome = (repeat, pass) => ({ repeat, output: null, error: null, grade: pass ? PASS : FAIL, modelReported: null, latencyMs: 0, usage: null, costUsd: null, cached: false, attempts: 1 });

function sideOf(repeats) {
  const passes = repeats.filter((r) => r.grade.pass).length;
  const passRate = repeats.length ? passes / repeats.length : 0;
  return { promptId: 'sim', promptVersion: '1.0.0', promptHash: 'sim', status: passRate >= 0.5 ? 'pass' : 'fail', passRate, meanScore: passRate, repeats };
}

function caseOf(unit, candidate, baseline) {
  return { ...sideOf(candidate), suite: unit.suite, model: unit.model, caseId: unit.caseId, tags: [], source: { file: 'sim.csv', line: 2 }, vars: {}, baseline: sideOf(baseline) };
}

/** The units of one comparison with their pass chances. */
function suiteOf(random, s, difficulty) {
  const units = [];
  for (let suite = 0; suite < (s.suites ?? 1); suite++) {
    const chances = Array.from({ length: s.cases }, () => difficulty(random));
    for (let model = 0; model < (s.models ?? 1); model++) {
      for (let i = 0; i < s.cases; i++) {
        let pb = model === 0 ? chances[i] : difficulty(random);
        let pc = Math.max(0, pb - (s.drop ?? 0));
        if (s.scale) pc = pb * s.scale;
        if (s.broken && i % Math.floor(s.cases / s.broken) === 7 % Math.floor(s.cases / s.broken)) {
          pb = 1;
          pc = 0;
        }
        units.push({ suite: `s${suite}`, model: `m${model}`, caseId: `c${i}`, pb, pc, candidate: [], baseline: [] });
      }
    }
  }
  return units;
}

function draw(random, unit, count) {
  const from = unit.candidate.length;
  for (let r = from; r < from + count; r++) {
    unit.baseline.push(outcome(r, random.float() < unit.pb));
    unit.candidate.push(outcome(r, random.float() < unit.pc));
  }
}

/** One adaptive comparison; returns the verdict, the looks and the draws. */
function adaptiveCompare(lib, random, units, settings, gate) {
  const adaptiveGate = lib.createAdaptiveGate(settings, gate);
  for (const u of units) draw(random, u, settings.startRepeats);
  let roundDraws = units.length * 2 * settings.startRepeats;
  const first = units.map((u) => caseOf(u, u.candidate.slice(0, settings.startRepeats), u.baseline.slice(0, settings.startRepeats)));
  const firstPasses = units.map((u) => u.candidate.slice(0, settings.startRepeats).concat(u.baseline.slice(0, settings.startRepeats)).filter((r) => r.grade.pass).length);
  for (;;) {
    const tallies = units.map((u, i) => ({
      suite: u.suite,
      model: u.model,
      caseId: u.caseId,
      candidate: lib.tallySide(sideOf(u.candidate)),
      baseline: lib.tallySide(sideOf(u.baseline)),
      firstPasses: firstPasses[i],
      firstRepeats: settings.startRepeats,
    }));
    const merged = units.map((u) => caseOf(u, u.candidate, u.baseline));
    const look = adaptiveGate.look(tallies, merged, first, roundDraws);
    if (!look.next) return { look, looks: look.look, draws: adaptiveGate.drawn, budget: adaptiveGate.budgetDraws, merged, first };
    roundDraws = look.next.draws;
    for (const [i, extra] of look.next.extra) draw(random, units[i], extra);
  }
}

const SCENARIOS = [
  { id: 'null', name: 'no change, 200 cases', cases: 200, measure: 'false alarms', max: 0.05 },
  { id: 'null-rows10', name: 'no change, 5 suites × 2 models of 100 cases (10 rows)', cases: 100, suites: 5, models: 2, measure: 'false alarms', max: 0.05 },
  { id: 'broken5', name: '5 of 200 cases always-pass → always-fail', cases: 200, broken: 5, measure: 'power', min: 0.95 },
  { id: 'broken5-pass', name: '5 of 200 broken (Δ ≈ −0.025, beyond the margin): passes', cases: 200, broken: 5, measure: 'false passes', max: 0.05 },
  { id: 'drop20', name: 'a 20-point drop (every case scaled), 200 cases', cases: 200, scale: 0.7, measure: 'power', min: 0.95 },
  { id: 'margin', name: 'every case 2.5 points lower (Δ beyond the margin): passes', cases: 200, drop: 0.025, measure: 'false passes', max: 0.05, naive: true },
  { id: 'small-null', name: 'no change, 20 cases', cases: 20, measure: 'inconclusive', min: 0.5 },
];

/** Runs the scenarios; returns rows and Markdown. */
export async function runAdaptiveBench({ seed = 20240611, compares = 300, only, difficulty = 'beta73', settings } = {}) {
  const lib = await load();
  const gate = lib.DEFAULT_GATE;
  const chosen = { ...lib.DEFAULT_ADAPTIVE, ...settings };
  const design = lib.adaptiveDesign(chosen, gate.alpha);
  const started = performance.now();
  const rows = [];
  for (const [index, s] of SCENARIOS.entries()) {
    if (only && !only.includes(s.id)) continue;
    const t0 = performance.now();
    const tally = { pass: 0, fail: 0, inconclusive: 0, error: 0 };
    let naivePasses = 0;
    let draws = 0;
    let budget = 0;
    let looks = 0;
    let early = 0;
    let byCase = 0;
    for (let j = 0; j < compares; j++) {
      const random = lib.createRandom(seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(j + 1, 0x85ebca6b));
      const units = suiteOf(random, s, DIFFICULTY[difficulty]);
      const result = adaptiveCompare(lib, random, units, chosen, gate);
      tally[result.look.verdict]++;
      draws += result.draws;
      budget += result.budget;
      looks += result.looks;
      if (result.look.stoppedBy === 'decided' && result.look.look < design.looks.length) early++;
      if (result.look.verdict === 'fail' && result.look.analysis.rows.some((r) => (r.perCase?.significant.length ?? 0) > 0)) byCase++;
      if (s.naive) {
        // What pooling every repeat would say: the same gate on the merged results, no round-1 view.
        const naive = lib.analyseGate(result.merged, { repeat: chosen.startRepeats, gate, caseAlpha: result.look.alphaCase });
        if (lib.decideGate(naive.rows, gate).verdict === 'pass') naivePasses++;
      }
    }
    const key = s.measure === 'false alarms' || s.measure === 'power' ? 'fail' : s.measure === 'false passes' ? 'pass' : s.measure;
    const k = tally[key];
    const [lo, hi] = wilson(k, compares);
    const rate = k / compares;
    const met = s.max !== undefined ? (rate <= s.max ? 'yes' : lo <= s.max ? 'within error' : 'NO') : s.min !== undefined ? (rate >= s.min ? 'yes' : hi >= s.min ? 'within error' : 'NO') : '—';
    rows.push({
      ...s, tally, k, rate, lo, hi, met,
      target: s.max !== undefined ? `≤ ${s.max * 100}%` : s.min !== undefined ? `≥ ${s.min * 100}%` : 'report',
      drawsPerCaseSide: draws / compares / ((s.suites ?? 1) * (s.models ?? 1) * s.cases * 2),
      budgetUse: draws / budget,
      looks: looks / compares,
      early,
      byCase,
      naivePasses: s.naive ? naivePasses : undefined,
      seconds: (performance.now() - t0) / 1000,
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const markdown = [
    `### Adaptive repeats, function level (seed ${seed}, ${compares} comparisons per scenario, difficulty ${difficulty}, startRepeats ${chosen.startRepeats}, maxRepeats ${chosen.maxRepeats}, budget ${chosen.budget}; looks at ${design.looks.join(', ')} repeats; alpha ${gate.alpha}: mean test ${design.alphaMean}, per-case ${design.alphaCase} split ${design.caseShares.map((a) => a.toPrecision(3)).join(' / ')})`,
    '',
    '| scenario | measure | count | rate (95% CI) | target | met | pass / fail / inconclusive | calls per case per side | looks (mean) | failed early | failed by the per-case test | time |',
    '|---|---|---:|---|---|---|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${r.measure} | ${r.k} | ${formatShare(r.k, compares)} | ${r.target} | ${r.met} | ${r.tally.pass} / ${r.tally.fail} / ${r.tally.inconclusive} | ${r.drawsPerCaseSide.toFixed(2)} | ${r.looks.toFixed(2)} | ${r.early} | ${r.byCase} | ${r.seconds.toFixed(1)} s |`),
    ...rows.filter((r) => r.naivePasses !== undefined).map((r) => `\nPooling every repeat into the pass rates instead (${r.id}): the gate would pass ${formatShare(r.naivePasses, compares)} of these comparisons, which are beyond the margin.`),
    '',
    `Total runtime ${seconds.toFixed(1)} s on ${process.version}.`,
  ].join('\n');
  return { seed, compares, rows, markdown, design };
}

await runFromCommandLine(import.meta.url, 'adaptive bench', 'beta73', runAdaptiveBench);
