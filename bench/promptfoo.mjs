#!/usr/bin/env node
/**
 * promptgate and promptfoo, side by side: the same local server, the same cases, the same measures.
 *
 *   npm run bench:promptfoo -- [--promptfoo /tmp/pf/node_modules/.bin/promptfoo] [--runs 3] [--quick]
 *                              [--cli dist/bundle/bin.js] [--max-minutes 15] [--out BENCHMARKS.md] [--no-write]
 *
 * promptfoo is NOT a dependency of promptgate: install it outside the repository, e.g.
 *   mkdir -p /tmp/pf && cd /tmp/pf && npm init -y && npm install promptfoo@0.121.20
 * (0.121.20 is the newest release whose `engines` allows Node 20; 0.122 and later need Node 22.22).
 *
 * What it does. Starts bench/server.mjs in this process (127.0.0.1, fixed latency, counts requests
 * in flight). For each size it writes two temp projects over byte-identical CSVs of N cases
 * (`n,word,__expected`, `contains:pong`, every 50th `contains:pang` so 2% fail on purpose):
 *   - promptgate's, from bench/project.mjs, run as `node <cli> run --no-cache --concurrency C`;
 *   - promptfoo's: promptfooconfig.yaml with one provider `openai:chat:bench-model` pointing at the
 *     server (fake key from an env var), the same two messages as a JSON chat prompt, tests from the
 *     CSV, evaluateOptions.maxConcurrency = C; run as `promptfoo eval -c promptfooconfig.yaml
 *     --no-cache -j C --no-progress-bar --no-table -o results.json`, with telemetry, update checks,
 *     sharing and the disk cache off and its config folder (sqlite database, logs) in the temp project,
 *     and a preloaded guard that refuses DNS lookups off 127.0.0.1 (GUARD below: promptfoo still
 *     sends one telemetry event per eval with telemetry disabled).
 * promptgate's CLI is dist/bundle/bin.js unless --cli says otherwise: the `bin` of package.json and
 * what bench/run.mjs times (`--cli dist/bin.js` runs the unbundled tsc output instead).
 * Each tool is a child process timed from outside (spawn to exit, bench/measure.mjs); the runs of
 * the two tools alternate so drifting machine load hits both alike. After every run the server
 * must have seen exactly N requests, and the tool's own summary must say N − N/50 passed, N/50
 * failed, 0 errors; otherwise the script stops.
 *
 * Measures (the definitions of bench/run.mjs):
 *   - efficiency = ceil(N/C) × latency ÷ wall time, at 50 ms, N/C = 200/16, 1000/32, 5000/64
 *     (median of --runs runs, after one warm-up run of each tool);
 *   - overhead per case at 0 ms = (T(N) − T(1)) ÷ (N − 1), N = 5000, C = 64 (medians);
 *   - cold start = median wall time of `--version` (max(10, runs) runs after 2 warm-ups);
 *   - peak RSS (GNU time %M) at 0 ms, C = 64, for N = 10,000 and 50,000 cases (one run each; a run
 *     longer than --max-minutes is stopped and reported as such).
 * Output: a markdown section on stdout (progress on stderr), also written to BENCHMARKS.md between
 * its vs-promptfoo markers (--out <file> elsewhere, --no-write not at all).
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fixed, hasGnuTime, machineInfo, mb, median, ms, runMeasured, writeBetweenMarkers } from './measure.mjs';
import { KEY_ENV, makeBenchProject, removeProject } from './project.mjs';
import { startBenchServer } from './server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const { values: opts } = parseArgs({
  options: {
    promptfoo: { type: 'string', default: process.env.PROMPTFOO_BIN ?? '/tmp/pf/node_modules/.bin/promptfoo' },
    cli: { type: 'string', default: join(ROOT, 'dist', 'bundle', 'bin.js') },
    runs: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    'max-minutes': { type: 'string', default: '15' },
    out: { type: 'string', default: join(ROOT, 'BENCHMARKS.md') },
    'no-write': { type: 'boolean', default: false },
  },
});

const START = '<!-- vs-promptfoo:start (written by `npm run bench:promptfoo`; edit outside these markers) -->';
const END = '<!-- vs-promptfoo:end -->';

const RUNS = Math.max(1, Number(opts.runs) || 3);
const MAX_MS = Math.max(1, Number(opts['max-minutes']) || 15) * 60_000;
const SIZES = opts.quick
  ? { efficiency: [[200, 16], [1000, 32]], overhead: 1000, memory: [2_000, 10_000] }
  : { efficiency: [[200, 16], [1000, 32], [5000, 64]], overhead: 5000, memory: [10_000, 50_000] };

const log = (line) => process.stderr.write(`${line}\n`);
const ratio = (a, b) => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
const sleep = (t) => new Promise((resolve) => setTimeout(resolve, t));

/** Both tools get the same CI-like environment (NODE_EXTRA_CA_CERTS removed, as bench/run.mjs does). */
const BASE_ENV = { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', [KEY_ENV]: 'sk-bench' };
delete BASE_ENV.NODE_EXTRA_CA_CERTS;

/** The failures every run must report: one case in 50 expects "pang". */
const expectedFailures = (n) => Math.floor(n / 50);

// ── promptgate ───────────────────────────────────────────────────────────────────────────────

function promptgateRunner(cli) {
  const args = (c) => [cli, 'run', '--no-cache', '--concurrency', String(c)];
  return {
    name: 'promptgate',
    version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    command: `node ${cli} run --no-cache --concurrency C`,
    versionCommand: [process.execPath, cli, '--version'],
    versionEnv: BASE_ENV,
    notes: [],
    /** The project: bench/project.mjs as is. */
    async makeProject(baseURL, n) {
      return makeBenchProject({ baseURL, cases: n, prefix: 'pg-vs-pf-promptgate-' });
    },
    /** Runs once; retries (up to 3 times) only when dist is being rebuilt under us. */
    async run(dir, c, { rss = false, timeoutMs = MAX_MS } = {}) {
      for (let attempt = 1; ; attempt++) {
        const r = await runMeasured(process.execPath, args(c), { cwd: dir, env: BASE_ENV, rss, timeoutMs });
        if (r.code === 0) return r;
        const midRebuild = /ERR_MODULE_NOT_FOUND|Cannot find module|SyntaxError|Unexpected end/.test(r.stderr) || !existsSync(cli);
        if (!midRebuild || attempt >= 3) throw new Error(`promptgate run exited ${r.code} in ${dir}: ${tail(r.stderr)}`);
        this.notes.push(`a promptgate run failed while dist was being rebuilt (${tail(r.stderr, 1)}) and was retried`);
        log('promptgate: dist looks mid-rebuild, retrying in 5 s');
        await sleep(5000);
        // The failed attempt may have reached the server; the caller resets the counters per run,
        // so reset here too: only the successful attempt is counted.
        this.onRetry?.();
      }
    },
    /** passed / failed / errors from the newest run.json. */
    async summary(dir) {
      const reports = join(dir, 'reports');
      const runs = await readdir(reports);
      const times = await Promise.all(runs.map(async (name) => [(await stat(join(reports, name))).mtimeMs, name]));
      const newest = times.sort((a, b) => b[0] - a[0])[0][1];
      const run = JSON.parse(await readFile(join(reports, newest, 'run.json'), 'utf8'));
      const sum = (key) => run.summary.reduce((total, s) => total + s[key], 0);
      return { passed: sum('passed'), failed: sum('failed'), errors: sum('errored') };
    },
  };
}

// ── promptfoo ────────────────────────────────────────────────────────────────────────────────

const PROMPTFOO_ARGS = (c) => ['eval', '-c', 'promptfooconfig.yaml', '--no-cache', '-j', String(c), '--no-progress-bar', '--no-table', '-o', 'results.json'];

/**
 * Even with PROMPTFOO_DISABLE_TELEMETRY=1, promptfoo 0.121 posts one "telemetry disabled" event to
 * r.promptfoo.app per eval (src/telemetry.ts, recordTelemetryDisabled). This bench sends nothing
 * off 127.0.0.1, so promptfoo's process is started with this module preloaded (`--require`: about
 * 1 ms, where an ESM `--import` costs about 5 ms of start-up): every
 * DNS lookup of a name other than localhost fails at once (ENOTFOUND, as offline) and is noted in
 * the file named by PG_BENCH_GUARD_LOG, so the report can say what was blocked.
 */
const GUARD = `const dns = require('node:dns');
const { appendFileSync } = require('node:fs');
const local = (host) => host === 'localhost' || host === '127.0.0.1' || host === '::1';
const refuse = (host) => {
  if (process.env.PG_BENCH_GUARD_LOG) appendFileSync(process.env.PG_BENCH_GUARD_LOG, host + '\\n');
  return Object.assign(new Error('bench guard: no lookups off 127.0.0.1 (' + host + ')'), { code: 'ENOTFOUND', hostname: host });
};
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  if (local(host)) return lookup.call(this, host, ...rest);
  const error = refuse(host);
  process.nextTick(() => rest.at(-1)(error));
};
const lookupAsync = dns.promises.lookup;
dns.promises.lookup = async (host, ...rest) => {
  if (local(host)) return lookupAsync(host, ...rest);
  throw refuse(host);
};
`;
let guardFile;

async function writeGuard() {
  const dir = await mkdtemp(join(tmpdir(), 'pg-vs-pf-guard-'));
  guardFile = join(dir, 'guard.cjs');
  await writeFile(guardFile, GUARD);
  return dir;
}

/** Host names the guard refused during the runs in `dir`, counted (the log is then emptied). */
const blockedLookups = new Map();
async function collectBlocked(dir) {
  const file = join(dir, 'guard.log');
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const host of text.split('\n').filter(Boolean)) blockedLookups.set(host, (blockedLookups.get(host) ?? 0) + 1);
  await rm(file, { force: true });
}

