/**
 * The scenarios of the end-to-end gate benchmark (bench/gate/e2e.mjs), from issue 13's table and
 * its "Done means", and the throwaway project each one runs in.
 *
 * Every scenario is a git repository whose prompts went from 1.0.0 to 1.1.0 (the 1.1.0 text
 * differs, so the two sides send different requests) with cases graded `contains:PASS`, compared
 * by the built CLI as a user would: `promptgate compare --baseline @1.0.0 …`. What changes
 * between scenarios is the suite shape (suites, models, cases, repeat), the flags, the gate config,
 * and the pass probability of each case on each side, which the noisy server applies
 * (bench/gate/noisy-server.mjs).
 *
 * Case difficulty: each case's baseline pass probability is drawn once per seed from the U-shaped
 * Beta(0.7, 0.3) (mean 0.7; `difficulty()`), the same for every compare of the scenario ("the
 * suite"), except where the suite is redrawn for every compare (`redraw`). Both models of a suite
 * share their cases' difficulty; their draws are independent.
 */
import { BASELINE_VERSION, difficulty, POPULATION_RATE } from './noisy-server.mjs';

export const CANDIDATE_VERSION = '1.1.0';
/** The environment variable the bench project's models read their API key from (the run's key). */
export const KEY_ENV = 'PGB_RUN_KEY';

/** Cases broken in the "5 of 200" scenarios: spread over the file, fixed. */
const brokenIndex = (i, every) => i % every === 7;
/** Compares of the scenarios that cost more calls: half, or a quarter, of the bench's count. */
const half = (n) => Math.max(1, Math.round(n / 2));
const quarter = (n) => Math.max(1, Math.round(n / 4));

/**
 * The scenarios, in the order they run and are reported.
 *
 * - `kind`: what the share measures: `false-alarm` (no change: the share of compares that fail,
 *   target ≤ 5%), `power` (a real drop: the share that fail, target ≥ 95% where the issue sets
 *   one), `inconclusive` (the share that say inconclusive), `floor` (no change, a floor at the
 *   population rate: the share that fail), `cache` (two runs per compare in one project with the
 *   response cache on: does the second repeat the first's false alarm?).
 * - `candidate(pb, i, mean)`: the candidate's pass probability from the baseline's `pb` of case
 *   `i` (`mean`: the suite's mean baseline probability); `baseline(p, i)` overrides the drawn one.
 * - `compares(n)`: how many compares it runs when the bench asks for n, so that a full run stays
 *   well under an hour on 2 cores: all n for the cheap scenarios of "Done means" (about 400 calls a
 *   compare), n/2 for those with 1,000+ calls a compare and for the cheap replications of the
 *   issue's table, n/4 for the 10-row and the two-run cache scenarios and for the non-adaptive
 *   "5 broken cases" ones (reported, no target); deterministic scenarios give the same answer
 *   every time, so they run 3.
 * - `requires`: a CLI flag the scenario needs (`--adaptive`, `--baseline-cache`); skipped, with a
 *   note, when `compare --help` does not list it.
 */
