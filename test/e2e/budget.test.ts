import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare, run, type RunResult } from 'promptgate/node';
import type { RunFile } from '../../src/run-record/types.js';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer, type Reply } from '../helpers/openai-server.js';
import { runSchema } from '../helpers/run-schema.js';
import { readCalls, readRun } from '../helpers/runs.js';

/**
 * The in-run cost budget (`maxCost`, the API's `--max-cost`; budget/guard.ts) against the local
 * OpenAI server through the real SDK: 120 priced calls of exactly one price each (the server reports
 * the usage the estimate assumes), a budget that fits 57.5 of them. A run stops within one call's
 * cost of the limit and never past it, the server sees exactly the calls logged, run.json says
 * `budget_exhausted` and the exit is 3; with 4 calls in flight too (their estimates are reserved).
 * Cached and resumed calls cost nothing; a resume with a higher budget finishes the run.
 */

const CASES = 120;
const MAX_TOKENS = 50;
/** USD per million tokens: input 1, output 2. Every prompt is "Say wNNN" (8 characters: 2 input tokens). */
const CALL_USD = (2 * 1 + MAX_TOKENS * 2) / 1e6;
const LIMIT = 57.5 * CALL_USD;
const FITS = 57;

/** The usage estimateTokens assumes (characters / 4 in, max_tokens out): each call costs exactly CALL_USD. */
function respond(request: IncomingChat): Reply {
  const chars = request.messages.reduce((sum, m) => sum + textOf(m.content).length, 0);
  const word = textOf(request.messages.at(-1)?.content).replace('Say ', '');
  return { content: word.toUpperCase(), usage: { inputTokens: Math.ceil(chars / 4), outputTokens: Number(request.body.max_tokens) } };
}

const files = (url: string, extra = '') => ({
  'eval.config.mjs': `export default {
  models: {
    m: { provider: 'openai', model: 'budget-model', baseURL: '${url}', apiKeyEnv: 'BUDGET_KEY', price: { input: 1, output: 2 }, params: { temperature: 0, max_tokens: ${MAX_TOKENS} } },
    free: { provider: 'openai', model: 'my-finetune', baseURL: '${url}', apiKeyEnv: 'BUDGET_KEY' },
  },
  defaultModel: 'm',
  reporters: ['console', 'json', 'markdown'],${extra}
};
`,
  'prompts/say.prompt': '---\nversion: 1.0.0\n---\nSay {{word}}\n',
  'evals/say.csv': ['word,__expected', ...Array.from({ length: CASES }, (_, i) => `w${String(i).padStart(3, '0')},equals:W${String(i).padStart(3, '0')}`)].join('\n'),
});

function sink(): { stream: NodeJS.WritableStream; text(): string } {
  let text = '';
  const stream = new Writable({ decodeStrings: false, write: (chunk, _enc, done) => ((text += String(chunk)), done()) });
  return { stream, text: () => text };
}

async function runIn(cwd: string, options: Parameters<typeof run>[0]): Promise<{ result: Extract<RunResult, { ok: true }>; file: RunFile; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const result = await run(options, { cwd, env: { BUDGET_KEY: 'sk-budget-0123456789', CI: 'true' }, stdout: stdout.stream, stderr: stderr.stream });
  if (!result.ok) throw new Error(result.error.text);
  return { result, file: await readRun(result.runDir), stdout: stdout.text(), stderr: stderr.text() };
}

/** What a budget stop must look like: the limit kept, within one call, the calls logged = the calls made, no verdict. */
async function expectStoppedAtBudget(stopped: Awaited<ReturnType<typeof runIn>>, newRequests: number) {
  const { result, file } = stopped;
  expect(result.exitCode).toBe(3);
  expect(result.verdict).toBe('error');
  expect(file.status).toBe('budget_exhausted');
  const spent = file.budget!.spentUsd;
  expect(file.budget!.maxCostUsd).toBe(LIMIT);
  expect(spent).toBeLessThanOrEqual(LIMIT);
  expect(spent).toBeGreaterThan(LIMIT - CALL_USD);
  expect(file.stopped).toMatchObject({ reason: 'budget', message: expect.stringContaining(`${CASES - FITS} of ${CASES} case(s) were not run`) });
  const calls = await readCalls(result.runDir);
  expect(calls).toHaveLength(FITS);
  expect(newRequests).toBe(calls.length);
  expect(calls.every((c) => c.error === null && c.cached === false)).toBe(true);
  expect(calls.reduce((sum, c) => sum + c.costUsd, 0)).toBeCloseTo(spent, 12);
  // Only the cases that ran are in run.json, every one graded; the rest are not a pass, nor anything.
  expect(file.cases).toHaveLength(FITS);
  expect(file.totals).toMatchObject({ cases: FITS, passed: FITS });
  expect(file.gate).toMatchObject({ verdict: 'error', reasons: [expect.stringContaining('the cost budget of $0.005865 (--max-cost)')] });
  expect(runSchema().validateRun(file), JSON.stringify(runSchema().validateRun.errors)).toBe(true);
  expect(stopped.stderr).toContain('promptgate: cost budget reached:');
}

