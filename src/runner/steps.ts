import type { Message } from '../prompts/types.js';
import type { CallRecord, RepeatOutcome } from '../run-record/types.js';
import type { StepStopReason, ToolCall } from '../tools/types.js';
import { keyOfCall, makeCall, type CallContext, type CallInput, type CallServices } from './call.js';

/** The bound on calls of a multi-step case without `max_steps`. */
export const DEFAULT_MAX_STEPS = 5;

/**
 * What a repeat is graded on: its call's record, or a multi-step case's steps merged into one
 * (never logged: each step is a calls.jsonl line of its own) with how many steps were made and why
 * they stopped.
 */
export interface RepeatCall extends CallRecord {
  steps?: NonNullable<RepeatOutcome['steps']>;
}

/** A multi-step case's repeat: the first step's request, the case's canned results and bound. */
export interface StepsInput {
  context: CallContext;
  /** The first step's request (the rendered prompt); later steps add the turns of the ones before. */
  input: CallInput;
  /** keyOfCall(input, context.repeat), when the caller has it already. */
  requestKey?: string;
  /** Canned results by tool name (the case's `tool_results`). */
  toolResults: Record<string, unknown>;
  /** The most calls to make. @default DEFAULT_MAX_STEPS */
  maxSteps?: number;
}

/**
 * Single-step tool execution with canned results: calls the model; while it calls tools that all
 * have a canned result, appends its turn (`assistant` with its tool calls) and one `tool` message
 * per call, and calls again. Stops when it answers without a tool call (`answered`), calls a tool
 * the case has no result for (`no_tool_result`), or after `maxSteps` calls (`max_steps`). Each
 * step is one makeCall (cached, resumed and logged as any call, with `step` 0, 1, …): its
 * messages differ from every other step's, so its request key does too. An errored step ends the
 * repeat with that step's error and no `steps`. Undefined when the run was interrupted mid-steps
 * (no verdict: --resume makes the missing steps).
 */
export async function runSteps(steps: StepsInput, services: CallServices, signal: AbortSignal): Promise<RepeatCall | undefined> {
  const { context, toolResults } = steps;
  const bound = Math.max(1, steps.maxSteps ?? DEFAULT_MAX_STEPS);
  const records: CallRecord[] = [];
  let input = steps.input;
  let key = steps.requestKey ?? keyOfCall(input, context.repeat);
  for (;;) {
    const record = await makeCall({ ...context, step: records.length }, input, services, signal, key);
    if (!record) return undefined;
    records.push(record);
    if (record.error || record.output === null) return mergeSteps(records);
    const calls = record.toolCalls ?? [];
    const stopReason: StepStopReason | undefined =
      calls.length === 0 ? 'answered'
      : calls.some((call) => !Object.hasOwn(toolResults, call.name)) ? 'no_tool_result'
      : records.length >= bound ? 'max_steps'
      : undefined;
    if (stopReason) return mergeSteps(records, { count: records.length, stopReason });
    input = { ...input, messages: [...input.messages, ...turnsOf(record.output, calls, toolResults)], ...afterFirstStep(input.toolChoice) };
    key = keyOfCall(input, context.repeat);
  }
}

/**
 * The tool choice of the steps after the first: a choice that forces a call (`required`, a named
 * tool) becomes `auto`, or no step could ever be an answer and every such case would run to its
 * bound (the OpenAI Agents SDK resets tool choice after a tool call for the same reason).
 */
function afterFirstStep(choice: CallInput['toolChoice']): Pick<CallInput, 'toolChoice'> {
  return choice === 'required' || (typeof choice === 'object' && choice !== null) ? { toolChoice: 'auto' } : {};
}

/** The model's turn (its text and tool calls) and one `tool` message with the canned result of each call, in order. */
export function turnsOf(output: string, calls: ToolCall[], toolResults: Record<string, unknown>): Message[] {
  const turns: Message[] = [{ role: 'assistant', content: output, toolCalls: calls }];
  for (const call of calls) turns.push({ role: 'tool', toolCallId: call.id, name: call.name, content: resultText(toolResults[call.name]) });
  return turns;
}

/** A canned result as a tool message's content: a string as is, anything else as JSON. */
export function resultText(result: unknown): string {
  return typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null');
}

/**
 * The steps as one record to grade: the last step's answer (output, refusal, finish reason, model
 * version, logprobs, the whole conversation in `messages`), every step's tool calls in order, and
 * latency, cost, usage and attempts summed (cost or usage unknown when a step's is). Cached only
 * when every step was.
 */
export function mergeSteps(records: CallRecord[], steps?: RepeatCall['steps']): RepeatCall {
  const last = records[records.length - 1];
  const merged: RepeatCall = { ...last };
  delete merged.toolCalls;
  delete merged.originalLatencyMs;
  const toolCalls = records.flatMap((record) => record.toolCalls ?? []);
  if (toolCalls.length > 0) merged.toolCalls = toolCalls;
  merged.latencyMs = Math.round(records.reduce((sum, record) => sum + record.latencyMs, 0) * 10) / 10;
  merged.costUsd = records.every((record) => record.costUsd !== null) ? records.reduce((sum, record) => sum + record.costUsd!, 0) : null;
  merged.usage = records.every((record) => record.usage !== null)
    ? { inputTokens: records.reduce((sum, record) => sum + record.usage!.inputTokens, 0), outputTokens: records.reduce((sum, record) => sum + record.usage!.outputTokens, 0) }
    : null;
  merged.attempts = records.reduce((sum, record) => sum + record.attempts, 0);
  merged.cached = records.every((record) => record.cached);
  // What `latency` grades a wholly cached repeat by: the steps' latencies when their calls were made.
  if (merged.cached) {
    const original = records.map((record) => record.originalLatencyMs);
    if (original.every((ms) => ms !== undefined)) merged.originalLatencyMs = Math.round(original.reduce((sum, ms) => sum + ms, 0) * 10) / 10;
  }
  if (steps) merged.steps = steps;
  return merged;
}
