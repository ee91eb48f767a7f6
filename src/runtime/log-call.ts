import { isRecord } from '../providers/shape.js';
import type { Message } from '../prompts/types.js';
import type { CallError, CallRecord, Usage } from '../run-record/types.js';
import { parseToolArguments } from '../tools/arguments.js';
import { requestExtrasOf } from '../tools/request.js';
import type { ResponseSchema, ToolCall, ToolChoice, ToolDefinition } from '../tools/types.js';
import { withSystemFirst } from './conversation.js';
import { renderRuntime } from './handle.js';
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
  /** Request params besides model, messages and the tool fields below. */
  params?: Record<string, unknown>;
  /**
   * The tools, tool choice and structured output sent (provider-neutral, as in a `.prompt` file's
   * front matter). Default: what the prompt declares, when `prompt` is a render or params result.
   */
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  responseSchema?: ResponseSchema;
  /** The answer's text ('' when the model only called tools, or refused). */
  output?: string | null;
  /**
   * The tool calls in the answer: `{ id, name, rawArguments }` (the arguments as the model sent
   * them) or `{ id, name, arguments }` (an object, logged as its JSON). The arguments are parsed
   * into `arguments`, or `argumentsError` says why they could not be.
   */
  toolCalls?: Array<{ id?: string; name: string; rawArguments?: string; arguments?: unknown }>;
  /** The model refused: what it said. */
  refusal?: string;
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
    const extras = identity?.prompt ? requestExtrasOf(identity.prompt) : {};
    const startedAt = call.startedAt === undefined ? new Date() : new Date(call.startedAt);
    const latencyMs = call.latencyMs ?? (call.startedAt === undefined ? 0 : Math.max(0, Date.now() - startedAt.getTime()));
    const record = buildCallRecord({
      identity,
      vars: call.vars,
      provider: call.provider,
      modelRequested: call.model,
      modelReported: call.modelReported ?? null,
      params: call.params ?? {},
      messages: (call.messages ?? (identity?.prompt && identity.vars ? renderedMessagesOf(call.prompt) : [])).map(neutralMessage),
      template: templateOf(call),
      tools: call.tools ?? extras.tools,
      toolChoice: call.toolChoice ?? extras.toolChoice,
      responseSchema: call.responseSchema ?? extras.responseSchema,
      output: call.output ?? null,
      ...(call.toolCalls !== undefined && { toolCalls: toolCallsOf(call.toolCalls) }),
      ...(call.refusal !== undefined && { refusal: String(call.refusal) }),
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

/**
 * The prompt's own messages for the call's variables, in the form its messages are logged in (to
 * tell the app's conversation turns apart); undefined when the prompt is not known.
 */
function templateOf(call: LoggedCall): readonly Message[] | undefined {
  const carried = identityOf(call.prompt) ?? identityOf(call.messages);
  if (!carried) return undefined;
  let template = carried.messages;
  if (call.vars) {
    try {
      template = renderRuntime(carried.prompt, call.vars);
    } catch {
      return undefined;
    }
  }
  if (!template) return undefined;
  // Messages taken from `.anthropic(vars)` params have the system messages joined first.
  const fromAnthropicParams = call.messages === undefined && isRecord(call.prompt) && typeof call.prompt.system === 'string';
  return fromAnthropicParams ? withSystemFirst([...template]) : template;
}

/** A logged message: tool calls in the record's form (see toolCallsOf). */
function neutralMessage(message: Message): Message {
  if (!isRecord(message) || !Array.isArray(message.toolCalls)) return message;
  return { ...message, toolCalls: toolCallsOf(message.toolCalls) };
}

/** Tool calls as a record holds them: raw arguments (an object given is stringified), parsed. */
function toolCallsOf(calls: LoggedCall['toolCalls']): ToolCall[] {
  if (!Array.isArray(calls)) throw new TypeError('logCall: toolCalls must be an array of { id, name, rawArguments | arguments }');
  return calls.map((call, index) => {
    if (!isRecord(call) || typeof call.name !== 'string' || call.name === '') {
      throw new TypeError(`logCall: toolCalls[${index}] needs a name`);
    }
    const raw = typeof call.rawArguments === 'string' ? call.rawArguments : JSON.stringify(call.arguments ?? {});
    return { id: typeof call.id === 'string' ? call.id : '', name: call.name, rawArguments: raw, ...parseToolArguments(raw) };
  });
}

function callErrorOfValue(error: unknown): CallError {
  return genericCallError(error, secretsOf({}));
}
