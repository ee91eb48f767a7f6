#!/usr/bin/env node
/**
 * The compare gate end to end, under noise: `npm run bench:gate:e2e` (also the second half of
 * `npm run bench:gate`).
 *
 * Drives the built CLI (dist/bundle/bin.js) as a user would, `promptgate compare --baseline
 * @1.0.0 …` spawned in a real git repository whose prompts went 1.0.0 → 1.1.0, against a seeded
 * noisy OpenAI-compatible server on 127.0.0.1 (bench/gate/noisy-server.mjs): each case passes
 * with its own probability (U-shaped difficulty), the candidate's shifted per scenario
 * (bench/gate/scenarios.mjs). Per scenario it counts the verdicts of many compares, by exit code
 * (0 pass, 1 fail, 4 inconclusive, 3 error) and by run.json `gate.verdict`, with a 95% Wilson
 * interval on the share that matters (false alarms, power, inconclusive), the mean calls the server
 * answered per compare and the wall time. Figures go to BENCHMARKS.md between its gate-e2e markers
 * (the rest of the file is left alone). Exits non-zero only when it cannot run, never on a figure.
 *
 * Reproducible: the server's answer to a call is a function of (seed, run index, suite, model,
 * case, side, repeat index); run indices are fixed per scenario and compare (scenario k's compare
 * j is run k·100000 + j), so a scenario gives the same figures alone (`--only`), in a full run,
 * and at any `--jobs`.
 *
 * Options: --quick (n = 3, to try the harness: about a minute), --compares <n> (default 200; each
 * scenario runs n or a share of it, see `compares` in scenarios.mjs and the table's compares
 * column), --only <id,...> (scenario ids, see `--list`), --seed <n> (default 20240601), --jobs <n>
 * (compares at once, default 2), --out <file> (default BENCHMARKS.md), --no-write (print only),
 * --records <file> (every compare's record as JSON lines: run index, exit code, run.json verdict,
 * reasons, calls, wall time), --list. The BENCHMARKS.md section holds what the last writing run
 * measured; its first line gives the command, so a run with --only or --quick says so.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo, ms, runMeasured, writeBetweenMarkers } from '../measure.mjs';
import { formatShare, wilson } from './interval.mjs';
import { startNoisyServer } from './noisy-server.mjs';
import { compareArgs, KEY_ENV, normalize, projectFiles, SCENARIOS, specFactory } from './scenarios.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'bundle', 'bin.js');
const START = '<!-- gate-e2e:start (written by `npm run bench:gate:e2e`; edit outside these markers) -->';
const END = '<!-- gate-e2e:end -->';
const DEFAULT_SEED = 20240601;
const QUICK_COMPARES = 3;
/** Run indices: scenario k (its place in SCENARIOS), compare j → k·RUN_STRIDE + j. */
const RUN_STRIDE = 100_000;
const log = (line) => process.stderr.write(`${line}\n`);

// ── verdicts ───────────────────────────────────────────────────────────────────────────────────

/** The verdict an exit code stands for (SPEC §7, and 4 = inconclusive from issue 13). */
export const VERDICT_OF_EXIT = { 0: 'pass', 1: 'fail', 3: 'error', 4: 'inconclusive' };
export const VERDICTS = ['pass', 'fail', 'inconclusive', 'error'];

/** One compare's record from its exit code and run.json (undefined when it wrote none). */
export function recordOf({ code, wallMs, calls, stderr }, runJson) {
  const byExit = VERDICT_OF_EXIT[code] ?? 'other';
  const gate = runJson?.gate;
  const rows = runJson?.comparison?.rows ?? [];
  return {
    code,
    byExit,
    verdict: typeof gate?.verdict === 'string' ? gate.verdict : 'missing',
    reasons: Array.isArray(gate?.reasons) ? gate.reasons : [],
    rows: rows.map((r) => ({ verdict: r.verdict, reasons: r.reasons ?? [] })),
    calls,
    cliCalls: runJson?.totals?.calls,
    cachedCalls: runJson?.totals?.cachedCalls,
    wallMs,
    message: byExit === 'other' || !runJson ? lastLine(stderr) : undefined,
  };
}

function lastLine(text) {
  return (text ?? '').trim().split('\n').filter(Boolean).at(-1)?.slice(0, 300) ?? '';
}

