#!/usr/bin/env node
/**
 * `npm run bench:promptfoo`: promptgate and promptfoo side by side, in one run on one machine,
 * against the same local server (bench/server.mjs) and the very same CSV of cases.
 *
 * promptfoo is not a dependency of promptgate. Install it anywhere and name its command:
 *   npm install --prefix /tmp/pf promptfoo@0.121.20      # the newest release that runs on Node 20
 *   npm run bench:promptfoo -- --promptfoo /tmp/pf/node_modules/.bin/promptfoo
 * (or set PROMPTFOO_BIN). Without it the script says so and exits 1: it cannot run.
 *
 * Same definitions as bench/run.mjs, each measured from outside the process (spawn to exit):
 * - efficiency = ceil(N/C) × latency ÷ wall time, at 50 ms, for N/C = 200/16, 1000/32, 5000/64;
 * - overhead per case at 0 ms latency = (T(N) − T(1)) ÷ (N − 1), N = 5000, C = 64;
 * - cold start of `--version`;
 * - peak RSS at N = 10,000 cases, 0 ms latency, C = 64.
 * Every run is checked at the server: it must have received exactly N requests.
 *
 * promptfoo runs as its users run it in CI: `promptfoo eval -c promptfooconfig.yaml --no-cache
 * -j C --no-progress-bar --no-table -o results.json`, telemetry, update checks and sharing off,
 * its config folder (and database) in the temp project. Exit code 100 (some tests failed) is
 * expected: one case in 50 fails on purpose, as in bench/project.mjs.
 *
 * Options: --runs <n> (default 3), --quick (smaller sizes), --no-write (print only),
 * --out <file> (default BENCHMARKS.md; the section between the vs-promptfoo markers is replaced).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo, median, runMeasured } from './measure.mjs';
import { KEY_ENV, makeBenchProject, removeProject } from './project.mjs';
import { startBenchServer } from './server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'bundle', 'bin.js');
const START = '<!-- vs-promptfoo:start (written by `npm run bench:promptfoo`; edit outside these markers) -->';
const END = '<!-- vs-promptfoo:end -->';

const { values: opts } = parseArgs({
  options: {
    promptfoo: { type: 'string', default: process.env.PROMPTFOO_BIN },
    runs: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'BENCHMARKS.md') },
  },
});
const RUNS = Math.max(1, Number(opts.runs) || 3);
const log = (line) => process.stderr.write(`${line}\n`);
const fixed = (v, digits = 3) => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
const ms = (v) => (v === undefined || Number.isNaN(v) ? 'n/a' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const mb = (kb) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);

const baseEnv = { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', [KEY_ENV]: 'sk-bench' };
delete baseEnv.NODE_EXTRA_CA_CERTS; // a certificate bundle read at start-up by Node, for both tools alike

/** A runner: how to set up a project for N cases and how to run it at concurrency C. */
function promptgateRunner() {
  return {
    name: 'promptgate',
    version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    versionArgs: [process.execPath, CLI, '--version'],
    async run(dir, c, rss) {
      const r = await runMeasured(process.execPath, [CLI, 'run', '--no-cache', '--concurrency', String(c)], { cwd: dir, env: baseEnv, rss });
      if (r.code !== 0) throw new Error(`promptgate run exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
      return r;
    },
  };
}

function promptfooRunner(bin) {
  const env = (dir) => ({
    ...baseEnv,
    PROMPTFOO_CONFIG_DIR: join(dir, '.promptfoo'),
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_SHARING: '1',
    PROMPTFOO_CACHE_ENABLED: 'false',
  });
  const version = spawnSync(bin, ['--version'], { env: env('/tmp'), encoding: 'utf8' }).stdout.trim().split('\n').at(-1);
  return {
    name: 'promptfoo',
    version,
    versionArgs: [bin, '--version'],
    versionEnv: env('/tmp'),
    crashesAtExit: 0,
    async run(dir, c, rss) {
      const results = join(dir, 'results.json');
      await rm(results, { force: true });
      const args = ['eval', '-c', 'promptfooconfig.yaml', '--no-cache', '-j', String(c), '--no-progress-bar', '--no-table', '-o', 'results.json'];
      const r = await runMeasured(bin, args, { cwd: dir, env: env(dir), rss });
      if (r.code === 0 || r.code === 100) return r;
      // Seen with promptfoo 0.121 at 0 ms latency: every test done and results.json written, then
      // its logger throws "write after end" and the process exits 1. Counted, and the run kept.
      if (existsSync(results) && /write after end/.test(r.stderr)) {
        this.crashesAtExit++;
        return r;
      }
      throw new Error(`promptfoo eval exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
    },
  };
}

/**
 * One project both tools run: promptgate's (eval.config.mjs, prompts/bench.prompt, evals/bench.csv)
 * plus promptfoo's config over the same CSV and the same two messages.
 */
async function makeProject(baseURL, cases) {
  const dir = await makeBenchProject({ baseURL, cases, prefix: 'promptgate-vs-promptfoo-' });
  await writeFile(
    join(dir, 'prompt.json'),
    JSON.stringify([
      { role: 'system', content: 'Answer with one word.' },
      { role: 'user', content: 'Question {{n}}: what does the server say to {{word}}?' },
    ]),
  );
  await writeFile(
    join(dir, 'promptfooconfig.yaml'),
    [
      'prompts:',
      '  - file://prompt.json',
      'providers:',
      '  - id: openai:chat:bench-model',
      '    config:',
      `      apiBaseUrl: ${baseURL}`,
      `      apiKeyEnvar: ${KEY_ENV}`,
      '      temperature: 0',
      '      max_tokens: 16',
      'tests: file://evals/bench.csv',
      '',
    ].join('\n'),
  );
  return dir;
}

/** Runs `runner` on `dir` `RUNS` times; checks the server saw exactly `n` requests each time. */
async function timedRuns(runner, server, dir, n, c) {
  const walls = [];
  for (let i = 0; i < RUNS; i++) {
    server.reset();
    const r = await runner.run(dir, c, false);
    const seen = server.stats().count;
    if (seen !== n) throw new Error(`${runner.name}: the server saw ${seen} requests, expected ${n}`);
    walls.push(r.wallMs);
  }
  return median(walls);
}

async function efficiency(server, runners) {
  const latency = 50;
  const sizes = opts.quick ? [[200, 16], [1000, 32]] : [[200, 16], [1000, 32], [5000, 64]];
  server.setLatency(latency);
  const rows = [];
  for (const [n, c] of sizes) {
    const dir = await makeProject(server.url, n);
    const ideal = Math.ceil(n / c) * latency;
    const row = { n, c, ideal };
    for (const runner of runners) {
      await runner.run(dir, c, false); // warm the file cache
      row[runner.name] = ideal / (await timedRuns(runner, server, dir, n, c));
      log(`efficiency N=${n} C=${c} ${runner.name}: ${fixed(row[runner.name])}`);
    }
    rows.push(row);
    await removeProject(dir);
  }
  return rows;
}

async function overhead(server, runners) {
  const n = opts.quick ? 1000 : 5000;
  const c = 64;
  server.setLatency(0);
  const big = await makeProject(server.url, n);
  const one = await makeProject(server.url, 1);
  const result = { n, c };
  for (const runner of runners) {
    await runner.run(one, c, false);
    const tN = await timedRuns(runner, server, big, n, c);
    const t1 = await timedRuns(runner, server, one, 1, c);
    result[runner.name] = { tN, t1, perCase: (tN - t1) / (n - 1) };
    log(`overhead ${runner.name}: ${fixed(result[runner.name].perCase)} ms/case`);
  }
  await removeProject(big);
  await removeProject(one);
  return result;
}

async function coldStart(runners) {
  const runs = Math.max(10, RUNS);
  const result = {};
  for (const runner of runners) {
    const [file, ...args] = runner.versionArgs;
    const env = runner.versionEnv ?? baseEnv;
    for (let i = 0; i < 2; i++) await runMeasured(file, args, { cwd: ROOT, env });
    const times = [];
    for (let i = 0; i < runs; i++) times.push((await runMeasured(file, args, { cwd: ROOT, env })).wallMs);
    result[runner.name] = median(times);
    log(`--version ${runner.name}: ${ms(result[runner.name])}`);
  }
  return result;
}

async function memory(server, runners) {
  const n = opts.quick ? 2_000 : 10_000;
  server.setLatency(0);
  const dir = await makeProject(server.url, n);
  const result = { n };
  for (const runner of runners) {
    server.reset();
    const r = await runner.run(dir, 64, true);
    if (server.stats().count !== n) throw new Error(`${runner.name}: the server saw ${server.stats().count} requests, expected ${n}`);
    result[runner.name] = { kb: r.peakRssKb, wallMs: r.wallMs };
    log(`memory N=${n} ${runner.name}: ${mb(r.peakRssKb)}`);
  }
  await removeProject(dir);
  return result;
}

function markdown({ machine, minutes, pg, pf, eff, over, cold, mem }) {
  const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a');
  return [
    '## promptgate and promptfoo, side by side',
    '',
    `Measured by \`npm run bench:promptfoo\` (bench/vs-promptfoo.mjs) on ${machine.date}, in ${minutes.toFixed(1)} min: promptgate ${pg.version} (this build) and promptfoo ${pf.version}, one after the other in one run, against the same local server (bench/server.mjs) and the same CSV of cases (\`n,word,__expected\`, graded with \`contains:\`, one in 50 failing). Every run was checked at the server to make exactly N requests. Machine: ${machine.nproc} cores, ${machine.cpu}, Node ${machine.node}; load average ${machine.load} before the run.`,
    '',
    `promptfoo ran as \`promptfoo eval -c promptfooconfig.yaml --no-cache -j C --no-progress-bar --no-table -o results.json\` (telemetry, update checks and sharing off; it also writes its own database, as it does by default). promptgate ran as \`promptgate run --no-cache --concurrency C\` (it writes run.json and calls.jsonl). Medians of ${RUNS} runs; "better" is how many times better promptgate's figure is.`,
    '',
    '| measure | promptgate | promptfoo | better | target |',
    '|---|---:|---:|---:|---|',
    ...eff.map((r) => `| efficiency, N=${r.n}, C=${r.c}, 50 ms | ${fixed(r.promptgate)} | ${fixed(r.promptfoo)} | ${ratio(r.promptgate, r.promptfoo)} | ≥ 0.97 (N=5000) |`),
    `| overhead per case at 0 ms, N=${over.n}, C=${over.c} (SDK and HTTP included) | ${fixed(over.promptgate.perCase)} ms | ${fixed(over.promptfoo.perCase)} ms | ${ratio(over.promptfoo.perCase, over.promptgate.perCase)} | < 0.1 ms |`,
    `| T(N) / T(1) of that measure | ${ms(over.promptgate.tN)} / ${ms(over.promptgate.t1)} | ${ms(over.promptfoo.tN)} / ${ms(over.promptfoo.t1)} | | |`,
    `| cold start, \`--version\` | ${ms(cold.promptgate)} | ${ms(cold.promptfoo)} | ${ratio(cold.promptfoo, cold.promptgate)} | < 150 ms |`,
    `| peak RSS, N=${mem.n.toLocaleString('en-US')}, 0 ms, C=64 | ${mb(mem.promptgate.kb)} | ${mb(mem.promptfoo.kb)} | ${ratio(mem.promptfoo.kb, mem.promptgate.kb)} | < 250 MB at 100k |`,
    `| wall time of that run | ${ms(mem.promptgate.wallMs)} | ${ms(mem.promptfoo.wallMs)} | ${ratio(mem.promptfoo.wallMs, mem.promptgate.wallMs)} | |`,
    ...(pf.crashesAtExit > 0
      ? ['', `promptfoo exited 1 after finishing ${pf.crashesAtExit} of its runs (all tests done, results.json written, then its logger threw "write after end"); those runs are counted as finished.`]
      : []),
  ].join('\n');
}

function write(text) {
  const block = `${START}\n${text}\n${END}`;
  let body = existsSync(opts.out) ? readFileSync(opts.out, 'utf8') : '# Benchmarks\n';
  const s = body.indexOf(START.slice(0, 26));
  const e = body.indexOf(END);
  body = s >= 0 && e > s ? `${body.slice(0, s)}${block}${body.slice(e + END.length)}` : `${body.trimEnd()}\n\n${block}\n`;
  writeFileSync(opts.out, body);
  log(`wrote ${opts.out}`);
}

async function main() {
  if (!opts.promptfoo || !existsSync(opts.promptfoo)) {
    log('promptfoo not found: install it (npm install --prefix /tmp/pf promptfoo@0.121.20) and pass --promptfoo /tmp/pf/node_modules/.bin/promptfoo or set PROMPTFOO_BIN');
    process.exitCode = 1;
    return;
  }
  if (!existsSync(CLI)) throw new Error('dist/bundle/bin.js not found: run `npm run build` first');
  const machine = machineInfo();
  const runners = [promptgateRunner(), promptfooRunner(opts.promptfoo)];
  const server = await startBenchServer({ latencyMs: 50 });
  const started = performance.now();
  try {
    const eff = await efficiency(server, runners);
    const over = await overhead(server, runners);
    const cold = await coldStart(runners);
    const mem = await memory(server, runners);
    const text = markdown({ machine, minutes: (performance.now() - started) / 60_000, pg: runners[0], pf: runners[1], eff, over, cold, mem });
    process.stdout.write(`${text}\n`);
    if (!opts['no-write']) write(text);
  } finally {
    await server.close();
  }
}

main().catch((error) => {
  log(`bench:promptfoo could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