describe('a cost budget stops a run within one call\'s cost of the limit', () => {
  let server: MockServer;
  let dir: string;
  let first: Awaited<ReturnType<typeof runIn>>;

  beforeAll(async () => {
    server = await startOpenAIServer({ respond });
    dir = await makeProject(files(server.url));
  });
  afterAll(() => server.close());

  it('one call at a time: 57 calls of the 120, spent ≤ limit < spent + one call, run.json budget_exhausted, exit 3', async () => {
    server.reset();
    first = await runIn(dir, { maxCost: LIMIT, allowOverEstimate: true, concurrency: 1 });
    await expectStoppedAtBudget(first, server.count);
    // The reports say why, with the resume command.
    expect(first.stdout).toContain('Stopped by the cost budget');
    expect(first.stdout).toContain('--resume');
  });

  it('four calls in flight: their estimates are reserved, so still 57 calls and never past the limit', async () => {
    server.reset();
    // The first four answers wait until all four are in flight: the run provably has four at once.
    server.setRespond(async (request) => {
      if (request.index < 4) await server.waitForRequests(4);
      return respond(request);
    });
    try {
      const stopped = await runIn(dir, { maxCost: LIMIT, allowOverEstimate: true, concurrency: 4, noCache: true });
      expect(server.maxInFlight).toBe(4);
      await expectStoppedAtBudget(stopped, server.count);
    } finally {
      server.setRespond(respond);
    }
  });

  it('resumed with a higher budget, the run finishes: only the missing calls are made, the resumed ones cost nothing', async () => {
    server.reset();
    const resumed = await runIn(dir, { maxCost: 1, resume: first.result.runDir });
    expect(resumed.result.runDir).toBe(first.result.runDir);
    expect(resumed.result.exitCode).toBe(0);
    expect(resumed.file.status).toBe('complete');
    expect(resumed.file.stopped).toBeUndefined();
    expect(resumed.file.totals).toMatchObject({ cases: CASES, passed: CASES });
    expect(server.count).toBe(CASES - FITS);
    expect(resumed.file.budget!.spentUsd).toBeCloseTo((CASES - FITS) * CALL_USD, 12);
  });

  it('cache hits cost nothing: a budget below one call runs all 120 from the cache', async () => {
    server.reset();
    const cached = await runIn(dir, { maxCost: CALL_USD / 2, allowOverEstimate: true });
    expect(server.count).toBe(0);
    expect(cached.result.exitCode).toBe(0);
    expect(cached.file.status).toBe('complete');
    expect(cached.file.totals).toMatchObject({ cases: CASES, passed: CASES, cachedCalls: CASES });
    expect(cached.file.budget).toMatchObject({ maxCostUsd: CALL_USD / 2, spentUsd: 0 });
  });

  it('the CLI with the config\'s budget.maxCostUsd: the notice, the stop and how to finish it, exit 3', async () => {
    server.reset();
    const project = files(server.url, `\n  budget: { maxCostUsd: ${2.5 * CALL_USD} },\n  concurrency: 1,`);
    project['evals/say.csv'] = project['evals/say.csv'].split('\n').slice(0, 6).join('\n');
    const cli = await runCliInProcess(['run', '--no-cache', '--allow-over-estimate'], { cwd: await makeProject(project), env: { BUDGET_KEY: 'k' } });
    expect(cli.code, cli.stderr).toBe(3);
    expect(server.count).toBe(2);
    expect(cli.stderr).toMatch(/^promptgate: cost budget reached: \$0\.0002 spent of \$0\.000255; no new calls are made, the ones in flight finish$/m);
    expect(cli.stdout).toContain('budget $0.00020 of $0.00026 spent');
    expect(cli.stdout).toContain('Stopped by the cost budget: the cost budget of $0.000255 (budget.maxCostUsd) stopped the run: $0.0002 spent; no call was started that could pass it, the calls in flight finished; 3 of 5 case(s) were not run, so there is no verdict.');
    expect(cli.stdout).toMatch(/Finish it with a higher budget: promptgate run --resume reports\/[\w-]+ --max-cost <more>/);
    expect(cli.stdout).toContain('Gate: NO VERDICT');
  });

  it('a model with no known price under a budget: exit 2 naming it, nothing run or written', async () => {
    server.reset();
    const project = await makeProject(files(server.url, "\n  budget: { maxCostUsd: 5 },"));
    const result = await run({ models: ['free'] }, { cwd: project, env: { BUDGET_KEY: 'k', CI: 'true' }, stdout: sink().stream, stderr: sink().stream });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.exitCode).toBe(2);
    expect(result.error.text).toBe(
      'eval.config.mjs:4: models.free ("my-finetune") has no known price, so the cost budget (budget.maxCostUsd 5) cannot be kept on its calls (give the model entry `price: { input, output }` in USD per million tokens (0 for a free model), or run without a budget)',
    );
    expect(server.count).toBe(0);
    expect(existsSync(join(project, 'reports'))).toBe(false);
  });
});

