import { customIdOf } from '../batch/batch-log.js';
import type { BatchCollector } from '../batch/collector.js';
import { BATCH_PRICE_FACTOR, type BatchTransport } from '../batch/types.js';
import { requestKeyOf, type Route } from '../cache/request-key.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { BudgetGuard } from '../budget/guard.js';
import type { Message } from '../prompts/types.js';
import { costOf, lookupPrice, type ModelPrice } from '../providers/prices.js';
import type { Provider, ProviderRequest, ProviderResult, TokenUsage } from '../providers/types.js';
import { tokenUsageOf } from '../providers/usage.js';
import type { CallRecord, Side } from '../run-record/types.js';
import { resumeKeyOf } from './resume.js';
import type { AttemptCost, Scheduler } from './schedule.js';

/** Who a call is for: everything calls.jsonl records besides the response. */
export interface CallContext {
  runId: string;
  purpose: CallRecord['purpose'];
  suite: string;
  caseId: string;
  repeat: number;
  side: Side;
  prompt: { id: string; version: string; hash: string };
  model: string;
  vars: Record<string, unknown>;
  /** 0-based step of a multi-step case (runner/steps.ts); absent for a single call. */
  step?: number;
}

/** Which run, case, repeat, side and prompt version a calls.jsonl line belongs to (chat, judge, embedding and moderation calls alike). */
export function callIdentity(
  context: Pick<CallContext, 'runId' | 'suite' | 'caseId' | 'repeat' | 'side' | 'prompt'>,
  purpose: CallRecord['purpose'],
): Pick<CallRecord, 'runId' | 'purpose' | 'suite' | 'caseId' | 'repeat' | 'side' | 'promptId' | 'promptVersion' | 'promptHash'> {
  return {
    runId: context.runId,
    purpose,
    suite: context.suite,
    caseId: context.caseId,
    repeat: context.repeat,
    side: context.side,
    promptId: context.prompt.id,
    promptVersion: context.prompt.version,
    promptHash: context.prompt.hash,
  };
}

export interface CallInput {
  provider: Provider;
  /** Who answers: the model entry's route (routeOf), hashed into the request key. */
  route: Route;
  messages: Message[];
  params: Record<string, unknown>;
  /** The prompt's tools, tool choice and structured output (tools/request.ts): sent, keyed and logged. */
  tools?: ProviderRequest['tools'];
  toolChoice?: ProviderRequest['toolChoice'];
  responseSchema?: ProviderRequest['responseSchema'];
  /** Price override from the model config. */
  price?: { input: number; output: number };
  /** Draw a new answer: skip cache reads (a noisy side in compare; the answer still warms the cache). */
  fresh?: boolean;
}

/** Shared by every call of a run. */
export interface CallServices {
  scheduler: Scheduler;
  cache: ResponseCache;
  /** Whether cache hits may be used (`--no-cache` turns reads off; writes still warm it). */
  readCache: boolean;
  /** Successful calls of an interrupted run being resumed, by resumeKeyOf. */
  resumed?: Map<string, CallRecord>;
  /** A call taken from the resumed run: counted like a new one, but not logged again. */
  reuse?(record: CallRecord): void;
  /**
   * The run's cost budget, when one is set: the scheduler asks it for every call it starts; a call
   * that does not go through the scheduler (batch mode's collector) must ask it itself (admit before
   * submitting, settle with the call's cost), or the budget does not see it.
   */
  budget?: BudgetGuard;
  /** Appends a line to calls.jsonl. */
  log(record: CallRecord): void;
  /** Batch mode: the collector, and which model entries send their calls through it (runner/batch-mode.ts). */
  batch?: { collector: BatchCollector; models: ReadonlySet<string> };
  onCallDone?(record: CallRecord): void;
}

