import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { lastUser } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer, type Reply } from '../helpers/openai-server.js';
import { readCalls, readRun, runFolders } from '../helpers/runs.js';

/**
 * What a server can ask of a run, bounded: a huge Retry-After is cut to maxRetryWaitMs and said on
 * stderr; a call never outlives maxCallMs (deadline_exceeded, exit 3); a reply that inflates past
 * maxResponseBytes is response_too_large (not retried, never graded); absurd token counts are
 * recorded as unknown. No timing is asserted: each run finishing within vitest's timeout, with the
 * request counts below, is the proof of the bounds.
 */

const KEY_ENV = { WAITS_TEST_KEY: 'sk-waits-test-0123456789' };


function project(url: string, model: string, cases: string[]) {
  return makeProject({
    'eval.config.mjs': `export default {
  models: { m: { provider: 'openai', model: 'waits-model', baseURL: '${url}', apiKeyEnv: 'WAITS_TEST_KEY', ${model} } },
  defaultModel: 'm',
  concurrency: 1,
  reporters: ['console', 'json'],
};
`,
    'prompts/ask.prompt': '---\nversion: 1.0.0\n---\n{{ask}}\n',
    'evals/ask.csv': ['ask,__expected', ...cases.map((c) => `${c},contains:ok`)].join('\n'),
  });
}

describe('waits a server asks for', () => {
  let server: MockServer;
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    server = await startOpenAIServer({
      respond: (request): Reply => {
        const ask = lastUser(request);
        const n = (attempts.get(ask) ?? 0) + 1;
        attempts.set(ask, n);
        // 11.6 days, then an answer ("once") or never ("always").
        if (ask.startsWith('always') || n === 1) return { fault: 'status', status: 429, retryAfter: '999999' };
        return { content: 'ok' };
      },
    });
  });
  afterAll(() => server.close());

  it('cuts Retry-After: 999999 to maxRetryWaitMs, retries, passes, and says what it waited for', async () => {
    server.reset();
    const dir = await project(server.url, 'maxRetryWaitMs: 200, maxRetries: 2', ['once a', 'once b']);
    const result = await runCliInProcess(['run'], { cwd: dir, env: KEY_ENV });
    expect(result.code, result.stderr).toBe(0);
    // Each case: the 429, then the retry that passed.
    expect(server.count).toBe(4);
    expect(result.stderr).toContain('promptgate: waiting 0.2 s before retrying m: 429 Retry-After (the server asked for 999999 s; waits are capped by maxRetryWaitMs)');
    const calls = await readCalls((await runFolders(dir))[0]);
    expect(calls.map((c) => [c.attempts, c.error])).toEqual([[2, null], [2, null]]);
  });

  it('errors a call whose next wait would pass maxCallMs: deadline_exceeded, exit 3, never graded', async () => {
    server.reset();
    const cases = ['always 1', 'always 2', 'always 3'];
    // The default cap (60 s) is longer than the whole call may take (2 s): give up after the first 429.
    const dir = await project(server.url, 'maxCallMs: 2000, maxRetries: 10', cases);
    const result = await runCliInProcess(['run'], { cwd: dir, env: KEY_ENV });
    expect(result.code, result.stderr).toBe(3);
    expect(server.count).toBe(cases.length);
    const runDir = (await runFolders(dir))[0];
    const calls = await readCalls(runDir);
    expect(calls.map((c) => c.error?.code)).toEqual(['deadline_exceeded', 'deadline_exceeded', 'deadline_exceeded']);
    expect(calls[0].error.message).toContain("the next retry's wait of 60 s (429 Retry-After, 999999 s asked) would pass the call's time limit (maxCallMs 2000 ms)");
    const run = await readRun(runDir);
    expect(run.cases.map((c) => c.status)).toEqual(['error', 'error', 'error']);
    expect(run.cases.every((c) => c.repeats.every((r) => r.grade === null))).toBe(true);
    expect(run.totals.errorsByCode).toEqual({ deadline_exceeded: 3 });
    expect(result.stdout).toContain('deadline_exceeded ×3');
  });
});