describe('compare: the cost of each version per suite × model and in total; a budget stop is no verdict', () => {
  let server: MockServer;
  let dir: string;
  let baselineRun: string;
  const WORDS = 10;
  /** "Say wNNN" is 2 input tokens; "Please say wNNN out loud" (24 characters) 6. */
  const BASELINE_USD = WORDS * CALL_USD;
  const CANDIDATE_USD = WORDS * ((6 * 1 + MAX_TOKENS * 2) / 1e6);

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: (request) => ({ ...respond(request), content: textOf(request.messages.at(-1)?.content).match(/w\d+/)![0].toUpperCase() }) });
    const project = files(server.url);
    project['evals/say.csv'] = project['evals/say.csv'].split('\n').slice(0, WORDS + 1).join('\n');
    dir = await makeProject(project);
    baselineRun = (await runIn(dir, {})).result.runDir;
    // The candidate: a longer prompt (more input tokens), the same answers.
    await makeProjectFile(dir, 'prompts/say.prompt', '---\nversion: 1.1.0\n---\nPlease say {{word}} out loud\n');
  });
  afterAll(() => server.close());

  it('run.json, the console and summary.md give baseline and candidate cost, the change, and the total; cached answers are priced too', async () => {
    const compared = await compareIn(dir, { baseline: `run:${join(baselineRun, 'run.json')}` });
    const row = compared.file.comparison!.rows[0];
    expect(row.cost!.baselineUsd).toBeCloseTo(BASELINE_USD, 12);
    expect(row.cost!.candidateUsd).toBeCloseTo(CANDIDATE_USD, 12);
    expect(row.cost!.deltaUsd).toBeCloseTo(CANDIDATE_USD - BASELINE_USD, 12);
    expect(compared.file.comparison!.cost).toEqual(row.cost);
    expect(compared.stdout).toContain('Baseline cost');
    expect(compared.stdout).toMatch(/say\s+│\s+m\s+│\s+\$0\.0010\s+│\s+\$0\.0011\s+│\s+\+\$0\.000040 \(\+3\.9%\)/);
    const summary = await readFile(join(compared.result.runDir, 'summary.md'), 'utf8');
    expect(summary).toContain('### Cost');
    expect(summary).toContain('| say | m | $0.0010 | $0.0011 | +$0.000040 (+3.9%) |');
    expect(runSchema().validateRun(compared.file), JSON.stringify(runSchema().validateRun.errors)).toBe(true);
    // Again: every candidate answer now comes from the cache (this run spends nothing), and the version still costs what it costs.
    server.reset();
    const again = await compareIn(dir, { baseline: `run:${join(baselineRun, 'run.json')}` });
    expect(server.count).toBe(0);
    expect(again.file.totals.costUsd).toBe(0);
    expect(again.file.comparison!.rows[0].cost!.candidateUsd).toBeCloseTo(CANDIDATE_USD, 12);
  });

  it('stopped by the budget: only the cases that ran are compared, the row and the gate have no verdict, exit 3', async () => {
    server.reset();
    const stopped = await compareIn(dir, { baseline: `run:${join(baselineRun, 'run.json')}`, noCache: true, concurrency: 1, maxCost: 4.5 * (CANDIDATE_USD / WORDS), allowOverEstimate: true });
    expect(server.count).toBe(4);
    expect(stopped.result.exitCode).toBe(3);
    expect(stopped.file.status).toBe('budget_exhausted');
    expect(stopped.file.cases).toHaveLength(4);
    const row = stopped.file.comparison!.rows[0];
    expect(Object.values(row.counts).reduce((a, b) => a + b, 0)).toBe(4);
    expect(row.verdict).toBe('error');
    expect(row.reasons[0]).toBe('incomplete: the cost budget stopped the run before 6 of its 10 case(s)');
    expect(stopped.file.gate!.verdict).toBe('error');
    expect(stopped.file.comparison!.gate).toEqual(stopped.file.gate);
    expect(runSchema().validateRun(stopped.file), JSON.stringify(runSchema().validateRun.errors)).toBe(true);
  });
});

async function makeProjectFile(dir: string, path: string, content: string): Promise<void> {
  await writeFile(join(dir, path), content);
}

async function compareIn(cwd: string, options: Parameters<typeof compare>[0]): Promise<{ result: Extract<RunResult, { ok: true }>; file: RunFile; stdout: string }> {
  const stdout = sink();
  const result = await compare(options, { cwd, env: { BUDGET_KEY: 'sk-budget-0123456789', CI: 'true' }, stdout: stdout.stream, stderr: sink().stream });
  if (!result.ok) throw new Error(result.error.text);
  return { result, file: await readRun(result.runDir), stdout: stdout.text() };
}
