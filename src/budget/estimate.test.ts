import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeChat } from 'gpt-tokenizer/encoding/o200k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCases } from '../cases/index.js';
import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { parsePromptSource } from '../prompts/parse.js';
import { renderPrompt } from '../prompts/render.js';
import type { RunHeader, SummaryRow } from '../run-record/types.js';
import { writeRunFile } from '../run-record/writer.js';
import { resolveSuites, type SuitePlan } from '../runner/plan.js';
import { DEFAULT_OUTPUT_TOKENS, estimateCost } from './estimate.js';
import { checkBudgetBeforeRun } from './preflight.js';

const PROMPT = (version: string, instruction: string, config = 'temperature: 0') => `---
version: ${version}
config:
  ${config}
---
{{role "system"}}
${instruction}
{{role "user"}}
{{question}}
`;
const CASES = `question,__expected,__description
What is the capital of France?,contains:Paris,plain france
What is the capital of Japan?,contains:Tokyo,plain japan
Name the longest river in Africa and say which countries it flows through.,contains:Nile,plain nile
Which city is the capital of Kenya?,rubric:names Nairobi as the capital,judged kenya
`;
const CONFIG = `export default {
  models: {
    mini: { provider: 'openai', model: 'gpt-4o-mini', baseURL: 'http://127.0.0.1:9/v1' },
    batched: { provider: 'openai', model: 'gpt-4o-mini', baseURL: 'http://127.0.0.1:9/v1', batch: true },
    claude: { provider: 'anthropic', model: 'claude-haiku-4-5', baseURL: 'http://127.0.0.1:9' },
    local: { provider: 'openai', model: 'llama3.1:8b', baseURL: 'http://127.0.0.1:9/v1' },
    judge: { provider: 'openai', model: 'gpt-4o', baseURL: 'http://127.0.0.1:9/v1', params: { max_tokens: 50 } },
  },
  defaultModel: 'mini',
  judge: 'judge',
  repeat: 2,
};
`;

let root: string;
let config: ResolvedConfig;
const planFor = async (models: string[]): Promise<SuitePlan> => (await resolveSuites(config, { models }))[0];
const usd = (input: number, output: number, price: { in: number; out: number }) => (input * price.in + output * price.out) / 1_000_000;
const MINI = { in: 0.15, out: 0.6 };
const GPT4O = { in: 2.5, out: 10 };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'estimate-'));
  mkdirSync(join(root, 'prompts'));
  mkdirSync(join(root, 'evals'));
  writeFileSync(join(root, 'prompts', 'ask.prompt'), PROMPT('1.0.0', 'Answer in one short sentence.'));
  writeFileSync(join(root, 'evals', 'ask.csv'), CASES);
  writeFileSync(join(root, 'eval.config.mjs'), CONFIG);
  config = await loadConfig({ cwd: root });
});