/** promptfoo's environment: everything that could leave the machine or use a cache is off. */
function promptfooEnv(dir) {
  return {
    ...BASE_ENV,
    NODE_OPTIONS: `${BASE_ENV.NODE_OPTIONS ?? ''} --require ${guardFile}`.trim(),
    PG_BENCH_GUARD_LOG: join(dir, 'guard.log'),
    PROMPTFOO_CONFIG_DIR: join(dir, '.promptfoo'),
    PROMPTFOO_CACHE_PATH: join(dir, '.promptfoo', 'cache'),
    PROMPTFOO_CACHE_ENABLED: 'false',
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_SHARING: '1',
    PROMPTFOO_DISABLE_REMOTE_GENERATION: '1',
  };
}

/** The promptfoo config: same model name, messages, sampling and cases as bench/project.mjs. */
function promptfooConfig(baseURL, c) {
  return [
    'description: promptgate bench (bench/promptfoo.mjs)',
    'prompts:',
    '  - file://prompt.json',
    'providers:',
    '  - id: openai:chat:bench-model',
    '    config:',
    `      apiBaseUrl: ${baseURL}`,
    `      apiKeyEnvar: ${KEY_ENV}`,
    '      temperature: 0',
    '      max_tokens: 16',
    'tests: file://bench.csv',
    'evaluateOptions:',
    `  maxConcurrency: ${c}`,
    '',
  ].join('\n');
}