export const SCENARIOS = [
  {
    id: 'null-r1',
    title: 'no change, 200 cases, repeat 1 (the default)',
    kind: 'false-alarm',
    cases: 200,
    repeat: 1,
  },
  {
    id: 'null-r3',
    title: 'no change, 200 cases, repeat 3',
    kind: 'false-alarm',
    cases: 200,
    repeat: 3,
    compares: half,
  },
  {
    id: 'null-r5',
    title: 'no change, 200 cases, repeat 5',
    kind: 'false-alarm',
    cases: 200,
    repeat: 5,
    compares: half,
  },
  {
    id: 'null-rows10',
    title: 'no change, 5 suites × 2 models (10 rows, 100 cases each), repeat 3: whole compare',
    kind: 'false-alarm',
    suites: 5,
    models: 2,
    cases: 100,
    repeat: 3,
    compares: quarter,
  },
  {
    id: 'null-20-r1',
    title: 'no change, 20 cases, repeat 1',
    kind: 'false-alarm',
    cases: 20,
    repeat: 1,
    compares: half,
  },
  {
    id: 'one-coin-r1',
    title: 'one 50/50 case among 199 deterministic ones, repeat 1',
    kind: 'false-alarm',
    cases: 200,
    repeat: 1,
    baseline: (p, i) => (i === 100 ? 0.5 : p >= 0.5 ? 1 : 0),
    compares: half,
  },
  {
    id: 'null-adaptive',
    title: 'no change, 200 cases, --adaptive',
    kind: 'false-alarm',
    cases: 200,
    adaptive: true,
    requires: '--adaptive',
    compares: half,
  },
  {
    id: 'broken5-adaptive',
    title: '5 of 200 cases always-pass → always-fail, --adaptive',
    kind: 'power',
    target: 0.95,
    cases: 200,
    adaptive: true,
    requires: '--adaptive',
    baseline: (p, i) => (brokenIndex(i, 40) ? 1 : p),
    candidate: (pb, i) => (brokenIndex(i, 40) ? 0 : pb),
    compares: half,
  },
  {
    id: 'broken5-r3',
    title: '5 of 200 cases always-pass → always-fail, repeat 3',
    kind: 'power',
    cases: 200,
    repeat: 3,
    baseline: (p, i) => (brokenIndex(i, 40) ? 1 : p),
    candidate: (pb, i) => (brokenIndex(i, 40) ? 0 : pb),
    compares: quarter,
  },
  {
    id: 'broken5-r5',
    title: '5 of 200 cases always-pass → always-fail, repeat 5',
    kind: 'power',
    cases: 200,
    repeat: 5,
    baseline: (p, i) => (brokenIndex(i, 40) ? 1 : p),
    candidate: (pb, i) => (brokenIndex(i, 40) ? 0 : pb),
    compares: quarter,
  },
  {
    id: 'det-broken4-r3',
    title: 'deterministic suite (temperature 0, pass chances 0 or 1), 4 of 200 cases broken, repeat 3',
    kind: 'power',
    cases: 200,
    repeat: 3,
    temperature: 0,
    compares: (n) => Math.min(n, 3),
    baseline: (p, i) => (brokenIndex(i, 50) ? 1 : p >= 0.5 ? 1 : 0),
    candidate: (pb, i) => (brokenIndex(i, 50) ? 0 : pb),
  },
  {
    id: 'drop20-r1',
    title: 'a true 20-point drop (every case scaled), 200 cases, repeat 1',
    kind: 'power',
    target: 0.95,
    cases: 200,
    repeat: 1,
    candidate: (pb, _i, mean) => pb * (1 - 0.2 / mean),
  },
  {
    id: 'null-20-r3',
    title: 'no change, 20 cases, repeat 3: pass, inconclusive or fail?',
    kind: 'inconclusive',
    target: 0.5,
    cases: 20,
    repeat: 3,
  },
  {
    id: 'floor-r3',
    title: `no change, floor (minPassRate) = the population rate ${POPULATION_RATE}, suite redrawn for each compare, 200 cases, repeat 3`,
    kind: 'floor',
    cases: 200,
    repeat: 3,
    redraw: true,
    gate: { minPassRate: POPULATION_RATE },
    compares: half,
  },
  {
    id: 'cache-r3',
    title: 'no change, 200 cases, repeat 3, response cache on (no --no-cache): each compare runs twice in the same project',
    kind: 'cache',
    cases: 200,
    repeat: 3,
    cache: true,
    compares: quarter,
  },
  {
    id: 'cache-baseline-r3',
    title: 'as cache-r3 with --baseline-cache (the baseline reused from the cache on purpose)',
    kind: 'cache',
    cases: 200,
    repeat: 3,
    cache: true,
    flags: ['--baseline-cache'],
    requires: '--baseline-cache',
    compares: quarter,
  },
];

/** A scenario with its defaults filled in. */
export function normalize(s) {
  return {
    suites: 1,
    models: 1,
    repeat: undefined,
    temperature: 1,
    adaptive: false,
    cache: false,
    redraw: false,
    gate: {},
    flags: [],
    compares: (n) => n,
    baseline: (p) => p,
    candidate: (pb) => pb,
    ...s,
  };
}

export const suiteNames = (s) => Array.from({ length: s.suites }, (_, k) => `s${k + 1}`);
export const modelNames = (s) => Array.from({ length: s.models }, (_, k) => `m${k + 1}`);
/** The model id the bench's models send (the server sees this). */
const modelId = (name) => `noisy-${name}`;