describe('the cost estimate', () => {
  it('run: selected cases × repeats calls, input tokens counted on each rendered case, judge calls on the judge, dollars at list price', async () => {
    const plan = await planFor(['mini']);
    const { rows, usd: total, unpriced } = await estimateCost({ config, suites: [{ plan, prompts: [plan.prompt] }] });
    expect(rows).toHaveLength(1);
    const [row] = rows;
    // The count the API bills, from the tokenizer itself (chat framing included), per rendered case.
    let perRepeat = 0;
    for await (const testCase of readCases(plan.caseFiles, { rootDir: root })) {
      const messages = renderPrompt(plan.prompt, testCase.vars, testCase.source);
      perRepeat += encodeChat(messages.map((m) => ({ role: m.role as 'system' | 'user', content: m.content })), 'gpt-4o').length;
    }
    expect(row).toMatchObject({ suite: 'ask', model: 'mini', calls: 8, judgeCalls: 2, tokenizer: 'tiktoken', outputFrom: 'default', batch: false, judge: 'judge' });
    expect(row.inputTokens).toBe(2 * perRepeat);
    expect(row.outputTokens).toBe(8 * DEFAULT_OUTPUT_TOKENS);
    expect(row.judgeOutputTokens).toBe(2 * 50);
    // The judge reads its instructions, the rubric and the answer: more than the answer alone.
    expect(row.judgeInputTokens).toBeGreaterThan(2 * (DEFAULT_OUTPUT_TOKENS + 100));
    expect(row.usd).toBeCloseTo(usd(row.inputTokens, row.outputTokens, MINI) + usd(row.judgeInputTokens!, row.judgeOutputTokens!, GPT4O), 12);
    expect(total).toBe(row.usd);
    expect(unpriced).toEqual([]);
    // --filter and --shard select the cases the run would.
    const filtered = await estimateCost({ config, suites: [{ plan, prompts: [plan.prompt] }], filter: 'plain' });
    expect(filtered.rows[0]).toMatchObject({ calls: 6, judgeCalls: 0 });
  });

  it('compare: two prompt versions double the calls; the same version on both sides is one set of calls; a stored side none', async () => {
    const plan = await planFor(['mini']);
    const v2 = parsePromptSource(PROMPT('1.1.0', 'Answer in one short sentence, and name your source.'), 'prompts/ask.prompt');
    const same = parsePromptSource(PROMPT('1.0.0', 'Answer in one short sentence.'), 'prompts/ask.prompt');
    const run = (await estimateCost({ config, suites: [{ plan, prompts: [plan.prompt] }] })).rows[0];
    const compared = (await estimateCost({ config, suites: [{ plan, prompts: [plan.prompt, v2] }] })).rows[0];
    expect(compared.calls).toBe(2 * run.calls);
    expect(compared.judgeCalls).toBe(2 * run.judgeCalls);
    expect(compared.inputTokens).toBeGreaterThan(2 * run.inputTokens);
    expect(same.hash).toBe(plan.prompt.hash);
    expect((await estimateCost({ config, suites: [{ plan, prompts: [plan.prompt, same] }] })).rows[0]).toEqual(run);

    // Through the pre-run check, as run / compare hand their suites to it: `run:` baseline = run's cost.
    const budget = { config, budget: { maxCostUsd: 100, by: '--max-cost' as const } };
    const alone = await checkBudgetBeforeRun({ ...budget, suites: [{ plan, candidate: { kind: 'prompt', prompt: plan.prompt } }] });
    const stored = await checkBudgetBeforeRun({ ...budget, suites: [{ plan, candidate: { kind: 'prompt', prompt: plan.prompt }, baseline: { kind: 'stored', label: 'run:x', lookup: () => undefined } }] });
    const git = await checkBudgetBeforeRun({ ...budget, suites: [{ plan, candidate: { kind: 'prompt', prompt: plan.prompt }, baseline: { kind: 'prompt', prompt: v2 } }] });
    expect(alone).toEqual({ maxCostUsd: 100, estimateUsd: run.usd });
    expect(stored?.estimateUsd).toBe(run.usd);
    expect(git?.estimateUsd).toBeGreaterThan(2 * run.usd!);
  });

  it('prices batched models at the batch rate: --batch halves the bill, a model entry with batch: true its own calls', async () => {
    const plan = await planFor(['mini', 'batched']);
    const suites = [{ plan, prompts: [plan.prompt] }];
    const normal = await estimateCost({ config, suites, filter: 'plain' });
    const [mini, batched] = normal.rows;
    expect(mini.batch).toBe(false);
    expect(batched.batch).toBe(true);
    expect(batched.inputTokens).toBe(mini.inputTokens);
    expect(batched.usd).toBeCloseTo(mini.usd! / 2, 15);
    const all = await estimateCost({ config, suites, batch: true });
    const full = await estimateCost({ config, suites });
    expect(all.rows.every((row) => row.batch)).toBe(true);
    // --batch: both rows at half mini's full price, the judge's calls through its Batch API too.
    expect(full.usd).toBeGreaterThan(full.rows[0].usd!);
    expect(all.usd).toBeCloseTo(full.rows[0].usd!, 15);
  });

  it('approximates models with no tokenizer (characters / 4) and names models with no price', async () => {
    const plan = await planFor(['mini', 'claude', 'local']);
    const { rows, unpriced, usd: total } = await estimateCost({ config, suites: [{ plan, prompts: [plan.prompt] }], filter: 'plain' });
    const [mini, claude, local] = rows;
    expect(claude).toMatchObject({ tokenizer: 'approx', calls: 6 });
    expect(local).toMatchObject({ tokenizer: 'approx', usd: null });
    expect(claude.inputTokens).toBe(local.inputTokens);
    expect(claude.usd).toBeCloseTo(usd(claude.inputTokens, claude.outputTokens, { in: 1, out: 5 }), 12);
    expect(unpriced).toEqual(['local']);
    expect(total).toBeCloseTo(mini.usd! + claude.usd!, 12);
  });

  it('takes output tokens from max_tokens, else from the latest complete run of that suite × model, else a default', async () => {
    const reports = join(root, 'reports-averages');
    const row = (outputTokens: number): SummaryRow => ({
      suite: 'ask', model: 'mini', promptId: 'ask', promptVersion: '1.0.0', promptHash: 'x', cases: 4, passed: 4, failed: 0, errored: 0,
      passRate: 1, meanScore: 1, calls: 4, cachedCalls: 0, inputTokens: 100, outputTokens, latencyP50: null, latencyP95: null, costUsd: null, modelsReported: [],
    });
    const write = async (runId: string, status: RunHeader['status'], outputTokens: number) => {
      mkdirSync(join(reports, runId), { recursive: true });
      await writeRunFile(join(reports, runId), { format: 'promptgate-run', formatVersion: 2, runId, status, summary: [row(outputTokens)] } as unknown as RunHeader, []);
    };
    await write('2026-01-01T00-00-00-000-aaaaaa', 'complete', 200);
    await write('2026-01-02T00-00-00-000-bbbbbb', 'complete', 40);
    // The newest run was interrupted: its averages are not used.
    await write('2026-01-03T00-00-00-000-cccccc', 'interrupted', 4000);
    const plan = await planFor(['mini']);
    const fromRun = (await estimateCost({ config, suites: [{ plan, prompts: [plan.prompt] }], reportsDir: reports })).rows[0];
    expect(fromRun).toMatchObject({ outputFrom: 'last_run', calls: 8, outputTokens: 8 * 10 });
    const capped = parsePromptSource(PROMPT('1.0.1', 'Answer in one short sentence.', 'max_tokens: 16'), 'prompts/ask.prompt');
    const fromParams = (await estimateCost({ config, suites: [{ plan: { ...plan, prompt: capped }, prompts: [capped] }], reportsDir: reports })).rows[0];
    expect(fromParams).toMatchObject({ outputFrom: 'max_tokens', outputTokens: 8 * 16 });
    const none = (await estimateCost({ config, suites: [{ plan, prompts: [plan.prompt] }], reportsDir: join(root, 'nowhere') })).rows[0];
    expect(none).toMatchObject({ outputFrom: 'default', outputTokens: 8 * DEFAULT_OUTPUT_TOKENS });
  });
});
