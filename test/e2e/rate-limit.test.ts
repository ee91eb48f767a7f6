import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { run, type Clock } from 'promptgate/node';
import type { RunFile } from '../../src/run-record/types.js';
import { makeProject } from '../helpers/cli.js';
import { scaledClock } from '../helpers/fast-clock.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer } from '../helpers/openai-server.js';
import { readRun } from '../helpers/runs.js';
import { sink } from '../helpers/sink.js';

/**
 * rpm and tpm, counted at the server, with the limiter's real 60 s window. The run goes through the
 * API in this process (run() from promptgate/node) on a clock 300 times faster than real time (a
 * window is 0.2 s), and the server stamps each request's arrival with the same clock: with one
 * clock at both ends the limiter's promise is exact, no slack. In any span shorter than the window
 * the arrivals hold at most `rpm` requests (`tpm` tokens by the usage the server reported).
 * ("The limit is used" asks more: four requests the limiter lets go together arrive within 0.2 s
 * of real time; on a loaded 2-core machine they arrive within about 50 ms.) The three runs go at
 * the same time, each with its own server: they mostly wait for their windows to pass.
 */
const WINDOW_MS = 60_000;
const SCALE = 300;
const TOKENS_PER_CALL = 50;

/** The most requests (and tokens) that arrived within any span shorter than `span` ms. */
function busiestSpan(times: number[], span: number, weight: (i: number) => number = () => 1): number {
  const order = times.map((time, i) => ({ time, w: weight(i) })).sort((a, b) => a.time - b.time);
  let best = 0;
  for (let i = 0; i < order.length; i++) {
    let sum = 0;
    for (let j = i; j < order.length && order[j].time < order[i].time + span; j++) sum += order[j].w;
    best = Math.max(best, sum);
  }
  return best;
}

const project = (url: string, limits: string) =>
  makeProject({
    'eval.config.mjs': `export default {
  models: { limited: { provider: 'openai', model: 'limited', baseURL: '${url}', apiKeyEnv: 'RATE_TEST_KEY', maxRetries: 3, params: { max_tokens: 60 }, ${limits} } },
  defaultModel: 'limited',
  concurrency: 8,
  reporters: ['json'],
};
`,
    'prompts/ask.prompt': '---\nversion: 1.0.0\n---\nSay ok to request {{n}}.\n',
    'evals/ask.csv': ['n,__expected', ...Array.from({ length: 18 }, (_, i) => `${i + 1},contains:ok`)].join('\n'),
  });

/** Each request as it arrived at a limited run's server: its clock time, its text, and whether it was refused. */
type Arrival = { time: number; text: string; refused: boolean };

/**
 * Runs the 18-case suite under `limits` on `clock`, against a server of its own (so the runs of the
 * tests below can go at the same time: each mostly waits for its windows to pass), and returns
 * run.json, the run's length on the clock and each request as it arrived.
 */
async function runLimited(limits: string, clock: Clock): Promise<{ record: RunFile; elapsed: number; arrivals: Arrival[]; times: number[]; requests: number }> {
  const arrivals: Arrival[] = [];
  const seen = new Map<string, number>();
  const server = await startOpenAIServer({
    respond: (request) => {
      const text = textOf(request.messages.at(-1)?.content);
      const n = Number(/request (\d+)/.exec(text)?.[1]);
      const attempt = (seen.get(text) ?? 0) + 1;
      seen.set(text, attempt);
      // Every third request is refused once with a 429 that says "retry now": the retry must
      // still wait for the window.
      const refused = n % 3 === 0 && attempt === 1;
      arrivals.push({ time: clock.now(), text, refused });
      if (refused) return { fault: 'status', status: 429, retryAfter: '0' };
      return { content: 'ok', usage: { inputTokens: TOKENS_PER_CALL - 5, outputTokens: 5 } };
    },
  });
  const dir = await project(server.url, limits);
  try {
    const [stdout, stderr] = [sink(), sink()];
    const started = clock.now();
    const result = await run({ noCache: true }, { cwd: dir, env: { RATE_TEST_KEY: 'sk-rate', CI: 'true' }, stdout: stdout.stream, stderr: stderr.stream, clock });
    const elapsed = clock.now() - started;
    if (!result.ok) throw new Error(result.error.text);
    expect(stderr.text()).toBe('');
    expect(result.exitCode).toBe(0);
    const record = await readRun(result.runDir);
    return { record, elapsed, arrivals, times: arrivals.map((a) => a.time), requests: server.count };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe.concurrent('rpm and tpm, counted at the server (a 60 s window on a fast clock)', () => {
  it('rpm holds in every window, retries included', async () => {
    const { record, times, elapsed, requests } = await runLimited('rpm: 4', scaledClock(SCALE));
    // 18 cases, 6 of them refused once: 24 requests, every case passes in the end.
    expect(times).toHaveLength(24);
    expect(requests).toBe(24);
    expect(record.cases.every((c) => c.status === 'pass')).toBe(true);
    expect(record.cases.filter((c) => c.repeats[0].attempts === 2)).toHaveLength(6);
    // At most 4 in any window, and the limit is used, not just respected: some window is full.
    expect(busiestSpan(times, WINDOW_MS)).toBe(4);
    // 24 requests at 4 a window need at least 5 full windows after the first.
    expect(elapsed).toBeGreaterThanOrEqual(5 * WINDOW_MS);
  });

  it('tpm holds in every window (by the usage the server reported), retries included', async () => {
    // Estimate per call: 7 prompt tokens + max_tokens 60 = 67; real usage 50 (a 429 uses none,
    // but its estimate stays in the window). 220 admits 3 on estimates, a 4th once they settle.
    const { record, times, arrivals } = await runLimited('tpm: 220', scaledClock(SCALE));
    expect(times).toHaveLength(24);
    expect(record.cases.every((c) => c.status === 'pass')).toBe(true);
    expect(arrivals.filter((a) => a.refused)).toHaveLength(6);
    const tokens = (i: number) => (arrivals[i].refused ? 0 : TOKENS_PER_CALL);
    expect(busiestSpan(times, WINDOW_MS, tokens)).toBeLessThanOrEqual(220);
    // Without the limiter all 24 would arrive together; with it, at most 4 fit a window.
    expect(busiestSpan(times, WINDOW_MS)).toBeLessThanOrEqual(4);
  });

  it('is a no-op without limits: the same run keeps 8 requests in flight', async () => {
    // Without limits the clock only stamps arrivals (and times the retries' backoff): a slower
    // one, so "within one window" is 3 s of real time, which no machine's load stretches 8
    // concurrent requests to.
    const { times } = await runLimited('concurrency: 8', scaledClock(20));
    expect(times).toHaveLength(24);
    expect(busiestSpan(times, WINDOW_MS)).toBeGreaterThan(4);
  });
});
