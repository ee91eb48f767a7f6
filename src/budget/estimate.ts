/**
 * The cost estimate `check` prints and `--max-cost` checks before the first call (docs/cost.md):
 * per suite × model, the calls the run will make, the judge calls, input tokens counted on the
 * rendered messages, output tokens, and dollars from the price table (the batch rate where calls go
 * through a Batch API). Cases are streamed: memory does not grow with their number. Cache hits
 * cost nothing, so the estimate is an upper bound when the response cache holds answers.
 */
import { BATCH_PRICE_FACTOR } from '../batch/types.js';
import { readCases } from '../cases/index.js';
import type { Assertion, TestCase } from '../cases/types.js';
import type { ModelConfig, ResolvedConfig } from '../config/types.js';
import { buildJudgeMessages } from '../graders/judge-prompt.js';
import { modelGradedDefinitions } from '../graders/model-graded/index.js';
import { rubricDefinitions } from '../graders/rubric.js';
import { renderPrompt } from '../prompts/render.js';
import type { Message, PromptFile } from '../prompts/types.js';
import { resolvePrice, type ModelPrice } from '../providers/prices.js';
import type { SuitePlan } from '../runner/plan.js';
import { inShard, matchesFilter, type Shard } from '../runner/select.js';
import { DEFAULT_MAX_STEPS } from '../runner/steps.js';
import { requestExtrasOf } from '../tools/request.js';
import { readLastRunAverages } from './last-run.js';
import { countMessages, encodingOf, loadCounter, type TokenCounter } from './tokens.js';
import type { CostEstimate, CostEstimateRow } from './types.js';

/** Output tokens of an eval call when neither its params nor an earlier run say. */
export const DEFAULT_OUTPUT_TOKENS = 256;
/** Output tokens of a judge call when the judge's params give no max_tokens (a verdict object with a short reason). */
export const DEFAULT_JUDGE_OUTPUT_TOKENS = 150;

/** The grader types that ask the judge model: one judge call per graded answer. */
const JUDGE_TYPES: ReadonlySet<string> = new Set([...rubricDefinitions, ...modelGradedDefinitions].map((d) => d.type));
/** Of those, graded once per case on all its models' answers together (select-best). */
const ACROSS_MODELS: ReadonlySet<string> = new Set(modelGradedDefinitions.filter((d) => d.acrossModels).map((d) => d.type));

export interface EstimateSuite {
  plan: SuitePlan;
  /**
   * The prompt versions that make calls: the candidate's, and a compared baseline's (2 sides). A
   * stored baseline (`run:`) makes none; a version equal to another (same hash) asks the same
   * questions, and the runner makes those calls once.
   */
  prompts: PromptFile[];
  /** Calls per case and side (adaptive repeats: the call budget). @default plan.repeat */
  repeats?: number;
}

export interface EstimateInput {
  config: ResolvedConfig;
  suites: EstimateSuite[];
  filter?: string;
  shard?: Shard;
  /** `--batch`: every model's calls through its Batch API (a model entry's `batch: true` does it for that model). */
  batch?: boolean;
  /** Where the last runs are, for their average output tokens. @default config.paths.reports */
  reportsDir?: string;
}

/** One model entry as the estimate prices and counts it. */
interface ModelCosting {
  name: string;
  counter: TokenCounter;
  /** USD per million tokens (batch rate applied); undefined when unknown. */
  price: ModelPrice | undefined;
  batch: boolean;
}

interface RowTotals extends CostEstimateRow {
  judgeInputTokens: number;
  judgeOutputTokens: number;
}