/** Counts of records by a field's value, for the given values (others under `other`). */
export function tally(records, field, values = VERDICTS) {
  const counts = Object.fromEntries([...values, 'other'].map((v) => [v, 0]));
  for (const r of records) counts[values.includes(r[field]) ? r[field] : 'other']++;
  return counts;
}

/**
 * Whether a share meets its target: `yes` (the point estimate does), `within error` (it does not,
 * but the 95% interval reaches the target), or `no`.
 */
export function verdictOnTarget(k, n, target) {
  if (!target || !(n > 0)) return '—';
  const share = k / n;
  const [lo, hi] = wilson(k, n);
  if (target.op === '<=') return share <= target.share ? 'yes' : lo <= target.share ? 'within error' : 'no';
  return share >= target.share ? 'yes' : hi >= target.share ? 'within error' : 'no';
}

// ── the projects ───────────────────────────────────────────────────────────────────────────────

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_CONFIG_NOSYSTEM: '1' };
const git = (dir, ...args) => execFileSync('git', args, { cwd: dir, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();

async function writeAll(dir, files) {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** A git repository with the scenario's project: prompts at 1.0.0, then a commit to 1.1.0. */
async function makeRepo(dir, scenario, baseURL) {
  const { initial, candidatePrompts } = projectFiles(scenario, baseURL);
  await mkdir(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'commit.gpgsign', 'false');
  await writeAll(dir, initial);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'prompts 1.0.0');
  await writeAll(dir, candidatePrompts);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'prompts 1.1.0');
}

// ── running compares ───────────────────────────────────────────────────────────────────────────

function childEnv() {
  const env = { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' };
  // Node reads this certificate bundle at every start; the local server needs no TLS.
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.GITHUB_ACTIONS;
  delete env.GITHUB_STEP_SUMMARY;
  return env;
}
const ENV = childEnv();

/** Spawns one compare for run `run` in `project`; returns its record. */
async function compareOnce({ server, scenario, spec, project, out, run }) {
  server.register(run, spec(run));
  await rm(out, { recursive: true, force: true });
  let result;
  try {
    result = await runMeasured(process.execPath, [CLI, 'compare', ...compareArgs(scenario, out)], {
      cwd: project,
      env: { ...ENV, [KEY_ENV]: server.keyOf(run) },
      timeoutMs: 10 * 60_000,
    });
  } finally {
    result = { ...result, calls: server.calls(run) };
    server.unregister(run);
  }
  let runJson;
  try {
    const folders = (await readdir(out, { withFileTypes: true })).filter((d) => d.isDirectory());
    if (folders.length === 1) runJson = JSON.parse(await readFile(join(out, folders[0].name, 'run.json'), 'utf8'));
  } catch {
    runJson = undefined;
  }
  await rm(out, { recursive: true, force: true });
  return { run, ...recordOf(result, runJson) };
}

/** Runs `count` units of work on `jobs` workers; `work(worker, index)`; results in index order. */
async function pool(count, jobs, work) {
  const results = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, count) }, async (_, worker) => {
      while (next < count) {
        const index = next++;
        results[index] = await work(worker, index);
      }
    }),
  );
  return results;
}

async function runScenario({ server, scenario, ordinal, compares, jobs, seed, tmp }) {
  const s = normalize(scenario);
  const spec = specFactory(s, seed);
  const started = performance.now();
  const template = join(tmp, `${s.id}-template`);
  await makeRepo(template, s, server.url);
  const workers = [];
  for (let w = 0; w < jobs; w++) {
    const project = join(tmp, `${s.id}-w${w}`);
    await cp(template, project, { recursive: true });
    workers.push({ project, out: join(tmp, `${s.id}-w${w}-out`) });
  }
  let done = 0;
  const units = await pool(compares, jobs, async (w, j) => {
    const { project, out } = workers[w];
    const base = ordinal * RUN_STRIDE;
    let unit;
    if (s.kind === 'cache') {
      // Two runs in one project: the first fills the cache, the second is what a rerun does.
      await rm(join(project, '.promptgate-cache'), { recursive: true, force: true });
      const first = await compareOnce({ server, scenario: s, spec, project, out, run: base + 2 * j });
      const second = await compareOnce({ server, scenario: s, spec, project, out, run: base + 2 * j + 1 });
      unit = { ...first, second };
    } else {
      unit = await compareOnce({ server, scenario: s, spec, project, out, run: base + j });
    }
    done++;
    if (done % 25 === 0 && done < compares) log(`  ${s.id}: ${done}/${compares}`);
    return unit;
  });
  await rm(join(tmp), { recursive: true, force: true }).catch(() => {});
  return { scenario: s, records: units, wallMs: performance.now() - started };
}