describe('what a reply carries', () => {
  let server: MockServer;

  beforeAll(async () => {
    server = await startOpenAIServer({
      respond: (request): Reply => {
        const ask = lastUser(request);
        if (ask.startsWith('bomb')) return { fault: 'gzip-bomb' };
        if (ask === 'huge usage') return { content: 'ok', usage: { inputTokens: 1e308, outputTokens: 1e308 } };
        if (ask === 'negative usage') return { content: 'ok', usage: { inputTokens: -5, outputTokens: 3 } };
        if (ask === 'fractional usage') return { content: 'ok', usage: { inputTokens: 12.5, outputTokens: 3 } };
        if (ask === 'absurd usage') return { content: 'ok', usage: { inputTokens: 2e9, outputTokens: 3 } };
        // Normal asks: 12 tokens, far below their estimate, so the tpm window has room again.
        return { content: 'ok', usage: { inputTokens: 10, outputTokens: 2 } };
      },
    });
  });
  afterAll(() => server.close());

  it('a gzip reply that inflates past maxResponseBytes (default 32 MB) is response_too_large: not retried, never graded', async () => {
    server.reset();
    const dir = await project(server.url, 'maxRetries: 4', ['bomb 1', 'bomb 2', 'fine']);
    const result = await runCliInProcess(['run'], { cwd: dir, env: KEY_ENV });
    expect(result.code, result.stderr).toBe(3);
    // One request per case: no retry of a reply that was too large.
    expect(server.count).toBe(3);
    const runDir = (await runFolders(dir))[0];
    const calls = await readCalls(runDir);
    expect(calls.map((c) => c.error?.code ?? 'ok')).toEqual(['response_too_large', 'response_too_large', 'ok']);
    expect(calls[0].error.message).toBe('OpenAI: response larger than 32 MB (maxResponseBytes)');
    const run = await readRun(runDir);
    expect(run.cases.map((c) => c.status)).toEqual(['error', 'error', 'pass']);
    expect(run.cases[0].repeats[0].grade).toBeNull();
  });

  it('records non-finite, negative, fractional or absurd token counts as unknown: no cost, no Infinity/NaN, tpm unaffected', async () => {
    server.reset();
    const asks = ['huge usage', 'negative usage', 'fractional usage', 'absurd usage', 'normal 1', 'normal 2', 'normal 3', 'normal 4'];
    // A real 60 s window of 1500 tokens, about 5 calls' estimates (256 output tokens each) at once:
    // 1e308 tokens settled into it would stall every later call for minutes.
    const dir = await project(server.url, 'tpm: 1500, price: { input: 1, output: 1 }', asks);
    const result = await runCliInProcess(['run'], { cwd: dir, env: KEY_ENV });
    expect(result.code, result.stderr).toBe(0);
    expect(server.count).toBe(asks.length);
    const runDir = (await runFolders(dir))[0];
    // Calls finish in the order the rate limiter lets them go, not in case order.
    const calls = (await readCalls(runDir)).sort((a, b) => asks.indexOf(String(a.vars.ask)) - asks.indexOf(String(b.vars.ask)));
    expect(calls.map((c) => [c.usage, c.costUsd])).toEqual([
      [null, null], [null, null], [null, null], [null, null],
      ...Array(4).fill([{ inputTokens: 10, outputTokens: 2 }, 12 / 1_000_000]),
    ]);
    const run = await readRun(runDir);
    expect([run.totals.inputTokens, run.totals.outputTokens, run.totals.costUsd]).toEqual([40, 8, 48 / 1_000_000]);
    for (const text of [result.stdout, result.stderr, JSON.stringify(run)]) {
      expect(text).not.toMatch(/Infinity|NaN/);
    }
    expect(result.stdout).toContain('48 tokens');
  });
});
