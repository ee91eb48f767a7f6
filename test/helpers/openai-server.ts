/**
 * A local OpenAI-compatible server for tests: POST /v1/chat/completions (and /chat/completions),
 * /v1/embeddings and /v1/moderations (answers from `respondEmbeddings` / `respondModerations`).
 * A chat request with `logprobs: true` gets `choices[0].logprobs.content` (the reply's `logprobs`).
 * Replies may carry tool calls and structured output (ContentReply in mock-replies.ts). Like the
 * real API, it rejects (400) a `tool_choice` without `tools`, a named choice that is not a declared
 * function, a `tool` message that answers no preceding `tool_calls` id (or a call left unanswered),
 * and a strict `response_format` whose schema breaks strict mode.
 *
 * ```ts
 * const server = await startOpenAIServer({ respond: (req) => ({ content: `hi ${req.index}` }) });
 * const client = new OpenAI({ apiKey: 'x', baseURL: server.url, maxRetries: 0 });
 * // ... server.requests, server.maxInFlight, server.inFlight
 * await server.close();
 * ```
 * Faults: `respond` returns `{ fault: 'status' | 'reset' | 'malformed' | 'empty-choices' | 'hang' |
 * 'refusal' }` (see `FaultReply` in mock-server.ts), or use `createFaultPlan` (fault-plan.ts).
 * The reported model defaults to `<requested model>-2024-01-01`.
 *
 * The Batch API (files, batches, polling, output and error files) is served too: see openai-batch.ts
 * (`options.batch`, and `server.batch` for counters and the submitted custom ids).
 */
import {
  estimateUsage, startMockServer, type ContentReply, type Dialect, type EmbeddingReply, type EndpointDialect, type IncomingChat,
  type IncomingInput, type MockServer, type MockServerOptions, type ModerationReply,
} from './mock-server.js';
import { openAIBatchRoutes, type BatchServerOptions, type BatchServerState } from './openai-batch.js';

export type { BatchEndpoint, BatchEndpointRequest, BatchServerOptions, BatchServerState, MockBatchLine, MockBatchView } from './openai-batch.js';
export type {
  ContentReply, EmbeddingReply, FaultReply, IncomingChat, IncomingInput, MockServer, MockServerOptions, MockToolCall, ModerationReply, RecordedRequest,
  Reply, Respond, RespondEmbeddings, RespondModerations,
} from './mock-server.js';
export { bagOfWordsEmbedding } from './mock-server.js';

/** OpenAI's moderation categories (omni-moderation), all sent with every result. */
export const MODERATION_CATEGORIES = [
  'harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent', 'self-harm',
  'self-harm/intent', 'self-harm/instructions', 'sexual', 'sexual/minors', 'violence', 'violence/graphic',
] as const;

export interface OpenAIServerOptions extends MockServerOptions {
  /** How the Batch API endpoints behave (openai-batch.ts); `server.batch.configure` changes it later. */
  batch?: BatchServerOptions;
}

export interface OpenAIServer extends MockServer {
  /** The Batch API's counters and batches (openai-batch.ts). */
  readonly batch: BatchServerState;
}

/** Starts the server on 127.0.0.1 with a random port; `url` ends in `/v1`, as the SDK expects. */
export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const batch = openAIBatchRoutes(openAIDialect, options.batch);
  const server = await startMockServer({ ...openAIDialect, routes: batch.routes }, options);
  const resetCore = server.reset;
  return Object.assign(server, {
    batch: batch.state,
    reset() {
      resetCore();
      batch.reset();
    },
  });
}

/** The model the OpenAI mock reports for a requested one when the reply names none. */
export function openAIReportedModel(requested: string): string {
  return `${requested}-2024-01-01`;
}

const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

