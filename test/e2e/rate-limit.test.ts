import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readRun, runFolders } from '../helpers/runs.js';

/**
 * rpm and tpm, counted at the server. The limiter's 60 s window is shortened to WINDOW_MS through
 * its test hook (PROMPTGATE_RATE_WINDOW_MS), so a run takes seconds, not minutes.
 */
const WINDOW_MS = 1_000;
/** Arrival times at the server can bunch up by a few ms against send times: spans this much shorter are checked. */
const SLACK_MS = 100;
const TOKENS_PER_CALL = 50;

/** The most requests (and tokens) that arrived within any span of `span` ms. */
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

describe('rpm and tpm, counted at the server', () => {
  let server: MockServer;
  const seen = new Map<string, number>();
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startOpenAIServer({
      respond: (request) => {
        const text = textOf(request.messages.at(-1)?.content);
        const n = Number(/request (\d+)/.exec(text)?.[1]);
        const attempt = (seen.get(text) ?? 0) + 1;
        seen.set(text, attempt);
        // Every third request is refused once with a 429 that says "retry now": the retry must
        // still wait for the window.
        if (n % 3 === 0 && attempt === 1) return { fault: 'status', status: 429, retryAfter: '0' };
        return { content: 'ok', usage: { inputTokens: TOKENS_PER_CALL - 5, outputTokens: 5 } };
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const runLimited = async (limits: string) => {
    const dir = await project(server.url, limits);
    dirs.push(dir);
    server.reset();
    seen.clear();
    const started = Date.now();
    const result = await runCli(['run', '--no-cache'], { cwd: dir, env: { RATE_TEST_KEY: 'sk-rate', PROMPTGATE_RATE_WINDOW_MS: String(WINDOW_MS) } });
    const seconds = (Date.now() - started) / 1000;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const run = await readRun((await runFolders(dir))[0]);
    return { run, seconds, times: server.requests.map((r) => r.time) };
  };

  it('rpm holds in every window, retries included', async () => {
    const { run, times, seconds } = await runLimited('rpm: 4');
    // 18 cases, 6 of them refused once: 24 requests, every case passes in the end.
    expect(times).toHaveLength(24);
    expect(run.cases.every((c) => c.status === 'pass')).toBe(true);
    expect(run.cases.filter((c) => c.repeats[0].attempts === 2)).toHaveLength(6);
    // At most 4 in any window, and the limit is used, not just respected: some window is full.
    expect(busiestSpan(times, WINDOW_MS - SLACK_MS)).toBe(4);
    // 24 requests at 4 a window need at least 5 full windows after the first.
    expect(seconds).toBeGreaterThanOrEqual((5 * WINDOW_MS) / 1000);
  });

  it('tpm holds in every window (by the usage the server reported), retries included', async () => {
    // Estimate per call: 7 prompt tokens + max_tokens 60 = 67; real usage 50 (a 429 uses none,
    // but its estimate stays in the window). 220 admits 3 on estimates, a 4th once they settle.
    const { run, times } = await runLimited('tpm: 220');
    expect(times).toHaveLength(24);
    expect(run.cases.every((c) => c.status === 'pass')).toBe(true);
    const requests = server.requests;
    const tokens = (i: number) => {
      const text = textOf(requests[i].messages.at(-1)?.content);
      const n = Number(/request (\d+)/.exec(text)?.[1]);
      const firstOfRefused = n % 3 === 0 && requests.findIndex((r) => textOf(r.messages.at(-1)?.content) === text) === i;
      return firstOfRefused ? 0 : TOKENS_PER_CALL;
    };
    expect(busiestSpan(times, WINDOW_MS - SLACK_MS, tokens)).toBeLessThanOrEqual(220);
    // Without the limiter all 24 would arrive together; with it, at most 4 fit a window.
    expect(busiestSpan(times, WINDOW_MS - SLACK_MS)).toBeLessThanOrEqual(4);
  });

  it('is a no-op without limits: the same run keeps 8 requests in flight', async () => {
    const { times } = await runLimited('concurrency: 8');
    expect(times).toHaveLength(24);
    expect(busiestSpan(times, WINDOW_MS)).toBeGreaterThan(4);
  });
});
