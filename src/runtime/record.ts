import { randomBytes } from 'node:crypto';
import { bareRoute, requestKeyOf } from '../cache/request-key.js';
import { caseIdOf } from '../cases/case-build.js';
import type { Message, PromptFile } from '../prompts/types.js';
import { costOf } from '../providers/prices.js';
import type { CallError, CallRecord, Usage } from '../run-record/types.js';
import type { ResponseSchema, ToolCall, ToolChoice, ToolDefinition } from '../tools/types.js';
import { conversationSpanOf } from './conversation.js';
import { renderRuntime } from './handle.js';
import type { IdentityRef } from './identity.js';
import type { CallLogOptions } from './sink.js';

/** What one call did, before redaction: everything a record needs. */
export interface CallFacts {
  /** The prompt version that made the request, when known. */
  identity?: IdentityRef;
  /** Variables when there is no identity (logCall with explicit vars). */
  vars?: Record<string, unknown>;
  provider: string;
  modelRequested: string;
  modelReported: string | null;
  /** Request params besides model and messages (temperature, max_tokens, ...). */
  params: Record<string, unknown>;
  /** The messages as sent. */
  messages: Message[];
  /**
   * The prompt's own messages for these variables, in the form `messages` are in (Anthropic: the
   * system first): what tells the app's conversation turns apart from the prompt's. Absent: unknown.
   */
  template?: readonly Message[];
  /** The tools, tool choice and structured output asked for, in neutral form. */
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  responseSchema?: ResponseSchema;
  output: string | null;
  toolCalls?: ToolCall[];
  refusal?: string;
  finishReason: string | null;
  usage: Usage | null;
  latencyMs: number;
  error: CallError | null;
  startedAt: Date;
}

/** One id per process: every record of this process carries it unless `runId` is given. */
const PROCESS_RUN_ID = `prod-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-${randomBytes(3).toString('hex')}`;

/**
 * A calls.jsonl record (the runner's format) for a production call: purpose `production`, suite =
 * prompt id, caseId = the hash of the logged variables (as a case file's default id), repeat 0,
 * side `candidate`. Variables go through `redact`; with redaction the messages are re-rendered
 * from the redacted variables, so no raw value reaches the log. The result is plain JSON data.
 */
export function buildCallRecord(facts: CallFacts, options: Pick<CallLogOptions, 'redact' | 'runId'>, onRedactError: (error: unknown) => void): CallRecord {
  const identity = facts.identity;
  const rawVars = identity?.vars ?? facts.vars ?? {};
  let vars: Record<string, unknown> = rawVars;
  let messages = facts.messages;
  let conversation = facts.template ? conversationSpanOf(facts.messages, [...facts.template]) : undefined;
  if (options.redact) {
    try {
      const redacted: unknown = options.redact(rawVars, { id: identity?.id ?? '', version: identity?.version ?? '' });
      if (typeof redacted !== 'object' || redacted === null || Array.isArray(redacted)) throw new TypeError('redact must return an object of variables');
      vars = redacted as Record<string, unknown>;
      messages = identity?.prompt ? rerender(identity.prompt, vars) : [];
      // The app's own turns are not logged (they may hold what redact removes): say they are unknown.
      if (conversation !== undefined) conversation = null;
    } catch (error) {
      onRedactError(error);
      vars = {};
      messages = [];
      conversation = undefined;
    }
  }
  const safeVars = toJsonData(vars) as Record<string, unknown>;
  const params = toJsonData(facts.params) as Record<string, unknown>;
  const record: CallRecord = {
    runId: options.runId ?? PROCESS_RUN_ID,
    purpose: 'production',
    suite: identity?.id ?? '',
    caseId: caseIdOf(safeVars),
    repeat: 0,
    side: 'candidate',
    promptId: identity?.id ?? '',
    promptVersion: identity?.version ?? '',
    promptHash: identity?.hash ?? '',
    ...(typeof identity?.label === 'string' && { promptLabel: identity.label }),
    ...(typeof identity?.store === 'string' && { promptStore: identity.store }),
    model: facts.modelRequested,
    provider: facts.provider,
    modelRequested: facts.modelRequested,
    modelReported: facts.modelReported,
    params,
    vars: safeVars,
    messages,
    output: facts.output,
    ...(facts.toolCalls && facts.toolCalls.length > 0 && { toolCalls: toJsonData(facts.toolCalls) as ToolCall[] }),
    ...(facts.refusal !== undefined && { refusal: facts.refusal }),
    ...(facts.tools && facts.tools.length > 0 && { tools: toJsonData(facts.tools) as ToolDefinition[] }),
    ...(facts.toolChoice !== undefined && { toolChoice: toJsonData(facts.toolChoice) as ToolChoice }),
    ...(facts.responseSchema && { responseSchema: toJsonData(facts.responseSchema) as ResponseSchema }),
    ...(conversation !== undefined && { conversation }),
    finishReason: facts.finishReason,
    usage: facts.usage,
    latencyMs: Math.round(facts.latencyMs * 10) / 10,
    costUsd: costOf(facts.modelReported ?? facts.modelRequested, facts.usage ?? undefined),
    cached: false,
    attempts: 1,
    error: facts.error,
    requestKey: requestKeyOf(bareRoute(facts.provider), {
      model: facts.modelRequested, params, messages, tools: facts.tools, toolChoice: facts.toolChoice, responseSchema: facts.responseSchema, repeat: 0,
    }),
    startedAt: facts.startedAt.toISOString(),
  };
  return record;
}

function rerender(prompt: PromptFile, vars: Record<string, unknown>): Message[] {
  try {
    return renderRuntime(prompt, vars);
  } catch {
    return []; // redact removed a variable the template needs: log no messages rather than raw ones
  }
}

/** A JSON round trip (bigints as strings): the record holds data, not the caller's live objects. */
function toJsonData(value: unknown): unknown {
  if (value === undefined) return {};
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '{}');
}