/** Content address of a call: who answers (the route) and what is sent (model id, params, messages, repeat). */
export function keyOfCall(input: CallInput, repeat: number): string {
  return requestKeyOf(input.route, {
    model: input.provider.model,
    params: input.params,
    messages: input.messages,
    tools: input.tools,
    toolChoice: input.toolChoice,
    responseSchema: input.responseSchema,
    repeat,
  });
}

/**
 * One inference call: from the resumed run, the cache, or the provider through the scheduler;
 * logged to calls.jsonl (except resumed calls, already there). Never throws.
 * Returns undefined when the run was interrupted before the call finished (it is abandoned), or
 * when the cost budget refused it (it was never sent): neither is logged nor graded.
 */
export async function makeCall(
  context: CallContext,
  input: CallInput,
  services: CallServices,
  signal: AbortSignal,
  /** keyOfCall(input, context.repeat), when the caller has it already. */
  requestKey = keyOfCall(input, context.repeat),
): Promise<CallRecord | undefined> {
  const resumeKey = resumeKeyOf({ requestKey, purpose: context.purpose, side: context.side, suite: context.suite, caseId: context.caseId, model: context.model, repeat: context.repeat });
  const resumed = services.resumed?.get(resumeKey);
  if (resumed) {
    const record = { ...resumed, runId: context.runId };
    services.reuse?.(record);
    return record;
  }

  const base: CallBase = {
    ...callIdentity(context, context.purpose),
    model: context.model,
    provider: input.provider.kind,
    modelRequested: input.provider.model,
    params: input.params,
    vars: context.vars,
    messages: input.messages,
    requestKey,
    startedAt: new Date().toISOString(),
  };
  if (input.tools && input.tools.length > 0) base.tools = input.tools;
  if (input.toolChoice !== undefined) base.toolChoice = input.toolChoice;
  if (input.responseSchema) base.responseSchema = input.responseSchema;
  if (context.step !== undefined) base.step = context.step;

  // Replay answers are local already; caching them would hide edits to the fixtures.
  const cacheable = input.provider.kind !== 'replay';
  const hit = cacheable && services.readCache && !input.fresh ? await services.cache.get(requestKey) : undefined;
  let record: CallRecord;
  if (hit) {
    record = withOutcome(base, { modelReported: hit.modelReported ?? null, output: hit.output, finishReason: hit.finishReason ?? null, usage: believableUsage(hit.usage), latencyMs: 0, costUsd: 0, cached: true, attempts: 0, error: null });
    if (hit.logprobs) record.logprobs = hit.logprobs;
    if (hit.toolCalls && hit.toolCalls.length > 0) record.toolCalls = hit.toolCalls;
    if (hit.refusal !== undefined) record.refusal = hit.refusal;
    // What `latency` grades a cached answer by (promptfoo keeps a response's latency with its cache entry).
    if (hit.latencyMs !== undefined) record.originalLatencyMs = hit.latencyMs;
  } else {
    const estimate = estimateTokens(input);
    const request = requestOf(input);
    const batch = services.batch?.models.has(context.model) && input.provider.batch ? services.batch.collector : undefined;
    let outcome: { result: ProviderResult; attempts: number; latencyMs: number; refused?: boolean; batchId?: string };
    if (batch) {
      // Batch mode: the call waits for its batch line outside the scheduler (no slot held, no attempt
      // timeout), so the budget is asked here, at the batch rate, before the line is submitted.
      const cost = costOfCall(input, true);
      const ticket = services.budget?.admit(context.model, cost.estimateUsd());
      if (services.budget && !ticket) return undefined;
      outcome = await batch.call(context.model, input.provider as Provider & { batch: BatchTransport }, customIdOf(resumeKey), request, estimate);
      const actual = outcome.result.ok ? cost.actualUsd(outcome.result) : 0;
      ticket?.settle(actual ?? cost.estimateUsd(), actual !== null);
    } else {
      outcome = await services.scheduler.run(context.model, (s) => input.provider.call(request, s), estimate, costOfCall(input));
    }
    if (outcome.refused || (signal.aborted && !outcome.result.ok)) return undefined;
    const batchId = outcome.batchId;
    record = recordOf(base, outcome.result, outcome.attempts, outcome.latencyMs, input, batchId);
    if (outcome.result.ok && cacheable) {
      const { output, modelReported, usage, finishReason, logprobs, toolCalls, refusal } = outcome.result;
      // A batch line's latency is its wait for the batch, not the model's: not kept for `latency` graders.
      await services.cache.set(requestKey, { output, modelReported, usage, finishReason, logprobs, toolCalls, refusal, ...(batchId ? {} : { latencyMs: record.latencyMs }) }).catch(() => {});
    }
  }
  services.log(record);
  services.onCallDone?.(record);
  return record;
}

