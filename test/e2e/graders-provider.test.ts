import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult, RunFile } from '../../src/run-record/types.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startOpenAIServer, type IncomingChat, type IncomingInput, type MockServer, type Reply } from '../helpers/openai-server.js';
import { runSchema } from '../helpers/run-schema.js';
import { readCalls, withNewRun } from '../helpers/runs.js';

/**
 * Provider-backed graders (issue 16, area D) on promptfoo-format case files
 * (fixtures/promptfoo/provider/: a CSV of `__expected` cells and a JSONL of `assert` lists), run by the
 * CLI against one local OpenAI-compatible server: chat (with logprobs when asked), /v1/embeddings and
 * /v1/moderations. The verdicts are promptfoo 0.121's, by its handlers:
 *
 * Embeddings (exact 3-d vectors, below): output "The capital of France is Paris. (n)" = (0.8, 0.6, 0);
 * "Paris" = (1, 0, 0): cosine 0.8, dot 0.8, distance 0.632; "Berlin" = (0, 0, 1): cosine 0, distance
 * 1.414; "Lyon" = (0.6, 0.8, 0): cosine 0.96; "France's capital city is Paris." = the output's vector.
 * - similar-pass: 0.8 ≥ 0.75 (matchesSimilarity: `similarity >= threshold - EPSILON`).
 * - similar-default-pass: cosine 1 passes under any default (the handler's 0.75, a CSV cell's 0.8).
 * - similar-fail: 0.8 < 0.9. not-similar-pass: 0 ≤ 0.75 (inverse: `similarity <= threshold + EPSILON`).
 * - not-similar-fail: 0.8 > 0.7. similar-list-pass: any value (Paris) reaches it (handler: return on the
 *   first pass). similar-dot-pass: dot 0.8 ≥ 0.7. similar-euclidean-fail: distance 0.632 > 0.5
 *   (`distance <= threshold + EPSILON`). not-similar-euclidean-pass: 1.414 ≥ 0.75 (default threshold).
 * - not-similar-list-fail: negated list fails on the first value too close (Lyon, 0.96 > 0.75).
 * Moderation ("attack" is flagged for violence, matchesModeration: flags only when `flagged`):
 * - moderation-fail: flagged; moderation-pass: nothing flagged; moderation-category-pass: only `hate`
 *   counts and it is not flagged; not-moderation-pass: flagged, negated; moderation-list-fail: the
 *   JSONL list names `violence`.
 * Perplexity (logprobs: "Sure …" −0.05 a token → perplexity 1.05, score 0.488; "Maybe …" −2 →
 * perplexity 7.39, score 0.119): perplexity(1.5) passes / fails; perplexity-score(0.4) passes 0.488;
 * not-perplexity-score(0.4) passes 0.119; perplexity without a threshold passes (handler:
 * `threshold === undefined ? true`).
 * Latency (the server waits 50 ms before "slow …" answers): latency(600000) passes; latency(10) fails
 * (50 > 10); not-latency(10) passes. Cost (gpt-4o-mini, 1000 + 100 tokens = $0.00021): cost(0.01)
 * passes, cost(0.0001) fails, not-cost(0.0001) passes.
 * Weighted: similar(0.9) fails (0.8) with weight 1, moderation passes with weight 3: 0.95 ≥ 0.7.
 *
 * The same run, cached: no request reaches the server; latency is the cached call's (promptfoo keeps
 * a response's latency with its cache entry), so the verdicts hold, except cost: a cached response
 * of a priced model costs 0 in promptfoo, so cost(0.0001) passes and not-cost(0.0001) fails.
 *
 * Errors (suite `errors` on an unpriced model whose server returns no logprobs): an unknown cost and
 * missing logprobs are errors (promptfoo's handlers throw), so is an embeddings or moderation
 * endpoint that keeps answering 500 (after the model entry's retries), negated or not, never a pass;
 * a 503 answered by a retry grades normally.
 */

const VECTORS: Array<[test: (text: string) => boolean, vector: number[]]> = [
  [(text) => text === 'Paris', [1, 0, 0]],
  [(text) => text === 'Berlin', [0, 0, 1]],
  [(text) => text === 'Lyon', [0.6, 0.8, 0]],
  [(text) => text.includes('capital'), [0.8, 0.6, 0]],
];

