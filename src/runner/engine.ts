import { join } from 'node:path';
import type { BatchLogState } from '../batch/batch-log.js';
import { createBatchCollector } from '../batch/collector.js';
import type { BatchConfig } from '../batch/types.js';
import { loadJudgeSecret } from '../cache/judge-secret.js';
import { createRoutes, type Route } from '../cache/request-key.js';
import { createResponseCache } from '../cache/response-cache.js';
import { readCases } from '../cases/index.js';
import type { TestCase } from '../cases/types.js';
import { classifyChange } from '../compare/classify.js';
import { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from '../config/defaults.js';
import type { ResolvedConfig } from '../config/types.js';
import { isPromptgateError } from '../errors.js';
import { gradeOutput, isAcrossModels } from '../graders/grade.js';
import type { GraderContext, JudgeResult } from '../graders/types.js';
import { renderPrompt } from '../prompts/render.js';
import type { Message, PromptFile } from '../prompts/types.js';
import type { Provider } from '../providers/types.js';
import type { Reporter, RunNotice } from '../reporters/types.js';
import { summariseRepeats } from '../run-record/status.js';
import { CALLS_FILE, CASES_PARTIAL_FILE, openLineLog } from '../run-record/writer.js';
import type { CallRecord, CaseResult, RepeatOutcome, RunHeader, Side, SideResult } from '../run-record/types.js';
import { requestExtrasOf } from '../tools/request.js';
import { keyOfCall, makeCall, type CallContext, type CallInput, type CallServices } from './call.js';
import { createEndpointCalls, type EndpointCalls } from './endpoint-call.js';
import { runSteps, type RepeatCall } from './steps.js';
import { providerGrading, requestParamsFor } from './provider-grading.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { SuitePlan } from './plan.js';
import { createFailFast } from './fail-fast.js';
import { createProviders } from './providers.js';
import { createScheduler, type ModelLimits } from './schedule.js';
import { inShard, matchesFilter, type Shard } from './select.js';
import { createSamplingTally, drawsFresh, isNoisy, type SamplingPolicy, type SamplingTally } from './sampling.js';
import { promptOf, type SideSource } from './sides.js';
import { createSummary } from './summary.js';
import { slimCase } from './slim.js';
import { runAdaptiveRounds, type AdaptiveOutcome } from './adaptive-rounds.js';
import { gradeAcrossModels } from './across-models.js';
import type { AdaptiveGate } from '../compare/adaptive.js';
import { createAnswerPricer, createCostTally } from '../compare/cost.js';
import type { ComparisonCost } from '../run-record/types.js';
import { createBudgetGuard, type BudgetGuard, type BudgetSetting } from '../budget/guard.js';

export interface SuiteRun {
  plan: SuitePlan;
  candidate: SideSource;
  /** Present for compare / ci / drift. */
  baseline?: SideSource;
}

export interface EngineInput {
  config: ResolvedConfig;
  suites: SuiteRun[];
  runId: string;
  runDir: string;
  signal: AbortSignal;
  concurrency: number;
  /** False with --no-cache. */
  readCache: boolean;
  /**
   * compare / ci / drift: noisy sides (repeat > 1, temperature not 0) skip cache reads unless the
   * baseline's cache was chosen (sampling.ts); the result's `sampling` says what each side used.
   */
  sampling?: Omit<SamplingPolicy, 'readCache'>;
  /** --record: write successful responses as replay fixtures. */
  record?: boolean;
  filter?: string;
  shard?: Shard;
  /** Successful calls of the interrupted run being resumed, by resumeKeyOf. */
  resumed?: Map<string, CallRecord>;
  reporters: Reporter[];
  /** Expected number of eval calls, for progress. */
  totalCalls?: number;
  /** Where API keys are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The time rate limits and retry waits run on (Context.clock). @default systemClock */
  clock?: Clock;
  /**
   * Adaptive repeats (compare / ci): round 1 runs every case at its plan's `repeat` (the design's
   * startRepeats), then the gate plans each next round (runner/adaptive-rounds.ts).
   */
  adaptive?: AdaptiveGate;
  /** Batch mode (runner/batch-mode.ts): the model entries whose calls go through their provider's Batch API. */
  batch?: { models: ReadonlySet<string>; config: Required<BatchConfig>; resumed?: BatchLogState };
  /** The run's providers, when the session made them already (it checks batch mode's before the run). */
  providers?: (name: string) => Provider;
  /** The cost budget (`--max-cost`, `budget.maxCostUsd`): no call starts that could pass it (budget/guard.ts). */
  budget?: BudgetSetting;
}

/** Batch mode: units in progress at most (a whole suite's calls queue for its batches; both APIs take 50,000+ lines a batch). */
const BATCH_WINDOW = 100_000;

export interface EngineResult {
  interrupted: boolean;
  summary: ReturnType<ReturnType<typeof createSummary>['finish']>;
  /**
   * Every case result cut down to what the compare gate reads (statuses, rates, scores, repeat
   * counts). Empty when no suite has a baseline: `run` decides from the summary alone, so its
   * memory does not grow with the number of cases.
   */
  slimCases: CaseResult[];
  casesFile: string;
  /** With `sampling`: where each side's answers came from (run.json `comparison.sampling`). */
  sampling?: ReturnType<SamplingTally['finish']>;
  /** With `adaptive`: the last look's analysis and what the rounds did (run.json `comparison.adaptive`). */
  adaptive?: AdaptiveOutcome;
  /** Batch mode: the batches submitted or re-attached (run.json `batches`). */
  batches?: NonNullable<RunHeader['batches']>;
  /** Batch mode: the run stopped because `--batch-timeout` passed (it is resumable). */
  batchTimedOut?: boolean;
  /**
   * With `budget`: what was spent (the actual cost of the attempts made), and whether the budget
   * refused a call (`exhausted`: the run stopped there; the cases it did not finish have no result).
   */
  budget?: { maxCostUsd: number; spentUsd: number; exhausted: boolean };
  /** Compare / ci / drift: what each side's answers cost, per `suite\0model` (compare/cost.ts). */
  costs?: Map<string, ComparisonCost>;
}

/**
 * Streams cases through the scheduler: reads them suite by suite, keeps a bounded window of
 * case × model units in progress (so memory does not grow with the number of cases), and writes
 * each result in plan order as soon as it and all before it are done. With `adaptive`, in rounds
 * (runner/adaptive-rounds.ts), merged into one result per case at the end.
 */
export async function runEngine(given: EngineInput): Promise<EngineResult> {
  // Batch mode: the batch timeout stops the run like an interrupt (finished work kept, resumable).
  const batchStop = given.batch ? new AbortController() : undefined;
  const input = batchStop ? { ...given, signal: AbortSignal.any([given.signal, batchStop.signal]) } : given;
  const { config, signal } = input;
  const summary = createSummary();
  const callLog = openLineLog<CallRecord>(join(input.runDir, CALLS_FILE), 'a');
  const casesFile = join(input.runDir, CASES_PARTIAL_FILE);
  const caseLog = openLineLog<CaseResult>(casesFile, 'w');
  const providers = input.providers ?? createProviders(config, { record: input.record ?? false, env: input.env });
  const routes = createRoutes(config.models);
  const notify = (notice: RunNotice) => {
    for (const reporter of input.reporters) reporter.onNotice?.(notice);
  };
  const budget = input.budget
    ? createBudgetGuard(input.budget.maxCostUsd, ({ spentUsd }) => notify({ kind: 'budget-exhausted', spentUsd, maxCostUsd: input.budget!.maxCostUsd }))
    : undefined;
  const scheduler = createScheduler({
    concurrency: input.concurrency,
    budget,
    models: modelLimits(config),
    signal,
    // Fail fast: a model entry whose first calls all fail the same way (401, 404, refused) is stopped.
    guard: createFailFast(config.models, (stop) => notify({ kind: 'model-stopped', ...stop })),
    onWait: (wait) => notify({ kind: 'wait', ...wait }),
    onWaitEnd: (id) => notify({ kind: 'wait-end', id }),
    clock: input.clock,
  });
  let done = 0;
  const progress = { total: input.totalCalls };
  const judgeSecret = await loadJudgeSecret(config.paths.cache);
  const tally = input.sampling ? createSamplingTally({ ...input.sampling, readCache: input.readCache }) : undefined;
  const services: CallServices = {
    scheduler,
    cache: createResponseCache(config.paths.cache),
    readCache: input.readCache,
    resumed: input.resumed,
    ...(budget ? { budget } : {}),
    log(record) {
      callLog.write(record);
      summary.addCall(record);
      tally?.addCall(record);
    },
    reuse(record) {
      summary.addCall(record);
      tally?.addCall(record);
      services.onCallDone?.(record);
    },
    onCallDone(record) {
      done++;
      for (const reporter of input.reporters) reporter.onCallDone?.({ done, total: progress.total, cached: record.cached, error: record.error !== null });
    },
  };
  const collector = input.batch
    ? createBatchCollector({
        runDir: input.runDir,
        signal,
        clock: input.clock ?? systemClock,
        config: input.batch.config,
        maxRetries: (model) => config.models[model]?.maxRetries ?? DEFAULT_MAX_RETRIES,
        pollTimeoutMs: (model) => config.models[model]?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        direct: (model, provider, request, estimate) => scheduler.run(model, (s) => provider.call(request, s), estimate),
        notify,
        resumed: input.batch.resumed,
        onTimeout: () => batchStop?.abort(new Error('batch timeout')),
      })
    : undefined;
  if (collector && input.batch) services.batch = { collector, models: input.batch.models };
  const slimCases: CaseResult[] = [];
  const keepSlim = input.suites.some((suite) => suite.baseline);
  const costs = keepSlim ? createCostTally(createAnswerPricer(config)) : undefined;
  const endpoints = createEndpointCalls(services);
  const context: StreamContext = { input, providers, routes, services, endpoints, judgeSecret, tally, summary, budget };
  /** A whole case's result: into the case log, the totals, the gate's slim copy and the reporters. */
  const finished = async (result: CaseResult) => {
    caseLog.write(result);
    summary.addCase(result);
    tally?.addCase(result);
    if (keepSlim) slimCases.push(slimCase(result));
    costs?.add(result);
    for (const reporter of input.reporters) await reporter.onCaseResult?.(result);
  };

  let adaptive: AdaptiveOutcome | undefined;
  try {
    if (input.adaptive) {
      adaptive = await runAdaptiveRounds({
        gate: input.adaptive,
        runDir: input.runDir,
        signal,
        halted: () => budget?.exhausted === true,
        stream: (choose, onResult) => streamUnits(context, choose, onResult),
        finished,
        notify,
        addPlannedCalls(calls) {
          progress.total = (progress.total ?? 0) + calls;
        },
      });
    } else {
      await streamUnits(context, (_ordinal, suite) => ({ from: 0, to: suite.plan.repeat }), finished);
    }
  } finally {
    await Promise.all([callLog.close(), caseLog.close()]);
  }
  return {
    interrupted: signal.aborted,
    summary: summary.finish(),
    slimCases,
    casesFile,
    ...(tally ? { sampling: tally.finish() } : {}),
    ...(adaptive ? { adaptive } : {}),
    ...(collector ? { batches: collector.batches(), batchTimedOut: collector.timedOut } : {}),
    ...(costs ? { costs: costs.finish() } : {}),
    ...(budget ? { budget: { maxCostUsd: budget.maxCostUsd, spentUsd: budget.spentUsd, exhausted: budget.exhausted } } : {}),
  };
}

/** What streaming units needs of the run. */
interface StreamContext {
  input: EngineInput;
  providers: (name: string) => Provider;
  routes: (name: string) => Route;
  services: CallServices;
  /** Embeddings and moderation calls (graders'). */
  endpoints: EndpointCalls;
  judgeSecret: string;
  tally?: SamplingTally;
  summary: ReturnType<typeof createSummary>;
  /** The cost budget: once it refused a call, no further unit starts. */
  budget?: BudgetGuard;
}

/** The repeats a unit runs in a round: indices `from` (inclusive) to `to` (exclusive), on every side that makes calls. */
export interface RepeatRange {
  from: number;
  to: number;
}

/**
 * Which repeats of a unit (case × model) to run, given its ordinal (its place among the units the
 * run selected, in plan order: suites, their cases, their models); undefined skips it.
 */
export type ChooseRepeats = (ordinal: number, suite: SuiteRun, model: string, testCase: TestCase) => RepeatRange | undefined;

/**
 * One pass over the selected units in plan order: runs the chosen repeats of each, a bounded
 * window at a time, and hands each result to `onResult` in plan order. Rejects with the first
 * unit's failure once the units in flight are done.
 */
async function streamUnits(ctx: StreamContext, choose: ChooseRepeats, onResult: (result: CaseResult, ordinal: number) => Promise<void>): Promise<void> {
  const { input, services } = ctx;
  const { config, signal } = input;
  const completed = new Map<number, { result: CaseResult; ordinal: number } | null>();
  let nextToEmit = 0;
  let nextSeq = 0;
  let ordinal = 0;
  /** Units whose results are not handed on yet (the run's end waits for them). */
  let pending = 0;
  /** Units still running (the window's bound). */
  let inFlight = 0;
  let fatal: unknown;
  let wake: (() => void) | undefined;
  // Batch mode: nothing finishes until its batch does, so the window holds every call a batch can take.
  const window = input.batch ? BATCH_WINDOW : Math.max(16, input.concurrency * 2 + 8);

  const emit = async () => {
    while (completed.has(nextToEmit)) {
      const entry = completed.get(nextToEmit)!;
      completed.delete(nextToEmit);
      nextToEmit++;
      if (!entry) continue;
      await onResult(entry.result, entry.ordinal);
    }
  };

  const free = () => {
    wake?.();
    wake = undefined;
  };
  const release = () => {
    inFlight--;
    free();
  };
  /** `units` results were handed on (or dropped): the end of the run waits for none of them. */
  const finish = (units: number) => {
    pending -= units;
    free();
  };
  /** Hands a unit's (or a group's) outcome to `emit`, in plan order. */
  const settle = (members: Array<{ seq: number; ordinal: number }>, outcome: Promise<Array<CaseResult | undefined>>) =>
    outcome
      .then(
        (results) => {
          members.forEach((member, i) => {
            const result = results[i];
            completed.set(member.seq, result ? { result, ordinal: member.ordinal } : null);
          });
        },
        (error) => {
          for (const member of members) completed.set(member.seq, null);
          fatal ??= error;
        },
      )
      .then(emit)
      .catch((error) => (fatal ??= error));

  outer: for (const suite of input.suites) {
    for (const model of suite.plan.models) {
      const prompt = promptOf(suite.candidate);
      if (prompt) ctx.summary.declare(suite.plan.name, model, prompt);
    }
    for await (const testCase of readCases(suite.plan.caseFiles, { rootDir: config.rootDir, suiteAssert: suite.plan.assert })) {
      if (!matchesFilter(testCase, suite.plan.name, input.filter) || !inShard(testCase.id, input.shard)) continue;
      // select-best: the case's results wait for every model's answer, then are compared (across-models.ts).
      const grouped = testCase.assertions.some(isAcrossModels);
      const group: Array<{ seq: number; ordinal: number; unit: UnitInput; done: Promise<CaseResult | undefined> }> = [];
      let stop = false;
      for (const model of suite.plan.models) {
        const unitOrdinal = ordinal++;
        const range = choose(unitOrdinal, suite, model, testCase);
        if (!range) continue;
        const halted = () => signal.aborted || fatal !== undefined || ctx.budget?.exhausted === true;
        if (halted()) stop = true;
        else while (inFlight >= window) await new Promise<void>((resolve) => (wake = resolve));
        if (stop || halted()) {
          stop = true;
          break;
        }
        const seq = nextSeq++;
        pending++;
        inFlight++;
        const unit: UnitInput = { suite, testCase, model, runId: input.runId, config, providers: ctx.providers, routes: ctx.routes, services, signal, judgeSecret: ctx.judgeSecret, tally: ctx.tally, range, endpoints: ctx.endpoints, env: input.env };
        const done = runUnit(unit);
        // The unit's place in the window is free once it is done, also while its group waits for the others.
        void done.then(release, release);
        if (grouped) group.push({ seq, ordinal: unitOrdinal, unit, done });
        else void settle([{ seq, ordinal: unitOrdinal }], done.then((result) => [result])).finally(() => finish(1));
      }
      // Started units of a group are settled also when the run stops (interrupted: no results).
      if (group.length > 0) {
        const members = group.length;
        const outcome = stop ? Promise.all(group.map((member) => member.done.then(() => undefined))) : compareGroup(suite, testCase, group);
        void settle(group, outcome).finally(() => finish(members));
      }
      if (stop) break outer;
    }
  }
  while (pending > 0) await new Promise<void>((resolve) => (wake = resolve));
  await emit();
  if (fatal) throw fatal;
}

interface UnitInput {
  suite: SuiteRun;
  testCase: TestCase;
  model: string;
  runId: string;
  config: ResolvedConfig;
  providers: (name: string) => Provider;
  /** Who answers each model entry (keys its calls). */
  routes: (name: string) => Route;
  services: CallServices;
  endpoints: EndpointCalls;
  signal: AbortSignal;
  judgeSecret: string;
  /** compare / ci / drift: decides which sides read the cache, and records it. */
  tally?: SamplingTally;
  /** The repeats to run (all of the plan's, except in later rounds of adaptive repeats). */
  range: RepeatRange;
  /** The command's environment (code graders: the python executable, timeouts). */
  env?: NodeJS.ProcessEnv;
}

/** A side ready to call: the rendered request of each repeat. */
type PreparedSide =
  | { kind: 'calls'; side: Side; prompt: PromptFile; input: CallInput; keys: string[] }
  | { kind: 'fixed'; result: SideResult | null };

/** One case on one model: every repeat of each side, graded. Undefined when interrupted. */
async function runUnit(unit: UnitInput): Promise<CaseResult | undefined> {
  const { suite, testCase, model } = unit;
  const candidate = prepareSide(unit, 'candidate', suite.candidate);
  const baseline = suite.baseline ? prepareSide(unit, 'baseline', suite.baseline) : undefined;
  const candidateCalls = candidate.kind === 'calls' ? candidate.keys.map((_, at) => callFor(unit, candidate, at)) : [];
  // Identical requests on both sides are one call, used by both.
  const baselineCalls =
    baseline?.kind === 'calls'
      ? baseline.keys.map((key, at) =>
          candidate.kind === 'calls' && candidate.keys[at] === key ? candidateCalls[at] : callFor(unit, baseline, at),
        )
      : [];
  const [candidateResult, baselineResult] = await Promise.all([
    candidate.kind === 'calls' ? gradeSide(unit, candidate, candidateCalls) : candidate.result,
    baseline?.kind === 'calls' ? gradeSide(unit, baseline, baselineCalls) : baseline?.result,
  ]);
  if (candidateResult === undefined || (baseline && baselineResult === undefined)) return undefined;
  if (!candidateResult) throw new Error(`no candidate result for case ${testCase.id} of suite ${suite.plan.name}`);
  const result: CaseResult = {
    suite: suite.plan.name,
    model,
    caseId: testCase.id,
    description: testCase.description,
    tags: testCase.tags,
    source: testCase.source,
    vars: testCase.vars,
    ...candidateResult,
  };
  if (suite.baseline) {
    if (baselineResult) result.baseline = baselineResult;
    result.change = classifyChange(candidateResult, baselineResult ?? undefined, suite.plan.repeat);
  }
  return result;
}

function prepareSide(unit: UnitInput, side: Side, source: SideSource): PreparedSide {
  const { suite, testCase, model, config } = unit;
  if (source.kind === 'absent') return { kind: 'fixed', result: null };
  if (source.kind === 'stored') {
    unit.tally?.note(suite.plan.name, model, side, { stored: true });
    return { kind: 'fixed', result: source.lookup(suite.plan.name, model, testCase.id) ?? null };
  }
  const prompt = source.prompt;
  const modelConfig = config.models[model];
  // With `logprobs: true` when a perplexity grader needs them (the request, and so its cache key, changes).
  const params = requestParamsFor(testCase, modelConfig.provider, paramsOf(modelConfig.params, prompt));
  let fresh = false;
  if (unit.tally) {
    const noisy = isNoisy(modelConfig.provider, params, suite.plan.repeat);
    fresh = drawsFresh(unit.tally.policy, side, noisy);
    unit.tally.note(suite.plan.name, model, side, { noisy, fresh });
  }
  let messages: Message[];
  try {
    messages = renderPrompt(prompt, testCase.vars, testCase.source, { prefix: testCase.prefix, suffix: testCase.suffix, conversation: testCase.messages });
  } catch (error) {
    // The candidate was validated before the run; an older baseline may not fit today's cases.
    if (side === 'candidate' || !isPromptgateError(error)) throw error;
    return { kind: 'fixed', result: renderFailure(prompt, unit.range, error.format()) };
  }
  const input: CallInput = { provider: unit.providers(model), route: unit.routes(model), messages, params, ...requestExtrasOf(prompt), price: modelConfig.price, ...(fresh ? { fresh } : {}) };
  // keys[at] is the key of repeat range.from + at (the repeat index is part of the key).
  const keys = Array.from({ length: unit.range.to - unit.range.from }, (_, at) => keyOfCall(input, unit.range.from + at));
  return { kind: 'calls', side, prompt, input, keys };
}

/** The model's params under the prompt's front-matter config: one object per (model, prompt), shared by its calls (never mutated). */
const mergedParams = new WeakMap<PromptFile, Map<Record<string, unknown> | undefined, Record<string, unknown>>>();
function paramsOf(modelParams: Record<string, unknown> | undefined, prompt: PromptFile): Record<string, unknown> {
  let byModel = mergedParams.get(prompt);
  if (!byModel) {
    byModel = new Map();
    mergedParams.set(prompt, byModel);
  }
  let params = byModel.get(modelParams);
  if (!params) {
    params = { ...(modelParams ?? {}), ...prompt.config };
    byModel.set(modelParams, params);
  }
  return params;
}

/** The call of the `at`-th repeat of the unit's range. */
function callFor(unit: UnitInput, side: Extract<PreparedSide, { kind: 'calls' }>, at: number): Promise<RepeatCall | undefined> {
  const repeat = unit.range.from + at;
  if (unit.testCase.providerOutput !== undefined) return Promise.resolve(providedOutput(unit, side, repeat, side.keys[at], unit.testCase.providerOutput));
  const context: CallContext = {
    runId: unit.runId,
    purpose: 'eval',
    suite: unit.suite.plan.name,
    caseId: unit.testCase.id,
    repeat,
    side: side.side,
    prompt: side.prompt,
    model: unit.model,
    vars: unit.testCase.vars,
  };
  // Canned tool results: the model's tool calls are answered and it is called again (steps.ts).
  const { toolResults, maxSteps } = unit.testCase;
  if (toolResults) return runSteps({ context, input: side.input, requestKey: side.keys[at], toolResults, maxSteps }, unit.services, unit.signal);
  return makeCall(context, side.input, unit.services, unit.signal, side.keys[at]);
}

/**
 * promptfoo's `__providerOutput`: the case gives the output, so no model is called (and nothing
 * goes to calls.jsonl or the cache). Cost 0 and latency 0 as in promptfoo; the repeat is marked
 * `providedOutput` in run.json.
 */
function providedOutput(unit: UnitInput, side: Extract<PreparedSide, { kind: 'calls' }>, repeat: number, requestKey: string, output: string): CallRecord {
  return {
    runId: unit.runId, purpose: 'eval', suite: unit.suite.plan.name, caseId: unit.testCase.id, repeat, side: side.side,
    promptId: side.prompt.id, promptVersion: side.prompt.version, promptHash: side.prompt.hash, model: unit.model,
    provider: side.input.provider.kind, modelRequested: side.input.provider.model, params: side.input.params, vars: unit.testCase.vars,
    messages: side.input.messages, requestKey, startedAt: new Date().toISOString(), modelReported: null, output,
    finishReason: null, usage: null, latencyMs: 0, costUsd: 0, cached: false, attempts: 0, error: null,
  };
}

async function gradeSide(unit: UnitInput, side: Extract<PreparedSide, { kind: 'calls' }>, calls: Array<Promise<RepeatCall | undefined>>): Promise<SideResult | undefined> {
  const outcomes = await Promise.all(
    calls.map(async (call, at) => {
      const record = await call;
      return record ? gradeRepeat(unit, side, record, unit.range.from + at) : undefined;
    }),
  );
  if (outcomes.some((outcome) => outcome === undefined)) return undefined;
  return sideResultOf(side.prompt, outcomes as RepeatOutcome[]);
}

async function gradeRepeat(unit: UnitInput, side: Extract<PreparedSide, { kind: 'calls' }>, record: RepeatCall, repeat: number): Promise<RepeatOutcome | undefined> {
  const outcome: RepeatOutcome = {
    repeat,
    output: record.output,
    error: record.error,
    grade: null,
    modelReported: record.modelReported,
    latencyMs: record.latencyMs,
    usage: record.usage,
    costUsd: record.costUsd,
    cached: record.cached,
    attempts: record.attempts,
    ...(unit.testCase.providerOutput !== undefined ? { providedOutput: true as const } : {}),
  };
  if (record.toolCalls && record.toolCalls.length > 0) outcome.toolCalls = record.toolCalls;
  if (record.refusal !== undefined) outcome.refusal = record.refusal;
  if (record.steps) outcome.steps = record.steps;
  if (record.error || record.output === null) return outcome;
  const { prompt } = side;
  let interrupted = false;
  const context: GraderContext = {
    vars: unit.testCase.vars,
    prompt: { id: prompt.id, version: prompt.version, outputFormat: prompt.outputFormat, outputSchema: prompt.outputSchema, tools: prompt.tools },
    model: unit.model,
    cached: record.cached,
    finishReason: record.finishReason ?? undefined,
    messages: record.messages,
    toolCalls: record.toolCalls,
    refusal: record.refusal,
    // latency, cost, logprobs, embed, moderate (provider-grading.ts).
    ...providerGrading(
      { config: unit.config, providers: unit.providers, routes: unit.routes, endpoints: unit.endpoints, signal: unit.signal, onAbandoned: () => (interrupted = true) },
      { runId: unit.runId, suite: unit.suite.plan.name, caseId: unit.testCase.id, repeat, side: side.side, prompt: side.prompt, vars: unit.testCase.vars },
      unit.model,
      record,
    ),
    graders: unit.config.graders,
    grading: unit.config.grading,
    judgeSecret: unit.judgeSecret,
    rootDir: unit.config.rootDir,
    testCase: unit.testCase,
    env: unit.env,
    signal: unit.signal,
    judge: unit.config.judge
      ? async (messages) => {
          const judged = await judgeCall(unit, side.side, side.prompt, repeat, messages);
          if (!judged) interrupted = true;
          return judged ?? { ok: false, error: { code: 'aborted', message: 'run interrupted', retryable: false } };
        }
      : undefined,
  };
  outcome.grade = await gradeOutput(record.output, unit.testCase.assertions, unit.testCase.threshold, context);
  // A verdict from an abandoned judge call is no verdict: leave the case for --resume.
  return interrupted ? undefined : outcome;
}

/**
 * A case's results on every model of its suite (the group of units of one case), then the grades
 * that compare their outputs (select-best, across-models.ts). Interrupted: no result for any of them.
 */
async function compareGroup(suite: SuiteRun, testCase: TestCase, group: Array<{ unit: UnitInput; done: Promise<CaseResult | undefined> }>): Promise<Array<CaseResult | undefined>> {
  const results = await Promise.all(group.map((member) => member.done));
  const none = results.map(() => undefined);
  if (results.some((result) => result === undefined)) return none;
  const { unit } = group[0];
  const sources: Array<[Side, SideSource | undefined]> = [['candidate', suite.candidate], ['baseline', suite.baseline]];
  const prompts = new Map(sources.flatMap(([side, source]) => (source?.kind === 'prompt' ? [[side, source.prompt] as const] : [])));
  const complete = await gradeAcrossModels({
    testCase,
    results: results as CaseResult[],
    sides: [...prompts.keys()],
    repeat: suite.plan.repeat,
    judge: unit.config.judge ? (side, repeat, messages) => judgeCall(unit, side, prompts.get(side)!, repeat, messages) : undefined,
    judgeSecret: unit.judgeSecret,
    signal: unit.signal,
  });
  return complete ? results : none;
}

async function judgeCall(unit: UnitInput, side: Side, prompt: PromptFile, repeat: number, messages: Message[]): Promise<JudgeResult | undefined> {
  const judge = unit.config.judge!;
  const judgeConfig = unit.config.models[judge];
  const context: CallContext = {
    runId: unit.runId,
    purpose: 'judge',
    suite: unit.suite.plan.name,
    caseId: unit.testCase.id,
    repeat,
    side,
    prompt,
    model: judge,
    vars: unit.testCase.vars,
  };
  const record = await makeCall(context, { provider: unit.providers(judge), route: unit.routes(judge), messages, params: { temperature: 0, ...(judgeConfig.params ?? {}) }, price: judgeConfig.price }, unit.services, unit.signal);
  if (!record) return undefined;
  // The same model, version and params as the judge's line in calls.jsonl, for the rubric's grade in run.json.
  const identity = { model: judge, modelReported: record.modelReported, params: record.params };
  if (record.error || record.output === null) {
    return { ok: false, error: { code: 'provider_error', message: record.error?.message ?? 'no output', retryable: false }, judge: identity };
  }
  // A judge's refusal goes to the grader, which makes it no verdict (never a pass or a fail).
  return { ok: true, output: record.output, modelReported: record.modelReported ?? undefined, ...(record.refusal !== undefined ? { refusal: record.refusal } : {}), judge: identity };
}

/** A side's result: `error` when a call or a grader left a repeat without a verdict, `ungraded` when nothing graded it (summariseRepeats). */
function sideResultOf(prompt: PromptFile, repeats: RepeatOutcome[]): SideResult {
  return { promptId: prompt.id, promptVersion: prompt.version, promptHash: prompt.hash, ...summariseRepeats(repeats), repeats };
}

function renderFailure(prompt: PromptFile, range: RepeatRange, message: string): SideResult {
  const repeats = Array.from({ length: range.to - range.from }, (_, i): RepeatOutcome => ({
    repeat: range.from + i, output: null, error: { code: 'render_error', message }, grade: null, modelReported: null,
    latencyMs: 0, usage: null, costUsd: null, cached: false, attempts: 0,
  }));
  return sideResultOf(prompt, repeats);
}

function modelLimits(config: ResolvedConfig): Record<string, ModelLimits> {
  const limits: Record<string, ModelLimits> = {};
  for (const [name, model] of Object.entries(config.models)) {
    limits[name] = {
      concurrency: model.concurrency,
      rpm: model.rpm,
      tpm: model.tpm,
      timeoutMs: model.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxRetries: model.maxRetries ?? DEFAULT_MAX_RETRIES,
      maxRetryWaitMs: model.maxRetryWaitMs,
      maxCallMs: model.maxCallMs,
    };
  }
  return limits;
}
