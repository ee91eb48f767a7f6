import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { makeProject, REPO_ROOT, runCli } from '../helpers/cli.js';
import { createFaultPlan } from '../helpers/fault-plan.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer } from '../helpers/openai-server.js';
import { readRun, runFolders } from '../helpers/runs.js';

/**
 * `npm run soak`: 20,000 cases through the fault server (20% 5xx, 10% 429, 5% resets/timeouts) at
 * concurrency 64. Samples the CLI process's RSS and open file descriptors (/proc/<pid>) while it
 * runs, checks the accounting, and writes the numbers to test-output/soak.json (the Soak section of
 * BENCHMARKS.md quotes them).
 */

const CASES = Number(process.env.SOAK_CASES ?? 20_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 64);
const MAX_RETRIES = 3;

interface Sample {
  ms: number;
  requests: number;
  rssMb: number;
  fds: number;
}

async function sample(pid: number): Promise<{ rssMb: number; fds: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    const fds = (await readdir(`/proc/${pid}/fd`)).length;
    return { rssMb: Math.round((rssKb / 1024) * 10) / 10, fds };
  } catch {
    return undefined; // the process is gone
  }
}

it(`soak: ${CASES} cases through the fault server at concurrency ${CONCURRENCY}`, async () => {
  const plan = createFaultPlan({
    seed: 424242,
    rates: { serverError: 0.2, rateLimit: 0.05, rateLimitNoHeader: 0.05, reset: 0.025, timeout: 0.025 },
    retryAfterSeconds: 1,
  });
  const server = await startOpenAIServer({
    respond: (request) => plan(request) ?? { content: `The double is ${2 * Number(/Double (\d+)/.exec(textOf(request.messages.at(-1)?.content))?.[1])}.`, delayMs: 2 },
  });
  const csv = ['n,__expected', ...Array.from({ length: CASES }, (_, n) => `${n},contains:${2 * n}`)].join('\n');
  const dir = await makeProject({
    'eval.config.mjs': `export default {
  models: { m: { provider: 'openai', model: 'soak', baseURL: '${server.url}', timeoutMs: 1000, maxRetries: ${MAX_RETRIES} } },
  defaultModel: 'm',
  concurrency: ${CONCURRENCY},
};
`,
    'prompts/double.prompt': '---\nversion: 1.0.0\n---\nDouble {{n}}.\n',
    'evals/double.csv': csv,
  });

  const samples: Sample[] = [];
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const result = await runCli(['run'], {
    cwd: dir,
    env: { OPENAI_API_KEY: 'sk-soak-not-a-real-key', ...(process.env.SOAK_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SOAK_NODE_OPTIONS } : {}) },
    onSpawn: (child) => {
      timer = setInterval(() => {
        void sample(child.pid!).then((s) => s && samples.push({ ms: Date.now() - started, requests: server.count, ...s }));
      }, 200);
    },
  });
  clearInterval(timer);
  const wallMs = Date.now() - started;
  await server.close();

  // Start: the first sample with the run under way (requests flowing); end: the last sample.
  const running = samples.filter((s) => s.requests > 0);
  const start = running[0];
  const end = samples[samples.length - 1];
  const peak = { rssMb: Math.max(...samples.map((s) => s.rssMb)), fds: Math.max(...samples.map((s) => s.fds)) };

  const runDir = (await runFolders(dir))[0];
  const run = await readRun(runDir);
  const report = {
    date: new Date().toISOString(),
    command: 'npm run soak',
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, ${os.type()} ${os.release()}, Node ${process.version}`,
    cases: CASES,
    concurrency: CONCURRENCY,
    exitCode: result.code,
    wallSeconds: Math.round(wallMs / 100) / 10,
    requests: server.count,
    injected: plan.injected,
    totals: run.totals,
    start,
    end,
    peak,
    series: samples.filter((_, i) => i % Math.max(1, Math.floor(samples.length / 20)) === 0),
  };
  await mkdir(join(REPO_ROOT, 'test-output'), { recursive: true });
  await writeFile(join(REPO_ROOT, 'test-output', 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    [
      `soak: ${CASES} cases, concurrency ${CONCURRENCY}, ${server.count} requests in ${report.wallSeconds} s, exit ${result.code}`,
      `  RSS   start ${start?.rssMb} MB · end ${end?.rssMb} MB · peak ${peak.rssMb} MB`,
      `  fds   start ${start?.fds} · end ${end?.fds} · peak ${peak.fds}`,
      `  totals ${JSON.stringify(run.totals)}`,
    ].join('\n'),
  );

  // Accounting, as in test/e2e/faults.test.ts, at ten times the size.
  expect(run.status).toBe('complete');
  expect(run.cases).toHaveLength(CASES);
  expect(new Set(run.cases.map((c) => c.caseId)).size).toBe(CASES);
  for (const c of run.cases) {
    const repeat = c.repeats[0];
    expect(repeat.attempts).toBeLessThanOrEqual(1 + MAX_RETRIES);
    if (repeat.error) expect([c.status, repeat.grade]).toEqual(['error', null]);
    else expect(c.status).toBe('pass');
  }
  expect(run.totals.calls).toBe(CASES);
  expect(result.code).toBe(run.totals.errored > 0 ? 3 : 0);
  // No leak: descriptors stay near the connection pool's size; memory does not grow with the cases.
  expect(start).toBeDefined();
  expect(end.fds).toBeLessThan(CONCURRENCY * 2 + 64);
  expect(end.rssMb).toBeLessThan(1024);
});