const openAIDialect: Dialect = {
  paths: ['/v1/chat/completions', '/chat/completions'],
  urlSuffix: '/v1',
  validate(body) {
    if (typeof body.model !== 'string' || body.model === '') return 'you must provide a model parameter';
    if (!Array.isArray(body.messages) || body.messages.length === 0) return "'messages' must be a non-empty array";
    if (body.stream === true) return 'mock server: streaming is not supported';
    return toolProblem(body) ?? conversationProblem(body.messages as unknown[]) ?? responseFormatProblem(body.response_format);
  },
  success(request: IncomingChat, reply: ContentReply) {
    if (reply.structured !== undefined && !isRecord(request.body.response_format)) {
      throw new Error('mock server: a structured reply to a request without response_format');
    }
    const text = reply.structured !== undefined ? JSON.stringify(reply.structured) : (reply.content ?? '');
    const toolCalls = reply.toolCalls?.map((call, i) => ({
      id: call.id ?? `call_mock_${request.index}_${i}`,
      type: 'function',
      function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}) },
    }));
    const message: Record<string, unknown> = { role: 'assistant', content: toolCalls && text === '' ? null : text, refusal: null };
    if (toolCalls) message.tool_calls = toolCalls;
    const usage = estimateUsage(request, { ...reply, content: text });
    return {
      ...envelope(request, reply.model),
      choices: [
        {
          index: 0,
          message,
          logprobs: request.body.logprobs === true ? logprobsOf({ ...reply, content: text }) : null,
          finish_reason: reply.finishReason ?? (toolCalls ? 'tool_calls' : 'stop'),
        },
      ],
      usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens },
    };
  },
  refusal(request, message) {
    return {
      ...envelope(request),
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: message }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
  },
  emptyChoices(request) {
    return { ...envelope(request), choices: [], usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 } };
  },
  errorBody(status, message) {
    const kind = ERROR_TYPES[status] ?? { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null };
    return { error: { message, type: kind.type, param: null, code: kind.code } };
  },
  endpoints: {
    '/v1/embeddings': embeddingsEndpoint(),
    '/embeddings': embeddingsEndpoint(),
    '/v1/moderations': moderationsEndpoint(),
    '/moderations': moderationsEndpoint(),
  },
};

/** `choices[0].logprobs`: the reply's, else -0.1 for each whitespace-separated word. */
function logprobsOf(reply: ContentReply) {
  const values = reply.logprobs ?? (reply.content ?? '').split(/\s+/).filter(Boolean).map(() => -0.1);
  return { content: values.map((logprob, i) => ({ token: `t${i}`, logprob, bytes: null, top_logprobs: [] })), refusal: null };
}

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** What the real API rejects (400) in `tools` / `tool_choice`. */
function toolProblem(body: Record<string, unknown>): string | undefined {
  const tools = body.tools;
  if (tools === undefined) {
    return body.tool_choice === undefined ? undefined : "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.";
  }
  if (!Array.isArray(tools) || tools.length === 0) return "Invalid 'tools': expected a non-empty array.";
  const names: string[] = [];
  for (const [i, tool] of tools.entries()) {
    const fn = isRecord(tool) ? tool.function : undefined;
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(fn)) return `Missing required parameter: 'tools[${i}].function'.`;
    if (typeof fn.name !== 'string' || !NAME.test(fn.name)) return `Invalid 'tools[${i}].function.name': string does not match pattern.`;
    if (fn.parameters !== undefined && !isRecord(fn.parameters)) return `Invalid 'tools[${i}].function.parameters': expected an object.`;
    names.push(fn.name);
  }
  const choice = body.tool_choice;
  if (choice === undefined || choice === 'auto' || choice === 'none' || choice === 'required') return undefined;
  const named = isRecord(choice) && choice.type === 'function' && isRecord(choice.function) ? choice.function.name : undefined;
  if (typeof named !== 'string') return "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or {type: 'function', function: {name}}.";
  if (!names.includes(named)) return `Invalid value for 'tool_choice': no function named '${named}' was specified in the 'tools' parameter.`;
  return undefined;
}