/**
 * The pass probabilities of one compare: `{ probability(suite, model, caseIndex, side) }` for the
 * server. The suite is the fixed one of the seed (keyed by seed and suite name, so the scenarios
 * share it: case i of s1 has the same difficulty in all of them), or, with `redraw`, one drawn for
 * this run.
 */
export function probabilitySpec(scenario, { seed, run }) {
  const s = normalize(scenario);
  const table = new Map();
  for (const suite of suiteNames(s)) {
    const key = s.redraw ? [seed, 'suite', suite, 'run', run] : [seed, 'suite', suite];
    const baseline = Array.from({ length: s.cases }, (_, i) => s.baseline(difficulty(...key, i), i));
    const mean = baseline.reduce((a, b) => a + b, 0) / baseline.length;
    const candidate = baseline.map((pb, i) => Math.min(1, Math.max(0, s.candidate(pb, i, mean))));
    table.set(suite, { baseline, candidate });
  }
  return {
    table,
    probability(suite, _model, caseIndex, side) {
      const row = table.get(suite);
      const p = row?.[side]?.[caseIndex];
      if (p === undefined) throw new Error(`no probability for ${suite} case ${caseIndex} (${side})`);
      return p;
    },
  };
}

/**
 * Caches a fixed suite's spec: it is the same for every compare of a scenario (only `redraw`
 * scenarios need one per run).
 */
export function specFactory(scenario, seed) {
  const s = normalize(scenario);
  if (s.redraw) return (run) => probabilitySpec(s, { seed, run });
  const fixed = probabilitySpec(s, { seed, run: 0 });
  return () => fixed;
}

function promptText(suite, version, temperature) {
  // The wording differs between the versions (so the sides send different requests); the pass
  // probabilities come from the server, not from the wording.
  const ask = version === BASELINE_VERSION ? 'Reply with PASS or FAIL.' : 'Reply with one word: PASS or FAIL.';
  return `---
version: ${version}
config:
  temperature: ${temperature}
  max_tokens: 4
---
{{role "system"}}
${ask} [pgb suite=${suite} v=${version}]
{{role "user"}}
case {{n}}
`;
}

function casesCsv(n) {
  const lines = ['__id,n,__expected'];
  for (let i = 0; i < n; i++) lines.push(`c${String(i).padStart(4, '0')},${i},contains:PASS`);
  return `${lines.join('\n')}\n`;
}

function configText(s, baseURL) {
  const models = Object.fromEntries(
    modelNames(s).map((m) => [m, { provider: 'openai', model: modelId(m), baseURL, apiKeyEnv: KEY_ENV, maxRetries: 0 }]),
  );
  const suites = suiteNames(s).map((name) => ({ prompt: name, models: modelNames(s) }));
  const config = {
    models,
    defaultModel: 'm1',
    concurrency: 16,
    suites,
    reporters: ['json'],
    ...(Object.keys(s.gate).length ? { gate: s.gate } : {}),
  };
  return `// Written by bench/gate/scenarios.mjs for scenario ${s.id}.\nexport default ${JSON.stringify(config, null, 2)};\n`;
}

/**
 * The project of scenario `s`: two commits, `files(BASELINE_VERSION)` then the prompts at
 * CANDIDATE_VERSION. Returns `{ initial, candidatePrompts }` (path → text).
 */
export function projectFiles(scenario, baseURL) {
  const s = normalize(scenario);
  const initial = { 'eval.config.mjs': configText(s, baseURL), '.gitignore': '.promptgate-cache/\nreports/\n' };
  const candidatePrompts = {};
  for (const suite of suiteNames(s)) {
    initial[`prompts/${suite}.prompt`] = promptText(suite, BASELINE_VERSION, s.temperature);
    initial[`evals/${suite}.csv`] = casesCsv(s.cases);
    candidatePrompts[`prompts/${suite}.prompt`] = promptText(suite, CANDIDATE_VERSION, s.temperature);
  }
  return { initial, candidatePrompts };
}

/** The CLI arguments of one compare of `s` (after `compare`), and its run folder's parent `out`. */
export function compareArgs(scenario, out) {
  const s = normalize(scenario);
  const args = ['--baseline', `@${BASELINE_VERSION}`];
  if (!s.cache) args.push('--no-cache');
  if (s.adaptive) args.push('--adaptive');
  else if (s.repeat !== undefined && s.repeat !== 1) args.push('--repeat', String(s.repeat));
  args.push(...s.flags);
  if (out) args.push('--out', out);
  return args;
}