// ── figures ────────────────────────────────────────────────────────────────────────────────────

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const round1 = (x) => (Number.isFinite(x) ? (Math.round(x * 10) / 10).toLocaleString('en-US') : 'n/a');

const TARGETS = {
  'false-alarm': () => ({ op: '<=', share: 0.05, of: 'fail', label: 'fail ≤ 5%' }),
  floor: () => ({ op: '<=', share: 0.05, of: 'fail', label: 'fail ≤ 5%' }),
  power: (s) => (s.target ? { op: '>=', share: s.target, of: 'fail', label: `fail ≥ ${s.target * 100}%` } : { of: 'fail', label: 'report' }),
  inconclusive: (s) => ({ op: '>=', share: s.target, of: 'inconclusive', label: `inconclusive ≥ ${s.target * 100}% ("mostly")` }),
  cache: () => ({ of: 'fail', label: 'report' }),
};

/** The figures of one scenario's records (the table row and its notes). */
export function summarize(scenario, records, wallMs) {
  const s = normalize(scenario);
  const n = records.length;
  const byExit = tally(records, 'byExit');
  const byJson = tally(records, 'verdict');
  const agree = records.filter((r) => r.byExit === r.verdict).length;
  const target = TARGETS[s.kind](s);
  const k = byExit[target.of];
  const notes = [];
  const row = {
    id: s.id,
    title: s.title,
    command: `compare ${compareArgs(s).join(' ')}`,
    compares: n,
    byExit,
    byJson,
    agree,
    measured: `${target.of} ${formatShare(k, n)}`,
    target: target.label,
    met: verdictOnTarget(k, n, target.op ? target : undefined),
    calls: mean(records.map((r) => r.calls)),
    wallPerCompare: mean(records.map((r) => r.wallMs)),
    wallMs,
    notes,
  };
  const rows = records.flatMap((r) => r.rows);
  if (s.suites * s.models > 1 && rows.length) {
    const failed = rows.filter((r) => r.verdict === 'fail').length;
    notes.push(`rows: ${failed} of ${rows.length} suite × model rows failed (per row: ${formatShare(failed, rows.length)})`);
  }
  if (s.kind === 'inconclusive') notes.push(`pass ${formatShare(byExit.pass, n)}, inconclusive ${formatShare(byExit.inconclusive, n)}, fail ${formatShare(byExit.fail, n)}`);
  if (s.kind === 'floor') {
    const byFloor = records.filter((r) => r.byExit === 'fail' && r.reasons.some((text) => /floor|minPassRate/i.test(text))).length;
    notes.push(`fails whose run.json gate reasons name the floor: ${byFloor} of ${n} (${formatShare(byFloor, n)})`);
  }
  if (s.kind === 'cache') {
    const firstFail = records.filter((r) => r.byExit === 'fail');
    const secondFail = records.filter((r) => r.second.byExit === 'fail');
    const repeated = firstFail.filter((r) => r.second.byExit === 'fail').length;
    const secondCalls = mean(records.map((r) => r.second.calls));
    const secondCached = mean(records.map((r) => r.second.cachedCalls ?? NaN));
    row.measured = `run 1: fail ${formatShare(firstFail.length, n)}; run 2: fail ${formatShare(secondFail.length, n)}`;
    row.calls = mean(records.map((r) => r.calls + r.second.calls));
    row.wallPerCompare = mean(records.map((r) => r.wallMs + r.second.wallMs));
    notes.push(`the second run failed after ${repeated} of the ${firstFail.length} first-run fails (${firstFail.length ? formatShare(repeated, firstFail.length) : 'n/a'}) and after ${secondFail.length - repeated} of the ${n - firstFail.length} first-run non-fails; it made ${round1(secondCalls)} calls on average and its run.json counts ${round1(secondCached)} cached calls`);
    const secondByExit = tally(records.map((r) => r.second), 'byExit');
    notes.push(`second runs by exit code: ${VERDICTS.map((v) => `${v} ${secondByExit[v]}`).join(', ')}${secondByExit.other ? `, other ${secondByExit.other}` : ''}`);
  }
  const all = s.kind === 'cache' ? records.flatMap((r) => [r, r.second]) : records;
  const disagree = all.filter((r) => r.byExit !== r.verdict);
  if (disagree.length) {
    const kinds = new Map();
    for (const r of disagree) kinds.set(`exit ${r.code} with run.json verdict ${r.verdict}`, (kinds.get(`exit ${r.code} with run.json verdict ${r.verdict}`) ?? 0) + 1);
    notes.push(`exit code and run.json gate.verdict disagree in ${disagree.length} run(s): ${[...kinds].map(([text, c]) => `${c}× ${text}`).join('; ')}`);
  }
  const odd = all.filter((r) => r.message);
  if (odd.length) notes.push(`${odd.length} run(s) exited otherwise or wrote no run.json, e.g. exit ${odd[0].code}: \`${odd[0].message.replace(/`/g, "'")}\``);
  return row;
}

