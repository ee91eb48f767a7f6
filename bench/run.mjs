#!/usr/bin/env node
/**
 * `npm run bench`: promptgate's speed, measured from outside the process on the current build.
 *
 * Starts a local OpenAI-compatible server (bench/server.mjs, 127.0.0.1, fixed latency, counts
 * requests in flight), writes throwaway projects (bench/project.mjs) and runs the built CLI as a
 * child process, as a user would. Figures go to BENCHMARKS.md between its bench markers (the rest
 * of the file is left alone). Exits non-zero only when it cannot run, never on a number.
 *
 * Options: --quick (small sizes, for trying the harness), --runs <n> (repeats of each timed
 * measurement, default 3; cold start uses max(10, n)), --only <sections> (comma list of:
 * efficiency, overhead, cold-start, memory, reports, gate), --out <file> (default BENCHMARKS.md),
 * --no-write (print only), --keep-env (keep NODE_EXTRA_CA_CERTS in the children's environment;
 * by default it is removed, see coldStart()).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fixed, hasCommand, hasGnuTime, hyperfineMedians, loadAverage, machineInfo, mb, median, ms, runMeasured, writeBetweenMarkers } from './measure.mjs';
import { KEY_ENV, makeBenchProject, removeProject } from './project.mjs';
import { startBenchServer } from './server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'bundle', 'bin.js');
const SECTIONS = ['efficiency', 'overhead', 'cold-start', 'memory', 'reports', 'gate'];
const START = '<!-- bench:start (written by `npm run bench`; edit outside these markers) -->';
const END = '<!-- bench:end -->';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'BENCHMARKS.md') },
    'no-write': { type: 'boolean', default: false },
    'keep-env': { type: 'boolean', default: false },
  },
});
const RUNS = Math.max(1, Number(opts.runs) || 3);
const only = new Set(opts.only ? opts.only.split(',').map((s) => s.trim()) : SECTIONS);
const quick = opts.quick;

/** The children's environment: a CI-like, colourless terminal and the bench key. */
function childEnv() {
  const env = { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', [KEY_ENV]: 'sk-bench' };
  if (!opts['keep-env']) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}
const ENV = childEnv();
const log = (line) => process.stderr.write(`${line}\n`);

async function promptgateRun(dir, concurrency, { rss = false } = {}) {
  const result = await runMeasured(process.execPath, [CLI, 'run', '--no-cache', '--concurrency', String(concurrency)], { cwd: dir, env: ENV, rss });
  if (result.code !== 0) throw new Error(`promptgate run exited ${result.code} in ${dir}: ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return result;
}

/** Runs `fn` `runs` times and returns the results sorted by `key`, with the median one. */
async function repeat(runs, fn, key) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await fn(i));
  results.sort((a, b) => key(a) - key(b));
  return { results, median: results[(results.length - 1) >> 1] };
}

// ── sections ─────────────────────────────────────────────────────────────────────────────────

async function efficiency(server, targets) {
  const latency = 50;
  const configs = quick ? [[200, 16], [1000, 32]] : [[200, 16], [1000, 32], [5000, 64]];
  server.setLatency(latency);
  const rows = [];
  for (const [n, c] of configs) {
    const dir = await makeBenchProject({ baseURL: server.url, cases: n });
    const ideal = Math.ceil(n / c) * latency;
    if (rows.length === 0) await promptgateRun(dir, c); // warm the file cache once
    const { results, median: mid } = await repeat(RUNS, async () => {
      server.reset();
      const spawnedAt = performance.now();
      const run = await promptgateRun(dir, c);
      const stats = server.stats();
      if (stats.count !== n) throw new Error(`server saw ${stats.count} requests, expected ${n}`);
      // Where the wall time beyond the server's span goes: before the first request, after the last answer.
      const beforeFirst = stats.firstArrivalAt - spawnedAt;
      const afterLast = spawnedAt + run.wallMs - stats.lastAnswerAt;
      return { wallMs: run.wallMs, eff: ideal / run.wallMs, serverEff: ideal / stats.spanMs, beforeFirst, afterLast, ...stats, load: loadAverage() };
    }, (r) => r.wallMs);
    // The same requests from a bare loop over the SDK (bench/sdk-baseline.mjs): the ceiling for any
    // runner that calls the model through the official SDK, on this machine and server.
    const sdkLoop = await repeat(RUNS, async () => {
      server.reset();
      const r = await runMeasured(process.execPath, [join(ROOT, 'bench', 'sdk-baseline.mjs'), server.url, String(n), String(c), 'default'], { cwd: ROOT, env: ENV });
      if (r.code !== 0) throw new Error(`sdk-baseline exited ${r.code}: ${r.stderr.trim()}`);
      return ideal / r.wallMs;
    }, (x) => x);
    log(`efficiency N=${n} C=${c}: ${results.map((r) => fixed(r.eff)).join(', ')} (bare SDK loop ${fixed(sdkLoop.median)})`);
    rows.push({ n, c, ideal, runs: results, ...mid, eff: median(results.map((r) => r.eff)), serverEff: median(results.map((r) => r.serverEff)), sdkEff: sdkLoop.median });
    await removeProject(dir);
  }
  const last = rows.at(-1);
  targets.push({ metric: `efficiency, N=${last.n}, C=${last.c}, ${latency} ms`, target: '≥ 0.97', measured: `${fixed(last.eff)} (bare SDK loop: ${fixed(last.sdkEff)})`, ratio: last.eff / 0.97, met: last.eff >= 0.97 });
  return [
    `### Efficiency at ${latency} ms latency`,
    '',
    `efficiency = ceil(N/C) × latency ÷ wall time of \`promptgate run --no-cache --concurrency C\`, wall time from spawn to exit of the process (start-up, config, reading cases, writing run.json all included); median of ${RUNS} runs. "server-side" uses the span from the server's first request to its last answer instead (start-up and finishing excluded). In-flight figures are counted by the server, for the median run; the mean is time-weighted over the time at least one request was in flight. "bare SDK loop" is the same N requests at the same concurrency from bench/sdk-baseline.mjs (a loop over the \`openai\` SDK with its default transport, nothing else; process start-up and the SDK import included): the ceiling for any runner that calls the model through the official SDK, on this machine and server.`,
    '',
    '| N | C | ideal | wall (median) | spawn → first request | server span | last answer → exit | efficiency | server-side efficiency | bare SDK loop | max in flight | mean in flight while busy | runs (efficiency) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.n} | ${r.c} | ${ms(r.ideal)} | ${ms(r.wallMs)} | ${ms(r.beforeFirst)} | ${ms(r.spanMs)} | ${ms(r.afterLast)} | ${fixed(r.eff)} | ${fixed(r.serverEff)} | ${fixed(r.sdkEff)} | ${r.maxInFlight} | ${fixed(r.meanInFlight, 1)} | ${r.runs.map((x) => fixed(x.eff)).join(', ')} |`),
  ].join('\n');
}

async function overhead(server, targets) {
  const n = quick ? 1000 : 5000;
  const c = 64;
  server.setLatency(0);
  const big = await makeBenchProject({ baseURL: server.url, cases: n });
  const one = await makeBenchProject({ baseURL: server.url, cases: 1 });
  await promptgateRun(one, c);
  const wall = async (fn) => (await repeat(RUNS, fn, (r) => r)).median;
  const tN = await wall(async () => (await promptgateRun(big, c)).wallMs);
  const t1 = await wall(async () => (await promptgateRun(one, c)).wallMs);
  const baseline = async (count, transport) => {
    const r = await runMeasured(process.execPath, [join(ROOT, 'bench', 'sdk-baseline.mjs'), server.url, String(count), String(c), transport], { cwd: ROOT, env: ENV });
    if (r.code !== 0) throw new Error(`sdk-baseline exited ${r.code}: ${r.stderr.trim()}`);
    return r.wallMs;
  };
  const bN = await wall(() => baseline(n, 'promptgate'));
  const b1 = await wall(() => baseline(1, 'promptgate'));
  const dN = await wall(() => baseline(n, 'default'));
  const d1 = await wall(() => baseline(1, 'default'));
  const gross = (tN - t1) / (n - 1);
  const sdk = (bN - b1) / (n - 1);
  const sdkDefault = (dN - d1) / (n - 1);
  const net = gross - sdk;
  await removeProject(big);
  await removeProject(one);
  log(`overhead: gross ${fixed(gross)} ms/case, SDK floor ${fixed(sdk)}, net ${fixed(net)}`);
  targets.push({ metric: `runner overhead per case (net of the SDK's own cost), N=${n}, C=${c}, 0 ms`, target: '< 0.1 ms', measured: `${fixed(net)} ms`, ratio: net / 0.1, met: net < 0.1 });
  targets.push({ metric: `overhead per case including the SDK and HTTP, N=${n}, C=${c}, 0 ms`, target: '< 0.1 ms', measured: `${fixed(gross)} ms`, ratio: gross / 0.1, met: gross < 0.1 });
  return [
    '### Runner overhead per case at 0 ms latency',
    '',
    `The server answers at once, so time is all client work. Each figure is the median wall time (spawn to exit) of ${RUNS} runs.`,
    '',
    `- T(N) = \`promptgate run\` on N = ${n} cases, C = ${c}: **${ms(tN)}**; T(1) = the same project with 1 case (process start-up, config, one call, run.json): **${ms(t1)}**.`,
    `- **per case, all included** = (T(N) − T(1)) ÷ (N − 1) = **${fixed(gross)} ms**. This includes the \`openai\` SDK and the HTTP round trip, which every runner calling the SDK pays.`,
    `- B(N), B(1) = the same requests made by a bare loop over the \`openai\` SDK at the same concurrency, with the transport promptgate gives the SDK (bench/sdk-baseline.mjs: no cases, grading or files): ${ms(bN)} and ${ms(b1)}, i.e. **${fixed(sdk)} ms** a call. With the SDK's default transport (Node's fetch) the same loop costs ${fixed(sdkDefault)} ms a call (${ms(dN)} and ${ms(d1)}).`,
    `- **runner overhead per case** = per case − SDK per call = **${fixed(net)} ms**: what promptgate adds (reading and rendering cases, scheduling, grading, calls.jsonl, run.json).`,
  ].join('\n');
}

async function coldStart(targets) {
  const runs = Math.max(10, RUNS);
  const commands = [
    ['`node -e 0` (bare Node, for reference)', [process.execPath, '-e', '0']],
    ['`promptgate --version`', [process.execPath, CLI, '--version']],
    ['`promptgate check` (the repo example)', [process.execPath, CLI, 'check']],
  ];
  let tool = 'hyperfine';
  let medians = hasCommand('hyperfine') ? hyperfineMedians(commands.map(([, argv]) => argv.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')), { runs, warmup: 2, cwd: ROOT, env: ENV }) : undefined;
  if (!medians) {
    tool = 'bench/measure.mjs (hyperfine not installed)';
    medians = [];
    for (const [, [file, ...args]] of commands) {
      for (let i = 0; i < 2; i++) await runMeasured(file, args, { cwd: ROOT, env: ENV });
      const times = [];
      for (let i = 0; i < runs; i++) {
        const r = await runMeasured(file, args, { cwd: ROOT, env: ENV });
        if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
        times.push(r.wallMs);
      }
      medians.push(median(times));
    }
  }
  // Measured once more with the variable, so its cost is on record (it is Node's, not promptgate's).
  let caNote = '';
  if (process.env.NODE_EXTRA_CA_CERTS && !opts['keep-env']) {
    const withCa = { ...ENV, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS };
    const times = [];
    for (let i = 0; i < runs; i++) times.push((await runMeasured(process.execPath, ['-e', '0'], { cwd: ROOT, env: withCa })).wallMs);
    caNote = `\n\nThis machine sets NODE_EXTRA_CA_CERTS; Node reads that certificate bundle at start-up, before any of promptgate's code: \`node -e 0\` takes ${ms(median(times))} with it. The bench removes it from its children's environment (\`--keep-env\` keeps it), as the local server needs no TLS.`;
  }
  const [bare, version, check] = medians;
  targets.push({ metric: 'cold start, promptgate --version', target: '< 150 ms', measured: ms(version), ratio: version / 150, met: version < 150 });
  targets.push({ metric: 'cold start, promptgate check (example)', target: '< 400 ms', measured: ms(check), ratio: check / 400, met: check < 400 });
  return [
    '### Cold start',
    '',
    `Median wall time of ${runs} runs after 2 warm-up runs, by ${tool}, in the repository root (the bundled example: eval.config.ts, 2 prompts, 44 cases).`,
    '',
    '| command | median |',
    '|---|---:|',
    ...commands.map(([label], i) => `| ${label} | ${ms(medians[i])} |`),
    caNote,
    '',
    `Without Node's own start-up: --version ${ms(version - bare)}, check ${ms(check - bare)}.`,
  ].join('\n');
}

async function memory(server, targets, keep) {
  const sizes = quick ? [2_000, 5_000, 10_000] : [10_000, 50_000, 100_000];
  server.setLatency(0);
  const rows = [];
  for (const n of sizes) {
    const dir = await makeBenchProject({ baseURL: server.url, cases: n });
    const run = await promptgateRun(dir, 64, { rss: true });
    rows.push({ n, wallMs: run.wallMs, kb: run.peakRssKb, load: loadAverage() });
    log(`memory N=${n}: ${mb(run.peakRssKb)} in ${ms(run.wallMs)}`);
    if (n === 10_000) keep.runDir = join(dir, 'reports', readdirSync(join(dir, 'reports'))[0]);
    else await removeProject(dir);
    if (n === 10_000) keep.project = dir;
  }
  const top = rows.at(-1);
  const growth = top.kb / rows[0].kb;
  targets.push({ metric: `peak RSS, N=${top.n}`, target: '< 250 MB', measured: mb(top.kb), ratio: top.kb / 1024 / 250, met: top.kb / 1024 < 250 });
  targets.push({ metric: `peak RSS growth ${rows[0].n} → ${top.n} cases`, target: 'flat (≤ 1.2×)', measured: `${fixed(growth, 2)}×`, ratio: growth / 1.2, met: growth <= 1.2 });
  return [
    '### Peak memory',
    '',
    `Peak resident set size of the \`promptgate run\` process (${hasGnuTime ? 'GNU time `%M`, the "Maximum resident set size" of `/usr/bin/time -v`' : 'polled VmHWM from /proc/<pid>/status'}), one case file of N rows, 0 ms latency, C = 64, one run each (memory does not vary between runs the way time does).`,
    '',
    '| cases | peak RSS | wall time |',
    '|---:|---:|---:|',
    ...rows.map((r) => `| ${r.n.toLocaleString('en-US')} | ${mb(r.kb)} | ${ms(r.wallMs)} |`),
  ].join('\n');
}

async function reports(keep) {
  if (!keep.runDir) return '### Report generation\n\nnot available: needs the 10,000-case run of the memory section (run with `--only memory,reports`).';
  const hasReport = spawnSync(process.execPath, [CLI, 'report', '--help'], { env: ENV, stdio: 'ignore' }).status === 0;
  if (!hasReport) return '### Report generation\n\nnot available: this build has no `promptgate report` command.';
  const cases = JSON.parse(readFileSync(join(keep.runDir, 'run.json'), 'utf8')).cases.length;
  const time = async (reporter) => {
    const { median: mid } = await repeat(RUNS, async () => {
      const r = await runMeasured(process.execPath, [CLI, 'report', keep.runDir, '--reporter', reporter], { cwd: keep.project, env: ENV, rss: true });
      return r.code === 0 ? r : { ...r, wallMs: NaN };
    }, (r) => r.wallMs);
    return mid;
  };
  const base = await time('json');
  const rows = [];
  for (const [reporter, file] of [['html', 'report.html'], ['junit', 'junit.xml'], ['markdown', 'summary.md']]) {
    const r = await time(reporter);
    rows.push({ reporter, wallMs: r.wallMs, kb: r.peakRssKb, file: existsSync(join(keep.runDir, file)) ? file : readdirSync(keep.runDir).filter((f) => f !== 'run.json' && f !== 'calls.jsonl').join(', ') });
    log(`report ${reporter}: ${ms(r.wallMs)}`);
  }
  const browser = await browserTimes(join(keep.runDir, 'report.html'), cases);
  return [
    '### Report generation',
    '',
    `\`promptgate report <run> --reporter <name>\` on a stored run of ${cases.toLocaleString('en-US')} cases: median wall time of ${RUNS} runs (start-up and reading run.json included). The \`json\` row does nothing but start and read the run (run.json is already there): the difference is the reporter's own time.`,
    '',
    '| reporter | wall | minus the json row | peak RSS | file |',
    '|---|---:|---:|---:|---|',
    `| json (start-up + read) | ${ms(base.wallMs)} | — | ${mb(base.peakRssKb)} | run.json |`,
    ...rows.map((r) => `| ${r.reporter} | ${ms(r.wallMs)} | ${ms(r.wallMs - base.wallMs)} | ${mb(r.kb)} | ${r.file} |`),
    '',
    browser,
  ].join('\n');
}

/**
 * report.html of that run in headless Chromium (playwright-core, Debian's /usr/bin/chromium or
 * PROMPTGATE_CHROMIUM), from file://: median over RUNS fresh pages of the time to the first page
 * of rows, then to the failing filter applied, then to a search applied (its 120 ms debounce
 * included). The test suite checks what the page shows on a smaller report; the speed at this
 * size is measured here, where the machine's load cannot fail a test.
 */
async function browserTimes(file, cases) {
  const heading = `Opened in headless Chromium (median of ${RUNS} fresh pages):`;
  const executablePath = process.env.PROMPTGATE_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(file) || !existsSync(executablePath)) return `${heading} not available (no report.html or no Chromium at ${executablePath}).`;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  try {
    const url = pathToFileURL(file).href;
    const samples = { load: [], filter: [], search: [] };
    let counts = '';
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage();
      const t0 = performance.now();
      await page.goto(url);
      await page.getByTestId('case-row').first().waitFor();
      const t1 = performance.now();
      const before = await page.getByTestId('count').textContent();
      await page.getByTestId('filter-failing').click();
      await page.waitForFunction((text) => document.querySelector('[data-testid="count"]')?.textContent !== text, before);
      const t2 = performance.now();
      const filtered = await page.getByTestId('count').textContent();
      await page.getByTestId('search').fill('ping-1');
      await page.waitForFunction((text) => document.querySelector('[data-testid="count"]')?.textContent !== text, filtered);
      const t3 = performance.now();
      counts = `${before} → ${filtered} → ${await page.getByTestId('count').textContent()}`;
      samples.load.push(t1 - t0);
      samples.filter.push(t2 - t1);
      samples.search.push(t3 - t2);
      await page.close();
    }
    log(`report.html in Chromium: load ${ms(median(samples.load))}, filter ${ms(median(samples.filter))}, search ${ms(median(samples.search))}`);
    return [
      heading,
      '',
      `| ${cases.toLocaleString('en-US')} cases | first rows shown | failing filter applied | search applied (incl. 120 ms debounce) |`,
      '|---|---:|---:|---:|',
      `| report.html | ${ms(median(samples.load))} | ${ms(median(samples.filter))} | ${ms(median(samples.search))} |`,
      '',
      `Counts shown: ${counts}.`,
    ].join('\n');
  } finally {
    await browser.close();
  }
}

async function gate() {
  try {
    const { runGateBench } = await import('./gate/gate-bench.mjs');
    const result = await runGateBench(quick ? { compares: 40 } : {});
    return result.markdown.replace(/^### /, '### ');
  } catch (error) {
    return `### Gate power and false alarms\n\nnot available: ${error instanceof Error ? error.message : String(error)}`;
  }
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────

function targetTable(targets) {
  return [
    '| measure | target | measured | measured ÷ target | met |',
    '|---|---|---:|---:|---|',
    ...targets.map((t) => `| ${t.metric} | ${t.target} | ${t.measured} | ${fixed(t.ratio, 2)} | ${t.met ? 'yes' : 'no'} |`),
  ].join('\n');
}

function writeReport(body) {
  writeBetweenMarkers(opts.out, { start: START, end: END, text: body, place: 'top' });
  log(`wrote ${opts.out}`);
}

async function main() {
  if (!existsSync(CLI)) throw new Error('dist/bundle/bin.js not found: build first (`npm run bench` runs `npm run build`)');
  const machine = machineInfo();
  const loadBefore = machine.load;
  const server = await startBenchServer({ latencyMs: 50 });
  const targets = [];
  const parts = [];
  const keep = {};
  const started = performance.now();
  try {
    if (only.has('efficiency')) parts.push(await efficiency(server, targets));
    if (only.has('overhead')) parts.push(await overhead(server, targets));
    if (only.has('cold-start')) parts.push(await coldStart(targets));
    if (only.has('memory') || only.has('reports')) {
      const section = await memory(server, targets, keep);
      if (only.has('memory')) parts.push(section);
    }
    if (only.has('reports')) parts.push(await reports(keep));
    if (only.has('gate')) parts.push(await gate());
  } finally {
    await server.close();
    if (keep.project) await removeProject(keep.project);
  }
  const minutes = (performance.now() - started) / 60_000;
  const body = [
    `Measured by \`npm run bench\` (= \`npm run build && node bench/run.mjs${quick ? ' --quick' : ''}\`) on ${machine.date}, in ${minutes.toFixed(1)} min.`,
    '',
    `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, ${machine.memoryGiB} GiB memory, Node ${machine.node}; load average ${loadBefore} before the run and ${machineInfo().load} after it (other work on the machine slows every timed figure).`,
    '',
    'Every timed figure is the wall time of a `promptgate` child process, measured from outside it (spawn to exit), against bench/server.mjs: a local OpenAI-compatible server on 127.0.0.1 with a fixed latency that counts requests in flight. Each project has one prompt and one CSV of N cases graded with `contains:` (bench/project.mjs); runs use `--no-cache`.',
    '',
    '## Targets',
    '',
    targetTable(targets),
    '',
    '## Figures',
    '',
    parts.join('\n\n'),
  ].join('\n');
  process.stdout.write(`${body}\n`);
  if (!opts['no-write']) writeReport(body);
}

main().catch((error) => {
  process.stderr.write(`bench could not run: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