const PROMPTFOO_PROMPT = JSON.stringify(
  [
    { role: 'system', content: 'Answer with one word.' },
    { role: 'user', content: 'Question {{n}}: what does the server say to {{word}}?' },
  ],
  null,
  2,
);

function promptfooRunner(bin) {
  const versionDir = join(tmpdir(), 'pg-vs-pf-version');
  mkdirSync(versionDir, { recursive: true });
  const probe = spawnSync(bin, ['--version'], { env: promptfooEnv(versionDir), encoding: 'utf8' });
  const version = probe.stdout.trim().split('\n').at(-1);
  return {
    name: 'promptfoo',
    version,
    command: `${bin} ${PROMPTFOO_ARGS('C').join(' ')}`,
    versionCommand: [bin, '--version'],
    versionEnv: promptfooEnv(versionDir),
    versionDir,
    startupWarning: probe.stderr.split('\n').find((line) => /Node\.js 20/.test(line)),
    notes: [],
    crashedAfterFinishing: 0,
    /**
     * A temp folder with the CSV copied from promptgate's project (byte-identical cases) and the
     * config for concurrency `c` (maxConcurrency is fixed in the file, so one project per C).
     */
    async makeProject(baseURL, n, { csvFrom, c }) {
      const dir = await mkdtemp(join(tmpdir(), 'pg-vs-pf-promptfoo-'));
      await copyFile(join(csvFrom, 'evals', 'bench.csv'), join(dir, 'bench.csv'));
      await writeFile(join(dir, 'prompt.json'), PROMPTFOO_PROMPT);
      await writeFile(join(dir, 'promptfooconfig.yaml'), promptfooConfig(baseURL, c));
      return dir;
    },
    /** Exit 100 = "some tests failed", expected (2% fail on purpose). */
    async run(dir, c, { rss = false, timeoutMs = MAX_MS } = {}) {
      await rm(join(dir, 'results.json'), { force: true });
      const r = await runMeasured(bin, PROMPTFOO_ARGS(c), { cwd: dir, env: promptfooEnv(dir), rss, timeoutMs });
      await collectBlocked(dir);
      this.last = r;
      if (r.code === 0 || r.code === 100) return r;
      // A run that wrote results.json (removed before each run) but then exited non-zero is kept
      // and counted in the report; summary() then checks its figures like any run's.
      if (existsSync(join(dir, 'results.json'))) {
        this.crashedAfterFinishing++;
        const error = r.stderr.split('\n').find((line) => /^\w*Error\b/.test(line.trim()))?.trim() ?? tail(r.stderr, 1);
        this.notes.push(`exit ${r.code} at ${this.lastRun}: ${error}`);
        return r;
      }
      throw new Error(`promptfoo eval exited ${r.code} in ${dir}: ${tail(r.stderr)} / ${tail(r.stdout)}`);
    },
    /**
     * passed / failed / errors from results.json (`results.stats`). The closing summary on stdout
     * is not used: at 50,000 cases promptfoo's console output stopped at "25% complete" and the
     * summary was never printed, though the eval finished and results.json was complete.
     */
    async summary(dir) {
      const buffer = await readFile(join(dir, 'results.json'));
      const at = buffer.lastIndexOf('"successes"');
      const match = at >= 0 && /"successes":\s*(\d+),\s*"failures":\s*(\d+),\s*"errors":\s*(\d+)/.exec(buffer.toString('utf8', at, at + 200));
      if (!match) throw new Error(`promptfoo: no stats in ${join(dir, 'results.json')}`);
      if (!/ passed/.test(this.last.stdout)) this.notes.push(`printed no closing summary on stdout at ${this.lastRun} (results.json complete; stderr: ${tail(this.last.stderr, 1) || 'nothing'})`);
      return { passed: Number(match[1]), failed: Number(match[2]), errors: Number(match[3]) };
    },
  };
}

