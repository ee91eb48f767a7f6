/**
 * Measuring child processes from the outside: wall time (spawn to exit), peak RSS, and the
 * machine the figures come from.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

/** Whether `/usr/bin/time` is GNU time (it takes `-f` and `-o`). */
export const hasGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;

export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs `command args` to its end and returns `{ code, wallMs, peakRssKb, stdout, stderr }`.
 * Wall time is from spawn to exit as seen by this process. With `rss`, the peak RSS comes from
 * GNU time (`%M`, the same figure as `/usr/bin/time -v`'s "Maximum resident set size"), else from
 * polling /proc/<pid>/status VmHWM every 20 ms (the high-water mark, so only growth in the
 * last poll interval can be missed).
 */
export async function runMeasured(command, args, { cwd, env, rss = false, timeoutMs = 30 * 60_000 } = {}) {
  let timeFile;
  let file = command;
  let argv = args;
  if (rss && hasGnuTime) {
    const dir = await mkdtemp(join(tmpdir(), 'promptgate-bench-time-'));
    timeFile = join(dir, 'time.txt');
    file = GNU_TIME;
    argv = ['-f', '%M', '-o', timeFile, command, ...args];
  }
  const started = performance.now();
  const child = spawn(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout = (stdout + d).slice(-20_000)));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  let polledKb = 0;
  const poll = rss && !hasGnuTime ? setInterval(() => (polledKb = Math.max(polledKb, vmHwmKb(child.pid))), 20) : undefined;
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve(status ?? (signal ? 128 : 1)));
  });
  const wallMs = performance.now() - started;
  clearTimeout(killer);
  if (poll) clearInterval(poll);
  let peakRssKb = rss ? polledKb : undefined;
  if (timeFile) {
    const text = await readFile(timeFile, 'utf8').catch(() => '');
    const kb = Number(text.trim().split('\n').at(-1));
    peakRssKb = Number.isFinite(kb) ? kb : undefined;
    await rm(join(timeFile, '..'), { recursive: true, force: true });
  }
  return { code, wallMs, peakRssKb, stdout, stderr };
}

function vmHwmKb(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `hyperfine` on the commands and returns the median wall time of each in ms. */
export function hyperfineMedians(commands, { runs, warmup, cwd, env }) {
  const dir = spawnSync('mktemp', ['-d']).stdout.toString().trim();
  const out = join(dir, 'hyperfine.json');
  const result = spawnSync('hyperfine', ['--style', 'none', '--shell', 'none', '--warmup', String(warmup), '--runs', String(runs), '--export-json', out, ...commands], { cwd, env, stdio: 'ignore' });
  if (result.status !== 0) return undefined;
  const data = JSON.parse(readFileSync(out, 'utf8'));
  spawnSync('rm', ['-rf', dir]);
  return data.results.map((r) => r.median * 1000);
}

/** The machine, for the report: cores, CPU model, memory, node, load, date. */
export function machineInfo() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const nproc = spawnSync('nproc').stdout?.toString().trim() || String(cpus().length);
  const load = existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'n/a';
  return {
    nproc,
    cpu: model,
    memoryGiB: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    load,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

export function loadAverage() {
  return existsSync('/proc/loadavg') ? Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) : NaN;
}

// ── figures as text, and the sections of BENCHMARKS.md the benches own ──────────────────────────

export const fixed = (v, digits = 3) => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
export const ms = (v) => (v === undefined || Number.isNaN(v) ? 'n/a' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
export const mb = (kb) => (kb === undefined || Number.isNaN(kb) ? 'n/a' : `${Math.round(kb / 1024)} MB`);

/**
 * Replaces what stands between the markers `start` … `end` in `file` with `text` (the rest of the
 * file is left alone). Where the markers are not there yet, the block goes at the top of the file
 * (`place: 'top'`, under a "# Benchmarks" heading) or at its end.
 */
export function writeBetweenMarkers(file, { start, end, text, place }) {
  const block = `${start}\n${text}\n${end}`;
  const body = existsSync(file) ? readFileSync(file, 'utf8') : '';
  // The start marker is found by its name, so editing its explanation does not lose the block.
  const s = body.indexOf(start.slice(0, start.indexOf(' (') > 0 ? start.indexOf(' (') : start.length));
  const e = body.indexOf(end);
  let next;
  if (s >= 0 && e > s) next = `${body.slice(0, s)}${block}${body.slice(e + end.length)}`;
  else if (place === 'top') next = `# Benchmarks\n\n${block}\n${body ? `\n${body}` : ''}`;
  else next = `${(body || '# Benchmarks\n').trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
