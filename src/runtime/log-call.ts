import { isRecord } from '../providers/shape.js';
import type { Message } from '../prompts/types.js';
import type { CallError, CallRecord, Usage } from '../run-record/types.js';
import { identityOf, type IdentityRef } from './identity.js';
import { buildCallRecord } from './record.js';
import { genericCallError, secretsOf } from './response.js';
import { createRecordWriter, logErrorReporter, type CallLogOptions, type RecordWriter } from './sink.js';

/** One call made with any client, as `logCall()` takes it. */
export interface LoggedCall {
  /**
   * Which prompt version made the request: the result of `prompt.render(vars)`, `.openai(vars)`
   * or `.anthropic(vars)` (exact, with the registry label and store it came from), or
   * `{ id, version, hash, label?, store? }`.
   */
  prompt?: object;
  /** Provider name for the record, e.g. `mistral`, `bedrock`. */
  provider: string;
  /** The model id requested. */
  model: string;
  /** The model the API reported. */
  modelReported?: string | null;
  /** The variables (default: those the `prompt` value was rendered with). */
  vars?: Record<string, unknown>;
  /** The messages sent (default: those `prompt` rendered); a `render()` result also names the prompt. */
  messages?: Message[];
  /** Request params besides model and messages. */
  params?: Record<string, unknown>;
  output?: string | null;
  finishReason?: string | null;
  usage?: Usage | null;
  /** Call duration; default: now minus `startedAt`, else 0. */
  latencyMs?: number;
  /** When the call started. @default now */
  startedAt?: Date | string | number;
  /** What the call threw (or `{ code, message }`); secrets in the environment's API keys are scrubbed. */
  error?: unknown;
}

const writers = new WeakMap<CallLogOptions, { write: RecordWriter; report: (error: unknown) => void }>();

/**
 * Logs one call made with a client `traced()` does not wrap, in the same record format. Returns
 * the record written, or undefined when it could not be built (reported through `onLogError`).
 * Never throws for a logging failure; throws USAGE when neither `sink` nor `file` is given.
 */
export function logCall(call: LoggedCall, options: CallLogOptions): CallRecord | undefined {
  let writer = writers.get(options);
  if (!writer) {
    const report = logErrorReporter(options);
    writer = { write: createRecordWriter(options, report), report };
    writers.set(options, writer);
  }
  try {
    const identity = identityOfCall(call);
    const startedAt = call.startedAt === undefined ? new Date() : new Date(call.startedAt);
    const latencyMs = call.latencyMs ?? (call.startedAt === undefined ? 0 : Math.max(0, Date.now() - startedAt.getTime()));
    const record = buildCallRecord({
      identity,
      vars: call.vars,
      provider: call.provider,
      modelRequested: call.model,
      modelReported: call.modelReported ?? null,
      params: call.params ?? {},
      messages: call.messages ?? (identity?.prompt && identity.vars ? renderedMessagesOf(call.prompt) : []),
      output: call.output ?? null,
      finishReason: call.finishReason ?? null,
      usage: call.usage ?? null,
      latencyMs,
      error: call.error === undefined || call.error === null ? null : callErrorOfValue(call.error),
      startedAt,
    }, options, writer.report);
    writer.write(record);
    return record;
  } catch (error) {
    writer.report(error);
    return undefined;
  }
}

function identityOfCall(call: LoggedCall): IdentityRef | undefined {
  const carried = identityOf(call.prompt) ?? identityOf(call.messages);
  if (carried) return call.vars ? { ...carried, vars: call.vars, prompt: carried.prompt } : carried;
  const given = call.prompt as Record<string, unknown> | undefined;
  if (isRecord(given) && typeof given.id === 'string' && typeof given.version === 'string' && typeof given.hash === 'string') {
    return {
      id: given.id, version: given.version, hash: given.hash, vars: call.vars,
      ...(typeof given.label === 'string' && { label: given.label }),
      ...(typeof given.store === 'string' && { store: given.store }),
    };
  }
  return undefined;
}

/** Messages of a render result, or of SDK params made by a prompt handle. */
function renderedMessagesOf(prompt: unknown): Message[] {
  if (Array.isArray(prompt)) return prompt as Message[];
  if (!isRecord(prompt) || !Array.isArray(prompt.messages)) return [];
  const out = prompt.messages as Message[];
  return typeof prompt.system === 'string' ? [{ role: 'system', content: prompt.system }, ...out] : out;
}

function callErrorOfValue(error: unknown): CallError {
  return genericCallError(error, secretsOf({}));
}