function tail(text, lines = 2) {
  return text.trim().split('\n').filter((line) => !/ExperimentalWarning|trace-warnings|Node\.js 20 support/.test(line)).slice(-lines).join(' / ');
}

// ── running and checking ─────────────────────────────────────────────────────────────────────

/** Projects for both tools over the same N cases. */
async function makeProjects(runners, baseURL, n, c) {
  const projects = {};
  projects.promptgate = await runners[0].makeProject(baseURL, n);
  projects.promptfoo = await runners[1].makeProject(baseURL, n, { csvFrom: projects.promptgate, c });
  return projects;
}

async function removeProjects(projects) {
  for (const dir of Object.values(projects)) await removeProject(dir);
}

/**
 * One checked run: the server must see exactly `n` requests and the tool must report the expected
 * pass/fail counts. Returns wall time, RSS and the server's view of the run.
 */
async function checkedRun(runner, server, dir, n, c, options = {}) {
  runner.lastRun = `N=${n}, C=${c}, ${latencyMs} ms latency`;
  runner.onRetry = () => server.reset();
  server.reset();
  const spawnedAt = performance.now();
  const r = await runner.run(dir, c, options);
  const stats = server.stats();
  if (stats.count !== n) throw new Error(`${runner.name}: the server saw ${stats.count} requests, expected ${n} (N=${n}, C=${c})`);
  const s = await runner.summary(dir);
  const failures = expectedFailures(n);
  if (s.passed !== n - failures || s.failed !== failures || s.errors !== 0) {
    throw new Error(`${runner.name}: reported ${s.passed} passed, ${s.failed} failed, ${s.errors} errors; expected ${n - failures}, ${failures}, 0`);
  }
  // firstArrivalAt / lastAnswerAt exist in newer bench/server.mjs only.
  const beforeFirst = stats.firstArrivalAt != null ? stats.firstArrivalAt - spawnedAt : NaN;
  const afterLast = stats.lastAnswerAt != null ? spawnedAt + r.wallMs - stats.lastAnswerAt : NaN;
  return { wallMs: r.wallMs, peakRssKb: r.peakRssKb, ...stats, beforeFirst, afterLast };
}