/** The estimate of every suite × model (rows in plan order). Reads each suite's cases once, streamed. */
export async function estimateCost(input: EstimateInput): Promise<CostEstimate> {
  const { config } = input;
  const costings = new Map<string, ModelCosting>();
  const costingOf = async (name: string): Promise<ModelCosting> => {
    let costing = costings.get(name);
    if (!costing) {
      costing = await createCosting(name, config.models[name], input.batch ?? false);
      costings.set(name, costing);
    }
    return costing;
  };
  const wanted = input.suites.flatMap((s) => s.plan.models.map((model) => ({ suite: s.plan.name, model })));
  const needsAverages = input.suites.some((s) => s.plan.models.some((model) => s.prompts.some((p) => maxTokensOf(paramsOf(config.models[model], p)) === undefined)));
  const averages = needsAverages ? await readLastRunAverages(input.reportsDir ?? config.paths.reports, wanted) : new Map<string, number>();
  const judge = config.judge ? await costingOf(config.judge) : undefined;
  const judgeOutput = config.judge ? (maxTokensOf(config.models[config.judge]?.params ?? {}) ?? DEFAULT_JUDGE_OUTPUT_TOKENS) : 0;
  const judgeFrame = judge ? countMessages(judge.counter, buildJudgeMessages('', '', 'estimate').messages) : 0;

  const rows: RowTotals[] = [];
  for (const suite of input.suites) {
    const models = await Promise.all(suite.plan.models.map(costingOf));
    const prompts = [...new Map(suite.prompts.map((p) => [p.hash, p])).values()];
    // Per model and side: output tokens a call, and where that figure came from.
    const outputs = models.map((model) =>
      prompts.map((prompt) => {
        const max = maxTokensOf(paramsOf(config.models[model.name], prompt));
        if (max !== undefined) return { tokens: max, from: 'max_tokens' as const };
        const average = averages.get(`${suite.plan.name}\u0000${model.name}`);
        return average !== undefined ? { tokens: average, from: 'last_run' as const } : { tokens: DEFAULT_OUTPUT_TOKENS, from: 'default' as const };
      }),
    );
    const suiteRows: RowTotals[] = models.map((model, m) => ({
      suite: suite.plan.name,
      model: model.name,
      calls: 0,
      judgeCalls: 0,
      inputTokens: 0,
      outputTokens: 0,
      tokenizer: model.counter.kind,
      outputFrom: outputs[m][0]?.from ?? 'default',
      batch: model.batch,
      usd: null,
      judgeInputTokens: 0,
      judgeOutputTokens: 0,
    }));
    const repeats = suite.repeats ?? suite.plan.repeat;
    for await (const testCase of readCases(suite.plan.caseFiles, { rootDir: config.rootDir, suiteAssert: suite.plan.assert })) {
      if (!matchesFilter(testCase, suite.plan.name, input.filter) || !inShard(testCase.id, input.shard)) continue;
      const judged = judge ? judgeAssertions(testCase.assertions) : [];
      prompts.forEach((prompt, side) => {
        const messages = renderSide(prompt, testCase, side === 0);
        // A baseline that cannot render today's case makes no call (the runner records a render error).
        if (!messages) return;
        const counted = new Map<TokenCounter, number>();
        const extra = extraTextOf(prompt);
        const steps = testCase.toolResults ? Math.max(1, testCase.maxSteps ?? DEFAULT_MAX_STEPS) : 1;
        const evalCalls = testCase.providerOutput !== undefined ? 0 : repeats * steps;
        models.forEach((model, m) => {
          const row = suiteRows[m];
          let tokens = counted.get(model.counter);
          if (tokens === undefined) {
            tokens = countMessages(model.counter, messages, extra);
            counted.set(model.counter, tokens);
          }
          const output = outputs[m][side].tokens;
          row.calls += evalCalls;
          row.inputTokens += evalCalls * tokens;
          row.outputTokens += evalCalls * output;
          if (!judge) return;
          for (const assertion of judged) {
            // select-best grades a case's models together: one judge call, counted on the first model.
            if (ACROSS_MODELS.has(assertion.type) && m > 0) continue;
            row.judgeCalls += repeats;
            row.judgeInputTokens += repeats * (judgeFrame + judge.counter.text(criteriaOf(assertion)) + output);
            row.judgeOutputTokens += repeats * judgeOutput;
          }
        });
      });
    }
    for (const [m, row] of suiteRows.entries()) row.usd = priceRow(row, models[m], judge);
    rows.push(...suiteRows);
  }
  const unpriced = [...costings.values()].filter((c) => c.price === undefined && isUsed(c.name, rows, judge)).map((c) => c.name);
  return {
    rows: rows.map(({ judgeInputTokens, judgeOutputTokens, ...row }) => (judge ? { ...row, judge: judge.name, judgeInputTokens, judgeOutputTokens } : row)),
    usd: rows.reduce((sum, row) => sum + (row.usd ?? 0), 0),
    unpriced,
  };
}