type CallBase = Omit<CallRecord, keyof CallOutcome>;
type CallOutcome = Pick<CallRecord, 'modelReported' | 'output' | 'finishReason' | 'usage' | 'latencyMs' | 'costUsd' | 'cached' | 'attempts' | 'error'>;

function recordOf(base: CallBase, result: ProviderResult, attempts: number, latencyMs: number, input: CallInput, batchId?: string): CallRecord {
  const latency = Math.round(latencyMs * 10) / 10;
  if (!result.ok) {
    const failed = withOutcome(base, { modelReported: null, output: null, finishReason: null, usage: null, latencyMs: latency, costUsd: null, cached: false, attempts, error: { code: result.error.code, message: result.error.message } });
    if (batchId) failed.batch = { id: batchId };
    return failed;
  }
  const usage = believableUsage(result.usage);
  const record = withOutcome(base, {
    modelReported: result.modelReported ?? null,
    output: result.output,
    finishReason: result.finishReason ?? null,
    usage,
    latencyMs: latency,
    // Replayed answers cost nothing; real ones are priced when the table (or the config) knows the
    // model; a batch line at the batch rate (BATCH_PRICE_FACTOR of the table's price).
    costUsd: answerCost(input, result.modelReported, usage, batchId !== undefined),
    cached: false,
    attempts,
    error: null,
  });
  if (result.logprobs) record.logprobs = result.logprobs;
  if (result.toolCalls && result.toolCalls.length > 0) record.toolCalls = result.toolCalls;
  if (result.refusal !== undefined) record.refusal = result.refusal;
  if (batchId) record.batch = { id: batchId };
  return record;
}

/** Replayed answers cost nothing; real ones are priced when the table (or the config) knows the model. */
function answerCost(input: CallInput, modelReported: string | undefined, usage: TokenUsage | null, batched = false): number | null {
  if (input.provider.kind === 'replay') return 0;
  const price = usage ? priceCall(modelReported ?? input.provider.model, usage, input.price) : null;
  return price === null ? null : batched ? price * BATCH_PRICE_FACTOR : price;
}

/**
 * The call's cost for the budget (budget/guard.ts): estimated from estimateTokens' parts at the
 * model's price (unknown price: Infinity, refused; `check`/the session refuse such a model before
 * the run), actual from the answer's usage as calls.jsonl records it.
 */
function costOfCall(input: CallInput, batched = false): AttemptCost {
  return {
    estimateUsd() {
      if (input.provider.kind === 'replay') return 0;
      const tokens = estimateTokenParts(input);
      const price = priceCall(input.provider.model, tokens, input.price);
      return price === null ? Number.POSITIVE_INFINITY : batched ? price * BATCH_PRICE_FACTOR : price;
    },
    actualUsd: (result) => answerCost(input, result.modelReported, believableUsage(result.usage), batched),
  };
}

/** What the provider is sent: the tool fields only when the prompt has them. */
function requestOf(input: CallInput): ProviderRequest {
  const request: ProviderRequest = { model: input.provider.model, messages: input.messages, params: input.params };
  if (input.tools && input.tools.length > 0) request.tools = input.tools;
  if (input.toolChoice !== undefined) request.toolChoice = input.toolChoice;
  if (input.responseSchema) request.responseSchema = input.responseSchema;
  return request;
}