describe('provider-backed graders: similar, moderation, perplexity, latency, cost (promptfoo-format cases, local server)', () => {
  let server: MockServer;
  let dir: string;
  const attempts = new Map<string, number>();

  function respond(request: IncomingChat): Reply {
    const content = String(request.messages.at(-1)?.content ?? '');
    if (request.model === 'local-llm') return { content, logprobs: [] };
    const logprobs = content.startsWith('Sure') ? [-0.05, -0.05, -0.05] : content.startsWith('Maybe') ? [-2, -2, -2, -2] : undefined;
    return { content, usage: { inputTokens: 1000, outputTokens: 100 }, ...(logprobs ? { logprobs } : {}), ...(content.startsWith('slow') ? { delayMs: 50 } : {}) };
  }

  function respondEmbeddings(request: IncomingInput) {
    const seen = (attempts.get(request.input) ?? 0) + 1;
    attempts.set(request.input, seen);
    if (request.input.startsWith('broken')) return { fault: 'status' as const, status: 500 };
    if (request.input === 'flaky capital' && seen === 1) return { fault: 'status' as const, status: 503 };
    return { embedding: VECTORS.find(([test]) => test(request.input))?.[1] ?? [0, 1, 0], usage: { inputTokens: 5 } };
  }

  function respondModerations(request: IncomingInput) {
    if (request.input.includes('modfail')) return { fault: 'status' as const, status: 500 };
    return request.input.includes('attack') ? { flagged: true, categories: { violence: true } } : { flagged: false };
  }

  beforeAll(async () => {
    server = await startOpenAIServer({ respond, respondEmbeddings, respondModerations });
    dir = await mkdtemp(join(tmpdir(), 'promptgate-graders-provider-'));
    await cp(join(REPO_ROOT, 'fixtures', 'promptfoo', 'provider'), dir, { recursive: true });
    const entry = (model: string, extra = '') => `{ provider: 'openai', model: '${model}', baseURL: '${server.url}', apiKeyEnv: 'MOCK_KEY'${extra} }`;
    const config = `export default {
  models: {
    gpt: ${entry('gpt-4o-mini')},
    local: ${entry('local-llm')},
    emb: ${entry('text-embedding-3-small', ', maxRetries: 2, maxRetryWaitMs: 0')},
    mod: ${entry('omni-moderation-latest', ', maxRetries: 2, maxRetryWaitMs: 0')},
  },
  embedding: 'emb',
  moderation: 'mod',
  suites: [
    { name: 'provider', prompt: 'answer', cases: 'evals/answer', models: ['gpt'] },
    { name: 'errors', prompt: 'answer', cases: 'evals/errors.csv', models: ['local'] },
  ],
};
`;
    await writeFile(join(dir, 'eval.config.mjs'), config);
  });
  afterAll(async () => server.close());

  const cli = (args: string[]) => withNewRun(dir, () => runCliInProcess(args, { cwd: dir, env: { MOCK_KEY: 'k' } }));
  const byDescription = (run: RunFile) => Object.fromEntries(run.cases.map((c) => [c.description!, c]));
  const verdicts = (cases: Record<string, CaseResult>, names: string[]) => Object.fromEntries(names.map((name) => [name, cases[name]?.status]));

  const PROVIDER: Record<string, 'pass' | 'fail'> = {
    'similar-pass': 'pass', 'similar-default-pass': 'pass', 'similar-fail': 'fail', 'not-similar-pass': 'pass', 'not-similar-fail': 'fail',
    'moderation-fail': 'fail', 'moderation-pass': 'pass', 'moderation-category-pass': 'pass', 'not-moderation-pass': 'pass',
    'perplexity-pass': 'pass', 'perplexity-fail': 'fail', 'perplexity-score-pass': 'pass', 'not-perplexity-score-pass': 'pass',
    'latency-pass': 'pass', 'latency-fail': 'fail', 'not-latency-pass': 'pass', 'cost-pass': 'pass', 'cost-fail': 'fail', 'not-cost-pass': 'pass',
    'similar-list-pass': 'pass', 'similar-dot-pass': 'pass', 'similar-euclidean-fail': 'fail', 'not-similar-euclidean-pass': 'pass',
    'not-similar-list-fail': 'fail', 'moderation-list-fail': 'fail', 'perplexity-no-threshold-pass': 'pass', 'weighted-threshold-pass': 'pass',
  };
  const ERRORS: Record<string, 'pass' | 'error'> = {
    'cost-unknown-error': 'error', 'perplexity-no-logprobs-error': 'error', 'similar-endpoint-error': 'error', 'not-similar-endpoint-error': 'error',
    'similar-retried-pass': 'pass', 'moderation-endpoint-error': 'error', 'plain-pass': 'pass',
  };

  it('grades every row as promptfoo does; embeddings and moderation calls are logged, retried and never a pass when they fail', async () => {
    const { result, run, runDir } = await cli(['run']);
    expect(result.code, result.stderr + result.stdout).toBe(3);
    const cases = byDescription(run!);
    expect(verdicts(cases, Object.keys(PROVIDER))).toEqual(PROVIDER);
    expect(verdicts(cases, Object.keys(ERRORS))).toEqual(ERRORS);

    // Scores and reasons as promptfoo computes them.
    const grade = (name: string) => cases[name].repeats[0].grade!.assertions[0];
    expect(grade('similar-pass')).toMatchObject({ type: 'similar', score: expect.closeTo(0.8, 9), reason: expect.stringContaining('cosine similarity 0.8000 ≥ 0.75 for "Paris"') });
    expect(grade('similar-euclidean-fail')).toMatchObject({ type: 'similar:euclidean', score: expect.closeTo(1 / (1 + Math.sqrt(0.4)), 9) });
    expect(grade('not-similar-list-fail')).toMatchObject({ negate: true, pass: false, score: expect.closeTo(0.04, 9), reason: expect.stringContaining('"Lyon"') });
    expect(grade('moderation-fail').reason).toContain('"violence" (0.90)');
    expect(grade('perplexity-score-pass').score).toBeCloseTo(1 / (1 + Math.exp(0.05)), 9);
    expect(grade('not-perplexity-score-pass').score).toBeCloseTo(1 - 1 / (1 + Math.exp(2)), 9);
    expect(cases['weighted-threshold-pass'].repeats[0].grade!.score).toBeCloseTo(0.95, 9);
    expect(grade('cost-fail').reason).toBe('cost $0.00021 > $0.0001');
    expect(grade('latency-fail').reason).toMatch(/^latency \d+ ms > 10 ms$/);

    // Errors: no verdict, negated or not, each with its cause.
    for (const name of ['similar-endpoint-error', 'not-similar-endpoint-error']) {
      expect(grade(name)).toMatchObject({ errored: true, pass: false, reason: expect.stringContaining('the embeddings call failed: server_error') });
    }
    expect(grade('moderation-endpoint-error')).toMatchObject({ errored: true, negate: true, pass: false, reason: expect.stringContaining('the moderations call failed: server_error') });
    expect(grade('cost-unknown-error')).toMatchObject({ errored: true, reason: expect.stringContaining('no known cost') });
    expect(grade('perplexity-no-logprobs-error')).toMatchObject({ errored: true, reason: expect.stringContaining('returned none') });
    expect(run!.totals.graderErrorsByType).toEqual({ similar: 2, moderation: 1, cost: 1, perplexity: 1 });

    // The server: logprobs asked for only by perplexity cases; each distinct text embedded once, the
    // 503 retried once, the 500s tried 1 + maxRetries times.
    const chats = server.requests.filter((r) => r.path === '/v1/chat/completions');
    const asked = chats.filter((r) => r.body.logprobs === true).map((r) => String(r.messages.at(-1)?.content));
    expect(asked.sort()).toEqual(['Maybe perhaps possibly. (11)', 'Maybe perhaps possibly. (13)', 'Maybe perhaps possibly. (26)', 'Sure thing. (10)', 'Sure thing. (12)', 'Sure thing. (31)']);
    const embedded = server.requests.filter((r) => r.path === '/v1/embeddings').map((r) => String(r.body.input));
    expect(embedded.filter((text) => text === 'Paris')).toHaveLength(1);
    // (Each failing text is asked for by one case only: a failure is not cached, so a later case would ask again.)
    expect([attempts.get('flaky capital'), attempts.get('broken value'), attempts.get('broken again')]).toEqual([2, 3, 3]);
    expect(server.requests.filter((r) => r.path === '/v1/moderations' && String(r.body.input).includes('modfail'))).toHaveLength(3);
    expect(server.requests.filter((r) => r.path === '/v1/embeddings').every((r) => r.body.encoding_format === 'float' && r.body.model === 'text-embedding-3-small')).toBe(true);

    // calls.jsonl: one line per endpoint call, with its input; every line valid against the schema.
    const calls = await readCalls(runDir!);
    // (ajv in strict mode, reporting all errors: stricter than the lenient check this was.)
    const { validateRun, validateCall } = runSchema();
    expect(validateRun(run), JSON.stringify(validateRun.errors)).toBe(true);
    for (const call of calls) expect(validateCall(call), JSON.stringify(validateCall.errors)).toBe(true);
    // "Paris" is sent once, though several cases compare with it.
    const paris = calls.filter((c) => c.purpose === 'embedding' && c.input === 'Paris' && !c.cached);
    expect(paris).toHaveLength(1);
    // (Other cases comparing with it at the same moment share that call; later ones read the cache: a line each, `cached`.)
    expect(calls.filter((c) => c.purpose === 'embedding' && c.input === 'Paris').every((c) => c.cached || c === paris[0])).toBe(true);
    expect(paris[0]).toMatchObject({ model: 'emb', modelRequested: 'text-embedding-3-small', messages: [], output: null, dimensions: 3, cached: false, attempts: 1, error: null, usage: { inputTokens: 5, outputTokens: 0 } });
    expect(paris[0].costUsd).toBeCloseTo(5 * 0.02e-6, 15);
    expect(calls.find((c) => c.input === 'flaky capital')).toMatchObject({ attempts: 2, error: null });
    expect(calls.find((c) => c.input === 'broken value')).toMatchObject({ attempts: 3, error: { code: 'server_error' } });
    expect(calls.find((c) => c.purpose === 'moderation' && c.input === 'We will attack at dawn. (6)')).toMatchObject({ model: 'mod', moderation: { flagged: true, categories: ['violence'] } });
    const perplexityCall = calls.find((c) => c.purpose === 'eval' && c.output === 'Sure thing. (10)');
    expect(perplexityCall).toMatchObject({ params: { logprobs: true }, logprobs: [-0.05, -0.05, -0.05] });
    expect(calls.find((c) => c.purpose === 'eval' && c.output === 'Cheap answer. (17)')!.params).not.toHaveProperty('logprobs');
  });

  it('cached: no request is sent, embeddings and moderations come from the cache, latency is the cached call\'s, a priced cached call costs 0', async () => {
    server.reset();
    const { run, runDir } = await cli(['run', 'provider']);
    expect(server.count).toBe(0);
    const cases = byDescription(run!);
    expect(verdicts(cases, Object.keys(PROVIDER))).toEqual({ ...PROVIDER, 'cost-fail': 'pass', 'not-cost-pass': 'fail' });
    expect(cases['latency-fail'].repeats[0].grade!.assertions[0].reason).toMatch(/^latency \d+ ms > 10 ms \(the cached call's\)$/);
    const calls = await readCalls(runDir!);
    expect(calls.every((c) => c.cached)).toBe(true);
    expect(calls.filter((c) => c.purpose === 'embedding').length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.purpose === 'moderation').length).toBeGreaterThan(0);
    expect(calls.find((c) => c.output === 'slow answer. (15)')!.originalLatencyMs).toBeGreaterThanOrEqual(50);
    expect(calls.find((c) => c.output === 'Sure thing. (10)')).toMatchObject({ cached: true, logprobs: [-0.05, -0.05, -0.05] });
  });
});