function markdown({ rows, skipped, seed, compares, quick, only, jobs, machine, minutes, cli }) {
  const options = [quick ? '--quick' : '', compares !== undefined && !quick ? `--compares ${compares}` : '', only ? `--only ${only}` : '', seed !== DEFAULT_SEED ? `--seed ${seed}` : '', jobs !== 2 ? `--jobs ${jobs}` : ''].filter(Boolean).join(' ');
  const cell = (c) => String(c).replace(/\|/g, '\\|');
  return [
    '## The gate end to end, under noise',
    '',
    `Measured by \`node bench/gate/e2e.mjs${options ? ` ${options}` : ''}\` (\`npm run bench:gate:e2e\`) on ${machine.date}, in ${minutes.toFixed(1)} min, seed ${seed}, ${jobs} compare(s) at a time; ${cli.label}.`,
    '',
    `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, ${machine.memoryGiB} GiB memory, Node ${machine.node}; load average ${machine.load} before the run and ${machineInfo().load} after it (other work on the machine slows the wall times, not the counts).`,
    '',
    'Each compare is the built CLI (`dist/bundle/bin.js`) spawned as a user runs it, `promptgate compare --baseline @1.0.0 …` in a git repository whose prompts went 1.0.0 → 1.1.0 (the wording changed, so both sides are called), cases graded `contains:PASS`, against bench/gate/noisy-server.mjs on 127.0.0.1: case i answers PASS with its own probability, drawn from the U-shaped Beta(0.7, 0.3) (mean 0.7; the same suite for every compare of a scenario unless it says "redrawn"), shifted on the candidate side as the scenario says; the answer to each call is a function of (seed, run, suite, model, case, side, repeat index), so every figure here is reproducible with the same seed. The verdict is counted by exit code (0 pass, 1 fail, 4 inconclusive, 3 error), and checked against run.json `gate.verdict`. Shares carry a 95% Wilson interval. "met": yes = the share meets the target; within error = it does not, but its interval reaches the target; no = the interval excludes it. "calls" = requests the server answered per compare (cache hits are not calls).',
    '',
    '| scenario | command | compares | pass | fail | inconclusive | error | measured [95% CI] | target | met | calls / compare | wall / compare | total |',
    '|---|---|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|',
    ...rows.map((r) => `| **${r.id}**: ${cell(r.title)} | \`${r.command}\` | ${r.compares} | ${r.byExit.pass} | ${r.byExit.fail} | ${r.byExit.inconclusive} | ${r.byExit.error}${r.byExit.other ? ` (+${r.byExit.other} other)` : ''} | ${r.measured} | ${r.target} | ${r.met} | ${round1(r.calls)} | ${ms(r.wallPerCompare)} | ${ms(r.wallMs)} |`),
    '',
    ...rows.flatMap((r) => (r.notes.length ? [`- **${r.id}**: ${r.notes.join('; ')}.`] : [])),
    ...skipped.map((s) => `- **${s.id}** (${s.title}): not run: ${s.why}.`),
  ].join('\n');
}

// ── main ───────────────────────────────────────────────────────────────────────────────────────