/**
 * The record, written out field by field in calls.jsonl's order: an object spread of two dozen
 * keys was a measurable part of each call's cost.
 */
function withOutcome(base: CallBase, outcome: CallOutcome): CallRecord {
  const record: CallRecord = {
    runId: base.runId,
    purpose: base.purpose,
    suite: base.suite,
    caseId: base.caseId,
    repeat: base.repeat,
    side: base.side,
    promptId: base.promptId,
    promptVersion: base.promptVersion,
    promptHash: base.promptHash,
    model: base.model,
    provider: base.provider,
    modelRequested: base.modelRequested,
    params: base.params,
    vars: base.vars,
    messages: base.messages,
    requestKey: base.requestKey,
    startedAt: base.startedAt,
    modelReported: outcome.modelReported,
    output: outcome.output,
    finishReason: outcome.finishReason,
    usage: outcome.usage,
    latencyMs: outcome.latencyMs,
    costUsd: outcome.costUsd,
    cached: outcome.cached,
    attempts: outcome.attempts,
    error: outcome.error,
  };
  // The request's tool fields, logged with the call when it had them (calls.jsonl keeps the inputs).
  if (base.tools) record.tools = base.tools;
  if (base.toolChoice !== undefined) record.toolChoice = base.toolChoice;
  if (base.responseSchema) record.responseSchema = base.responseSchema;
  if (base.step !== undefined) record.step = base.step;
  return record;
}

/**
 * Rough token estimate for tpm limits: 4 characters a token (the messages' text and the tool calls
 * of earlier turns, which a multi-step case's later steps carry), plus the output budget.
 */
export function estimateTokens(input: Pick<CallInput, 'messages' | 'params'>): number {
  const { inputTokens, outputTokens } = estimateTokenParts(input);
  return inputTokens + outputTokens;
}

/** estimateTokens, in its two parts: input (characters / 4) and output (max_tokens, else 256). */
export function estimateTokenParts(input: Pick<CallInput, 'messages' | 'params'>): { inputTokens: number; outputTokens: number } {
  let chars = 0;
  for (const message of input.messages) {
    chars += message.content.length;
    for (const call of message.toolCalls ?? []) chars += call.name.length + call.rawArguments.length;
  }
  const maxOut = Number(input.params.max_tokens ?? input.params.maxOutputTokens ?? 256);
  return { inputTokens: Math.ceil(chars / 4), outputTokens: Number.isFinite(maxOut) ? maxOut : 256 };
}

/** Usage a server reported, or null (unknown) when its counts are not believable (see tokenUsageOf). */
export function believableUsage(usage: TokenUsage | undefined): TokenUsage | null {
  return (usage && tokenUsageOf(usage.inputTokens, usage.outputTokens)) ?? null;
}

const tablePrices = new Map<string, ModelPrice | undefined>();

/** Whether a call of this model id has a price: the config's override, or the price table's. */
export function hasPrice(modelId: string, override?: { input: number; output: number }): boolean {
  if (override) return true;
  if (!tablePrices.has(modelId)) tablePrices.set(modelId, lookupPrice(modelId));
  return tablePrices.get(modelId) !== undefined;
}

/** costOf, with the price table's answer for a model id looked up once per id (it scans the table). */
export function priceCall(modelId: string, usage: { inputTokens: number; outputTokens: number }, override?: { input: number; output: number }): number | null {
  if (!override && !tablePrices.has(modelId)) tablePrices.set(modelId, lookupPrice(modelId));
  const price = override ? undefined : tablePrices.get(modelId);
  const cost = override ? costOf(modelId, usage, override) : price ? costOf(modelId, usage, { input: price.inputPerMTok, output: price.outputPerMTok }) : null;
  // A cost no bill could show (an absurd price override) is unknown, never Infinity.
  return cost !== null && Number.isFinite(cost) ? cost : null;
}