async function createCosting(name: string, model: ModelConfig | undefined, batchAll: boolean): Promise<ModelCosting> {
  if (!model) return { name, counter: await loadCounter(undefined), price: undefined, batch: false };
  // Replayed answers are local: no tokenizer to load, and they cost nothing.
  if (model.provider === 'replay') return { name, counter: await loadCounter(undefined), price: { inputPerMTok: 0, outputPerMTok: 0 }, batch: false };
  const batch = (batchAll || model.batch === true) && (model.provider === 'openai' || model.provider === 'anthropic');
  const listed = resolvePrice(model.model, model.price);
  const factor = batch ? BATCH_PRICE_FACTOR : 1;
  const price = listed && { inputPerMTok: listed.inputPerMTok * factor, outputPerMTok: listed.outputPerMTok * factor };
  return { name, counter: await loadCounter(typeof model.provider === 'string' ? encodingOf(model.provider, model.model) : undefined), price, batch };
}

/** A row's dollars: its eval calls at the model's price, its judge calls at the judge's; null when the model has no price. */
function priceRow(row: RowTotals, model: ModelCosting, judge: ModelCosting | undefined): number | null {
  if (!model.price) return null;
  const own = (row.inputTokens * model.price.inputPerMTok + row.outputTokens * model.price.outputPerMTok) / 1_000_000;
  const judged = judge?.price ? (row.judgeInputTokens * judge.price.inputPerMTok + row.judgeOutputTokens * judge.price.outputPerMTok) / 1_000_000 : 0;
  return own + judged;
}

function isUsed(name: string, rows: RowTotals[], judge: ModelCosting | undefined): boolean {
  return rows.some((row) => (row.model === name && row.calls > 0) || (judge?.name === name && row.judgeCalls > 0));
}

/** The model's params under the prompt's front-matter config, as the runner sends them. */
function paramsOf(model: ModelConfig | undefined, prompt: PromptFile): Record<string, unknown> {
  return { ...(model?.params ?? {}), ...prompt.config };
}

/** The output bound the params set (`max_tokens` and the other names providers use), or undefined. */
export function maxTokensOf(params: Record<string, unknown>): number | undefined {
  for (const key of ['max_tokens', 'max_completion_tokens', 'max_output_tokens', 'maxOutputTokens']) {
    const value = params[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/** The messages the side sends for the case; undefined when a non-candidate side cannot render it. */
function renderSide(prompt: PromptFile, testCase: TestCase, candidate: boolean): Message[] | undefined {
  try {
    return renderPrompt(prompt, testCase.vars, testCase.source, { prefix: testCase.prefix, suffix: testCase.suffix, conversation: testCase.messages });
  } catch (error) {
    if (candidate) throw error;
    return undefined;
  }
}

const extraTexts = new WeakMap<PromptFile, string>();
/** A prompt's tool definitions and structured-output schema, as JSON text (sent with every call). */
function extraTextOf(prompt: PromptFile): string {
  let text = extraTexts.get(prompt);
  if (text === undefined) {
    const extras = requestExtrasOf(prompt);
    text = (extras.tools ? JSON.stringify(extras.tools) : '') + (extras.responseSchema ? JSON.stringify(extras.responseSchema.schema) : '');
    extraTexts.set(prompt, text);
  }
  return text;
}

function judgeAssertions(assertions: Assertion[]): Assertion[] {
  return assertions.filter((assertion) => JUDGE_TYPES.has(assertion.type));
}

/** The criteria a judge reads besides the answer (the rubric; for other types their value, as text). */
function criteriaOf(assertion: Assertion): string {
  const value = assertion.value;
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