/** What this build's `compare` supports, from its `--help`. */
function capabilities() {
  const help = spawnSync(process.execPath, [CLI, 'compare', '--help'], { env: ENV, encoding: 'utf8' }).stdout ?? '';
  const version = spawnSync(process.execPath, [CLI, '--version'], { env: ENV, encoding: 'utf8' }).stdout?.trim() ?? '?';
  const built = existsSync(CLI) ? statSync(CLI).mtime.toISOString().replace(/\.\d+Z$/, 'Z') : '?';
  const flags = { '--adaptive': /--adaptive\b/.test(help), '--baseline-cache': /--baseline-cache\b/.test(help) };
  const commit = (() => {
    try {
      return git(ROOT, 'rev-parse', '--short', 'HEAD');
    } catch {
      return undefined;
    }
  })();
  const label = `promptgate ${version} (dist/bundle/bin.js built ${built}${commit ? `, checkout ${commit}` : ''}); \`compare --help\` lists ${Object.entries(flags).map(([f, on]) => `${f}: ${on ? 'yes' : 'no'}`).join(', ')}`;
  return { flags, label };
}

async function main() {
  const { values: opts } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      compares: { type: 'string' },
      only: { type: 'string' },
      seed: { type: 'string' },
      jobs: { type: 'string', default: '2' },
      out: { type: 'string', default: join(ROOT, 'BENCHMARKS.md') },
      'no-write': { type: 'boolean', default: false },
      records: { type: 'string' },
      list: { type: 'boolean', default: false },
    },
  });
  if (opts.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.id.padEnd(18)} ${s.title}\n`);
    return;
  }
  if (!existsSync(CLI)) throw new Error('dist/bundle/bin.js not found: build first (`npm run bench:gate:e2e` runs `npm run build`)');
  const seed = opts.seed === undefined ? DEFAULT_SEED : Number(opts.seed);
  const compares = opts.compares === undefined ? undefined : Number(opts.compares);
  const jobs = Math.max(1, Number(opts.jobs) || 2);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${opts.seed}`);
  if (compares !== undefined && !(Number.isSafeInteger(compares) && compares > 0)) throw new Error(`--compares must be a positive integer, got ${opts.compares}`);
  const perScenario = opts.quick ? (compares ?? QUICK_COMPARES) : (compares ?? 200);
  const only = opts.only ? opts.only.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
  const unknown = (only ?? []).filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')} (see --list)`);

  const machine = machineInfo();
  const cli = capabilities();
  const server = await startNoisyServer({ seed });
  const tmp = await mkdtemp(join(tmpdir(), 'promptgate-gate-e2e-'));
  const started = performance.now();
  const rows = [];
  const skipped = [];
  const records = [];
  try {
    for (const [ordinal, scenario] of SCENARIOS.entries()) {
      if (only && !only.includes(scenario.id)) continue;
      const s = normalize(scenario);
      if (s.requires && !cli.flags[s.requires]) {
        skipped.push({ id: s.id, title: s.title, why: `this build's \`compare --help\` does not list \`${s.requires}\`` });
        log(`${s.id}: skipped (no ${s.requires})`);
        continue;
      }
      const n = s.compares(perScenario);
      log(`${s.id}: ${n} compare(s)…`);
      const result = await runScenario({ server, scenario: s, ordinal, compares: n, jobs, seed, tmp: join(tmp, s.id) });
      const row = summarize(s, result.records, result.wallMs);
      for (const r of result.records) records.push(JSON.stringify({ scenario: s.id, ...r }));
      rows.push(row);
      log(`${s.id}: pass ${row.byExit.pass}, fail ${row.byExit.fail}, inconclusive ${row.byExit.inconclusive}, error ${row.byExit.error}, other ${row.byExit.other}; ${row.measured}; ${round1(row.calls)} calls/compare; ${ms(row.wallMs)}`);
    }
  } finally {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  }
  if (server.rejected() > 0) log(`warning: the server refused ${server.rejected()} request(s) (not a bench request, or an unregistered run)`);
  const minutes = (performance.now() - started) / 60_000;
  const text = markdown({ rows, skipped, seed, compares, quick: opts.quick, only: opts.only, jobs, machine, minutes, cli });
  process.stdout.write(`${text}\n`);
  if (opts.records) writeFileSync(opts.records, records.length ? `${records.join('\n')}\n` : '');
  if (!opts['no-write']) {
    writeBetweenMarkers(opts.out, { start: START, end: END, text, place: 'end' });
    log(`wrote ${opts.out}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    process.stderr.write(`gate e2e bench could not run: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