/** `runs` checked runs of each tool, alternating tools; returns per tool the runs sorted by wall time. */
async function alternatingRuns(runners, server, projects, n, c, runs = RUNS) {
  const results = Object.fromEntries(runners.map((runner) => [runner.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const runner of i % 2 ? [...runners].reverse() : runners) {
      results[runner.name].push(await checkedRun(runner, server, projects[runner.name], n, c));
    }
  }
  for (const list of Object.values(results)) list.sort((a, b) => a.wallMs - b.wallMs);
  return results;
}

const medianRun = (list) => list[(list.length - 1) >> 1];

/** The server's current latency, for the notes (the server object does not expose it). */
let latencyMs = 50;
function setLatency(server, ms) {
  latencyMs = ms;
  server.setLatency(ms);
}

// ── sections ─────────────────────────────────────────────────────────────────────────────────

async function efficiency(server, runners) {
  const latency = 50;
  setLatency(server, latency);
  const rows = [];
  for (const [n, c] of SIZES.efficiency) {
    const projects = await makeProjects(runners, server.url, n, c);
    for (const runner of runners) await checkedRun(runner, server, projects[runner.name], n, c); // warm-up
    const results = await alternatingRuns(runners, server, projects, n, c);
    const ideal = Math.ceil(n / c) * latency;
    const row = { n, c, ideal };
    for (const runner of runners) {
      const list = results[runner.name];
      const mid = medianRun(list);
      row[runner.name] = { ...mid, eff: ideal / mid.wallMs, serverEff: ideal / mid.spanMs, runs: list.map((r) => ideal / r.wallMs) };
      log(`efficiency N=${n} C=${c} ${runner.name}: ${list.map((r) => fixed(ideal / r.wallMs)).join(', ')}`);
    }
    rows.push(row);
    await removeProjects(projects);
  }
  return rows;
}

async function overhead(server, runners) {
  const n = SIZES.overhead;
  const c = 64;
  setLatency(server, 0);
  const big = await makeProjects(runners, server.url, n, c);
  const one = await makeProjects(runners, server.url, 1, c);
  for (const runner of runners) await checkedRun(runner, server, one[runner.name], 1, c); // warm-up
  const tN = await alternatingRuns(runners, server, big, n, c);
  const t1 = await alternatingRuns(runners, server, one, 1, c);
  const result = { n, c };
  for (const runner of runners) {
    const wN = medianRun(tN[runner.name]).wallMs;
    const w1 = medianRun(t1[runner.name]).wallMs;
    result[runner.name] = { tN: wN, t1: w1, perCase: (wN - w1) / (n - 1) };
    log(`overhead ${runner.name}: T(${n}) ${ms(wN)}, T(1) ${ms(w1)}, ${fixed(result[runner.name].perCase)} ms/case`);
  }
  await removeProjects(big);
  await removeProjects(one);
  return result;
}

async function coldStart(runners) {
  const runs = Math.max(10, RUNS);
  const commands = [
    { name: 'node', label: '`node -e 0` (bare Node, reference)', argv: [process.execPath, '-e', '0'], env: BASE_ENV },
    { name: 'guard', label: '`node --require guard.cjs -e 0` (bare Node with the loopback guard promptfoo runs with)', argv: [process.execPath, '--require', guardFile, '-e', '0'], env: BASE_ENV },
    ...runners.map((runner) => ({ name: runner.name, label: `\`${runner.name} --version\``, argv: runner.versionCommand, env: runner.versionEnv })),
  ];
  const result = {};
  for (const { name, argv: [file, ...args], env } of commands) {
    for (let i = 0; i < 2; i++) await runMeasured(file, args, { cwd: ROOT, env });
    const times = [];
    for (let i = 0; i < runs; i++) {
      const r = await runMeasured(file, args, { cwd: ROOT, env });
      if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${tail(r.stderr)}`);
      times.push(r.wallMs);
    }
    result[name] = median(times);
    log(`cold start ${name}: ${ms(result[name])}`);
  }
  await collectBlocked(runners[1].versionDir);
  return { runs, commands, result };
}

/** Peak RSS per size; a run that exceeds --max-minutes is stopped and reported, not fatal. */
async function memory(server, runners) {
  setLatency(server, 0);
  const rows = [];
  for (const n of SIZES.memory) {
    const c = 64;
    const projects = await makeProjects(runners, server.url, n, c);
    const row = { n };
    for (const runner of runners) {
      try {
        row[runner.name] = await checkedRun(runner, server, projects[runner.name], n, c, { rss: true, timeoutMs: MAX_MS });
        log(`memory N=${n} ${runner.name}: ${mb(row[runner.name].peakRssKb)} in ${ms(row[runner.name].wallMs)}`);
      } catch (error) {
        row[runner.name] = { error: error instanceof Error ? error.message : String(error) };
        log(`memory N=${n} ${runner.name}: ${row[runner.name].error}`);
      }
    }
    rows.push(row);
    await removeProjects(projects);
  }
  return rows;
}

// ── report ───────────────────────────────────────────────────────────────────────────────────

function summaryTable({ eff, over, cold, mem }) {
  const higher = 'promptgate ÷ promptfoo (higher is better, so > 1 = promptgate better)';
  const lower = 'promptfoo ÷ promptgate (lower is better, so > 1 = promptgate better)';
  const memCell = (r) => (r?.error ? `failed: ${r.error.slice(0, 80)}…` : mb(r?.peakRssKb));
  return [
    '| measure | promptgate | promptfoo | ratio (> 1 = promptgate better) | ratio is |',
    '|---|---:|---:|---:|---|',
    ...eff.map((r) => `| efficiency, N=${r.n}, C=${r.c}, 50 ms | ${fixed(r.promptgate.eff)} | ${fixed(r.promptfoo.eff)} | ${ratio(r.promptgate.eff, r.promptfoo.eff)} | ${higher} |`),
    `| overhead per case, 0 ms, N=${over.n}, C=${over.c} | ${fixed(over.promptgate.perCase)} ms | ${fixed(over.promptfoo.perCase)} ms | ${ratio(over.promptfoo.perCase, over.promptgate.perCase)} | ${lower} |`,
    `| cold start, \`--version\` | ${ms(cold.result.promptgate)} | ${ms(cold.result.promptfoo)} | ${ratio(cold.result.promptfoo, cold.result.promptgate)} | ${lower} |`,
    ...mem.map((r) => `| peak RSS, N=${r.n.toLocaleString('en-US')}, 0 ms, C=64 | ${memCell(r.promptgate)} | ${memCell(r.promptfoo)} | ${ratio(r.promptfoo?.peakRssKb, r.promptgate?.peakRssKb)} | ${lower} |`),
    ...mem.map((r) => `| wall time of that run, N=${r.n.toLocaleString('en-US')} | ${ms(r.promptgate?.wallMs)} | ${ms(r.promptfoo?.wallMs)} | ${ratio(r.promptfoo?.wallMs, r.promptgate?.wallMs)} | ${lower} |`),
  ].join('\n');
}

function efficiencyDetail(eff, runners) {
  return [
    '| N | C | ideal | tool | wall (median) | efficiency | spawn → first request | server span | of which nothing in flight | last answer → exit | server-side efficiency | max in flight | mean in flight while busy | runs (efficiency) |',
    '|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...eff.flatMap((r) =>
      runners.map(({ name }) => {
        const x = r[name];
        return `| ${r.n} | ${r.c} | ${ms(r.ideal)} | ${name} | ${ms(x.wallMs)} | ${fixed(x.eff)} | ${ms(x.beforeFirst)} | ${ms(x.spanMs)} | ${ms(x.spanMs - x.busyMs)} | ${ms(x.afterLast)} | ${fixed(x.serverEff)} | ${x.maxInFlight} | ${fixed(x.meanInFlight, 1)} | ${x.runs.map((v) => fixed(v)).join(', ')} |`;
      }),
    ),
  ].join('\n');
}

function markdown({ machine, loadAfter, minutes, runners, eff, over, cold, mem, builds }) {
  const [pg, pf] = runners;
  const sampleConfig = promptfooConfig('<server url>/v1', 'C');
  const notes = [
    ...(pf.startupWarning ? [`promptfoo prints on every start: "${pf.startupWarning.trim()}" (it runs all the same).`] : []),
    ...(pf.crashedAfterFinishing
      ? [`promptfoo exited non-zero after finishing ${pf.crashedAfterFinishing} of its runs: all tests done and results.json written, then an uncaught error at exit (in CI this fails the job). Those runs were kept (the request count and the summary were checked as for any run). Seen: ${[...new Set(pf.notes)].filter((note) => note.startsWith('exit')).join('; ')}.`]
      : []),
    ...[...new Set(pf.notes)].filter((note) => note.startsWith('printed')).map((note) => `promptfoo ${note}.`),
    ...(blockedLookups.size
      ? [`promptfoo tried to reach the internet despite PROMPTFOO_DISABLE_TELEMETRY=1; the loopback guard refused these DNS lookups (count over all promptfoo runs of this bench): ${[...blockedLookups].map(([host, count]) => `${host} × ${count}`).join(', ')}. Refused at once, as on a machine without network; on a connected machine these requests would go out.`]
      : ['promptfoo attempted no DNS lookup off 127.0.0.1 in this run.']),
    ...[...new Set(pg.notes)],
    ...(builds.before !== builds.after ? [`dist was rebuilt during the run (${builds.before} → ${builds.after}): the promptgate figures may mix two builds.`] : []),
  ];
  return [
    '## promptgate and promptfoo, side by side',
    '',
    `Measured by \`node bench/promptfoo.mjs${opts.quick ? ' --quick' : ''} --runs ${RUNS} --promptfoo ${opts.promptfoo}\` on ${machine.date}, in ${minutes.toFixed(1)} min: promptgate ${pg.version} (build in dist, ${builds.before}) and promptfoo ${pf.version}, alternating run by run, against the same local server (bench/server.mjs, 127.0.0.1) and byte-identical CSVs of N cases (\`n,word,__expected\`, graded with \`contains\`, one in 50 failing on purpose). Every run was checked: the server saw exactly N requests and the tool reported N − N/50 passed, N/50 failed, 0 errors.`,
    '',
    `Machine: ${machine.nproc} cores, ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}; load average ${machine.load} before and ${loadAfter} after the run.`,
    '',
    '### Summary',
    '',
    `Medians of ${RUNS} runs (cold start: ${cold.runs}; peak RSS: one run). Every ratio is oriented so that **> 1 means promptgate is better**: efficiency is promptgate ÷ promptfoo (higher is better); overhead, cold start, RSS and wall time are promptfoo ÷ promptgate (lower is better).`,
    '',
    summaryTable({ eff, over, cold, mem }),
    '',
    '### Efficiency at 50 ms, in detail',
    '',
    'efficiency = ceil(N/C) × 50 ms ÷ wall time (spawn to exit). "server span" is the first request\'s arrival to the last answer; "of which nothing in flight" is the part of that span when the server had no request open (the client was busy elsewhere); server-side efficiency = ideal ÷ span (start-up and finishing excluded). In-flight counts are the server\'s, for the median run.',
    '',
    efficiencyDetail(eff, runners),
    '',
    '### Overhead at 0 ms',
    '',
    `The server answers at once, so time is client work. T(N) and T(1) are medians of ${RUNS} runs of the same project with N and with 1 case.`,
    '',
    `| tool | T(${over.n}) | T(1) | (T(N) − T(1)) ÷ (N − 1) |`,
    '|---|---:|---:|---:|',
    ...runners.map(({ name }) => `| ${name} | ${ms(over[name].tN)} | ${ms(over[name].t1)} | ${fixed(over[name].perCase)} ms |`),
    '',
    '### Cold start',
    '',
    '| command | median |',
    '|---|---:|',
    ...cold.commands.map((cmd) => `| ${cmd.label} | ${ms(cold.result[cmd.name])} |`),
    '',
    '### Commands',
    '',
    `- promptgate: \`${pg.command}\` in a project from bench/project.mjs (eval.config.mjs, prompts/bench.prompt, evals/bench.csv; \`cache: false\`, \`maxRetries: 0\`).`,
    `- promptfoo ${pf.version}: \`${pf.command}\` in a temp folder holding bench.csv (copied from promptgate's project), prompt.json and promptfooconfig.yaml; environment \`PROMPTFOO_CONFIG_DIR=<temp>/.promptfoo PROMPTFOO_CACHE_PATH=<temp>/.promptfoo/cache PROMPTFOO_CACHE_ENABLED=false PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_DISABLE_SHARING=1 PROMPTFOO_DISABLE_REMOTE_GENERATION=1\`. It writes results.json and, as by default, its sqlite database (in the temp folder); promptgate writes run.json and calls.jsonl.`,
    `- promptfoo's process also gets \`NODE_OPTIONS=--require <temp>/guard.cjs\`: a 20-line preload (GUARD in bench/promptfoo.mjs) that makes every DNS lookup of a name other than localhost fail at once, so nothing leaves 127.0.0.1 (see Notes); its start-up cost is the difference between the two \`node\` rows of the cold-start table.`,
    `- Both: \`CI=true NO_COLOR=1 FORCE_COLOR=0 ${KEY_ENV}=sk-bench\`, NODE_EXTRA_CA_CERTS removed. Peak RSS by ${hasGnuTime ? 'GNU time `%M`' : 'polling VmHWM'}.`,
    '',
    'promptfooconfig.yaml:',
    '',
    '```yaml',
    sampleConfig.trimEnd(),
    '```',
    '',
    'prompt.json:',
    '',
    '```json',
    PROMPTFOO_PROMPT,
    '```',
    ...(notes.length ? ['', '### Notes', '', ...notes.map((note) => `- ${note}`)] : []),
  ].join('\n');
}

function buildStamp(cli) {
  try {
    return new Date(statSync(cli).mtimeMs).toISOString().replace(/\.\d+Z$/, 'Z');
  } catch {
    return 'missing';
  }
}

async function main() {
  if (!existsSync(opts.promptfoo)) {
    log(`promptfoo not found at ${opts.promptfoo}: install it outside the repository (see the header of this file) and pass --promptfoo <path to its bin> or set PROMPTFOO_BIN`);
    process.exitCode = 1;
    return;
  }
  if (!existsSync(opts.cli)) {
    log(`${opts.cli} not found: run \`npm run build\` first`);
    process.exitCode = 1;
    return;
  }
  const machine = machineInfo();
  const builds = { before: buildStamp(opts.cli) };
  const guardDir = await writeGuard();
  const runners = [promptgateRunner(opts.cli), promptfooRunner(opts.promptfoo)];
  log(`promptgate ${runners[0].version} (${opts.cli}), promptfoo ${runners[1].version}; load ${machine.load}`);
  const server = await startBenchServer({ latencyMs: 50 });
  const started = performance.now();
  try {
    const eff = await efficiency(server, runners);
    const over = await overhead(server, runners);
    const cold = await coldStart(runners);
    const mem = await memory(server, runners);
    builds.after = buildStamp(opts.cli);
    const minutes = (performance.now() - started) / 60_000;
    const text = markdown({ machine, loadAfter: machineInfo().load, minutes, runners, eff, over, cold, mem, builds });
    process.stdout.write(`${text}\n`);
    if (!opts['no-write']) {
      // Appended at the end of the file the first time (the markers are not there yet).
      writeBetweenMarkers(opts.out, { start: START, end: END, text, place: 'end' });
      log(`wrote ${opts.out}`);
    }
  } finally {
    await server.close();
    await rm(runners[1].versionDir, { recursive: true, force: true });
    await rm(guardDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  log(`bench/promptfoo.mjs could not run: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