/** A `tool` message must answer a preceding assistant `tool_calls` id; every such id must be answered before the next turn. */
function conversationProblem(messages: unknown[]): string | undefined {
  let open: string[] = [];
  for (const [i, message] of messages.entries()) {
    if (!isRecord(message)) return `Invalid type for 'messages[${i}]': expected an object.`;
    if (message.role === 'tool') {
      if (typeof message.tool_call_id !== 'string' || !open.includes(message.tool_call_id)) {
        return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
      }
      open = open.filter((id) => id !== message.tool_call_id);
      continue;
    }
    if (open.length > 0) {
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`;
    }
    if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
      for (const [j, call] of message.tool_calls.entries()) {
        const fn = isRecord(call) ? call.function : undefined;
        if (!isRecord(call) || typeof call.id !== 'string' || call.type !== 'function' || !isRecord(fn) || typeof fn.name !== 'string' || typeof fn.arguments !== 'string') {
          return `Invalid 'messages[${i}].tool_calls[${j}]': expected {id, type: 'function', function: {name, arguments: string}}.`;
        }
        open.push(call.id);
      }
    }
  }
  return undefined;
}

/** `response_format` as the real API checks it, strict mode included (every object closed, every property required). */
function responseFormatProblem(format: unknown): string | undefined {
  if (format === undefined) return undefined;
  if (!isRecord(format)) return "Invalid type for 'response_format': expected an object.";
  if (format.type !== 'json_schema') return format.type === 'text' || format.type === 'json_object' ? undefined : "Invalid value for 'response_format.type'.";
  const spec = format.json_schema;
  if (!isRecord(spec) || typeof spec.name !== 'string' || !NAME.test(spec.name)) return "Invalid 'response_format.json_schema.name': string does not match pattern.";
  if (!isRecord(spec.schema)) return "Missing required parameter: 'response_format.json_schema.schema'.";
  if (spec.strict !== true) return undefined;
  const gap = strictGap(spec.schema, '');
  return gap && `Invalid schema for response_format '${spec.name}': In context=(${gap.at}), ${gap.why}.`;
}

/** The first place a schema breaks OpenAI's strict mode, walked independently of promptgate's own check. */
function strictGap(schema: unknown, at: string): { at: string; why: string } | undefined {
  if (!isRecord(schema)) return undefined;
  const properties = isRecord(schema.properties) ? schema.properties : undefined;
  if (schema.type === 'object' || properties) {
    if (schema.additionalProperties !== false) return { at, why: "'additionalProperties' is required to be supplied and to be false" };
    const required = Array.isArray(schema.required) ? schema.required : [];
    const missing = Object.keys(properties ?? {}).find((key) => !required.includes(key));
    if (missing !== undefined) return { at, why: `'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'` };
  }
  const children: Array<[string, unknown]> = [
    ...Object.entries(properties ?? {}).map(([key, child]): [string, unknown] => [`${at}'properties', '${key}', `, child]),
    [`${at}'items', `, schema.items],
    ...(['anyOf', 'allOf', 'oneOf'] as const).flatMap((list) => (Array.isArray(schema[list]) ? (schema[list] as unknown[]).map((child, i): [string, unknown] => [`${at}'${list}', '${i}', `, child]) : [])),
    ...(['$defs', 'definitions'] as const).flatMap((defs) => (isRecord(schema[defs]) ? Object.entries(schema[defs] as Record<string, unknown>).map(([key, child]): [string, unknown] => [`${at}'${defs}', '${key}', `, child]) : [])),
  ];
  for (const [where, child] of children) {
    const gap = strictGap(child, where);
    if (gap) return gap;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function embeddingsEndpoint(): EndpointDialect {
  return {
    kind: 'embeddings',
    validate(body) {
      if (typeof body.model !== 'string' || body.model === '') return 'you must provide a model parameter';
      if (typeof body.input !== 'string' || body.input === '') return "'input' must be a non-empty string (the mock takes one text)";
      return undefined;
    },
    success(request: IncomingInput, reply) {
      const answer = reply as EmbeddingReply;
      const tokens = answer.usage?.inputTokens ?? Math.max(1, Math.ceil(request.input.length / 4));
      return {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: answer.embedding }],
        model: answer.model ?? openAIReportedModel(request.model),
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    },
  };
}

function moderationsEndpoint(): EndpointDialect {
  return {
    kind: 'moderations',
    validate(body) {
      if (typeof body.input !== 'string') return "'input' must be a string (the mock takes one text)";
      return undefined;
    },
    success(request: IncomingInput, reply) {
      const answer = reply as ModerationReply;
      const categories: Record<string, boolean> = Object.fromEntries(MODERATION_CATEGORIES.map((name) => [name, false]));
      Object.assign(categories, answer.categories ?? {});
      const scores = Object.fromEntries(Object.entries(categories).map(([name, on]) => [name, answer.scores?.[name] ?? (on ? 0.9 : 0.01)]));
      return {
        id: `modr-mock-${request.index}`,
        model: answer.model ?? openAIReportedModel(request.model || 'omni-moderation-latest'),
        results: [{ flagged: answer.flagged, categories, category_scores: scores, category_applied_input_types: {} }],
      };
    },
  };
}

function envelope(request: IncomingChat, model?: string) {
  return {
    id: `chatcmpl-mock-${request.index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: model ?? openAIReportedModel(request.model),
    system_fingerprint: 'fp_mock',
  };
}
