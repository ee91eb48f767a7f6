/**
 * A local Anthropic Messages API server for tests: POST /v1/messages.
 *
 * ```ts
 * const server = await startAnthropicServer({ respond: () => ({ content: 'hi' }) });
 * const client = new Anthropic({ apiKey: 'x', baseURL: server.url, maxRetries: 0 });
 * ```
 * `url` is the bare origin: the SDK appends `/v1/messages` itself. Like the real API, a request
 * without `max_tokens` is a 400. Error bodies have Anthropic's shape
 * `{type: 'error', error: {type, message}}`. `finishReason` in a reply is given OpenAI-style and
 * mapped (`stop` → `end_turn`, `length` → `max_tokens`; others pass through, e.g. `refusal`).
 * The reported model defaults to `<requested model>-20240101`. Replies may carry tool calls and
 * structured output (ContentReply in mock-replies.ts). Like the real API, it rejects (400) a tool
 * whose `input_schema` is not an object schema, a `tool_choice` without tools or naming no declared
 * tool, a `tool_result` answering no `tool_use` of the turn before, and a `tool_use` left unanswered.
 *
 * It also serves the Message Batches API (POST /v1/messages/batches, GET /v1/messages/batches/:id,
 * GET /v1/messages/batches/:id/results, POST /v1/messages/batches/:id/cancel): each request of a
 * batch is answered as POST /v1/messages would answer it (same `respond`, same 400s), unless the
 * test's `batch.line` scripts it (errored, expired, canceled, a raw line); see "Message Batches" in
 * README.md.
 */
import type http from 'node:http';
import {
  estimateUsage, startMockServer, type ContentReply, type Dialect, type FaultReply, type IncomingChat, type MockServer,
  type MockServerOptions, type Reply, type Route, type RouteRequest,
} from './mock-server.js';

export type { ContentReply, FaultReply, IncomingChat, MockServer, MockServerOptions, MockToolCall, RecordedRequest, Reply, Respond } from './mock-server.js';

export interface AnthropicServerOptions extends MockServerOptions {
  /** How the Message Batches endpoints behave. @default each batch ends on its 3rd poll, no scripted lines or faults */
  batch?: BatchScript;
}

export interface BatchScript {
  /** Polls (GET /v1/messages/batches/:id) a batch answers `in_progress` before it has `ended`. @default 2 */
  pollsToEnd?: number;
  /** One request of a batch: a scripted result, or undefined to answer it as POST /v1/messages would. */
  line?: (line: BatchLineInfo) => BatchLineScript | undefined;
  /** A fault instead of an endpoint's answer (a 500 or 529 on a poll, a reset on the results). */
  fault?: (request: BatchRequestInfo) => FaultReply | undefined;
}

export interface BatchLineInfo {
  batchId: string;
  customId: string;
  /** The request's `params`. */
  params: Record<string, unknown>;
  /** 0-based position in the batch. */
  index: number;
}

/**
 * A scripted result line: `errored` with an Anthropic error type (`invalid_request_error`,
 * `api_error`, `overloaded_error`, ...); `expired`; `canceled`; or `raw`, the line's text as sent
 * (e.g. not JSON).
 */
export type BatchLineScript =
  | { type: 'errored'; errorType: string; message?: string }
  | { type: 'expired' }
  | { type: 'canceled' }
  | { raw: string };

export type BatchEndpoint = 'create' | 'retrieve' | 'results' | 'cancel';

export interface BatchRequestInfo {
  endpoint: BatchEndpoint;
  /** Undefined for `create`. */
  batchId?: string;
  /** 0-based: the n-th request to this endpoint for this batch (for `create`: since start or `reset()`). */
  index: number;
}

export interface SubmittedBatch {
  id: string;
  /** The custom ids, in the order sent. */
  customIds: string[];
  /** Each request's `params`, in the order sent. */
  params: Array<Record<string, unknown>>;
  /** The create request's body size (its content-length). */
  bytes: number;
}

export interface AnthropicServer extends MockServer {
  /** Requests per Message Batches endpoint since start or `reset()` (a scripted fault counts). `results()` of the SDK also retrieves first. */
  readonly batchCounts: Record<BatchEndpoint, number>;
  /** The batches created, in order. */
  readonly batches: readonly SubmittedBatch[];
  /** Every custom id submitted, in order, over all batches: a test asserts nothing was sent twice. */
  submittedCustomIds(): string[];
  /** Replaces the `batch` option. */
  setBatchScript(script: BatchScript): void;
}

/** Starts the server on 127.0.0.1 with a random port. */
export async function startAnthropicServer(options: AnthropicServerOptions = {}): Promise<AnthropicServer> {
  const batches = createBatchRoutes(options.batch ?? {});
  const server = await startMockServer({ ...anthropicDialect, routes: batches.routes }, options);
  const reset = server.reset.bind(server);
  return Object.defineProperties(server, {
    batchCounts: { get: () => batches.counts },
    batches: { get: () => batches.submitted },
    submittedCustomIds: { value: () => batches.submitted.flatMap((batch) => batch.customIds) },
    setBatchScript: { value: (script: BatchScript) => batches.setScript(script) },
    reset: {
      value: () => {
        reset();
        batches.reset();
      },
    },
  }) as AnthropicServer;
}

/** The model the Anthropic mock reports for a requested one when the reply names none. */
export function anthropicReportedModel(requested: string): string {
  return `${requested}-20240101`;
}

const STOP_REASONS: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' };

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const anthropicDialect: Dialect = {
  paths: ['/v1/messages'],
  urlSuffix: '',
  validate(body) {
    if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
    if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
    if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
    if ((body.messages as Array<{ role?: unknown }>).some((m) => m.role === 'system')) {
      return 'messages: Unexpected role "system". Use the top-level `system` parameter';
    }
    if (body.stream === true) return 'mock server: streaming is not supported';
    return toolProblem(body) ?? conversationProblem(body.messages as unknown[]);
  },
  success(request: IncomingChat, reply: ContentReply) {
    const usage = estimateUsage(request, reply);
    const blocks: Block[] = [];
    if (reply.content || (!reply.toolCalls && reply.structured === undefined)) blocks.push({ type: 'text', text: reply.content ?? '' });
    for (const [i, call] of (reply.toolCalls ?? []).entries()) {
      blocks.push({ type: 'tool_use', id: call.id ?? `toolu_mock_${request.index}_${i}`, name: call.name, input: inputOf(call.arguments) });
    }
    if (reply.structured !== undefined) {
      const name = forcedToolOf(request.body);
      if (name === undefined) throw new Error('mock server: a structured reply to a request without tools');
      blocks.push({ type: 'tool_use', id: `toolu_mock_${request.index}_out`, name, input: reply.structured });
    }
    const finish = reply.finishReason ?? (blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'stop');
    return message(request, blocks, STOP_REASONS[finish] ?? finish, usage, reply.model);
  },
  refusal(request, text) {
    return message(request, [{ type: 'text', text }], 'refusal', { inputTokens: 1, outputTokens: 1 });
  },
  emptyChoices(request) {
    return message(request, [], 'end_turn', { inputTokens: 1, outputTokens: 0 });
  },
  errorBody(status, text) {
    return { type: 'error', error: { type: ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message: text } };
  },
};

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

/** A scripted call's arguments as a `tool_use` input: an object; a string is parsed (kept as the string when it is not JSON). */
function inputOf(args: unknown): unknown {
  if (args === undefined) return {};
  if (typeof args !== 'string') return args;
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

/** The tool a structured reply calls: the one `tool_choice` forces, else the request's last tool. */
function forcedToolOf(body: Record<string, unknown>): string | undefined {
  const choice = body.tool_choice;
  if (isRecord(choice) && choice.type === 'tool' && typeof choice.name === 'string') return choice.name;
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const last: unknown = tools[tools.length - 1];
  return isRecord(last) && typeof last.name === 'string' ? last.name : undefined;
}

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const CHOICE_TYPES = ['auto', 'any', 'none', 'tool'];

/** What the real API rejects (400) in `tools` / `tool_choice`. */
function toolProblem(body: Record<string, unknown>): string | undefined {
  const tools = body.tools;
  if (tools === undefined) return body.tool_choice === undefined ? undefined : 'tool_choice: may only be specified while providing tools';
  if (!Array.isArray(tools)) return 'tools: Input should be a valid list';
  const names: string[] = [];
  for (const [i, tool] of tools.entries()) {
    if (!isRecord(tool) || typeof tool.name !== 'string' || !NAME.test(tool.name)) return `tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
    if (!isRecord(tool.input_schema) || tool.input_schema.type !== 'object') return `tools.${i}.input_schema.type: Input should be 'object'`;
    if (names.includes(tool.name)) return `tools: Tool names must be unique.`;
    names.push(tool.name);
  }
  const choice = body.tool_choice;
  if (choice === undefined) return undefined;
  if (!isRecord(choice) || !CHOICE_TYPES.includes(String(choice.type))) return `tool_choice: Input tag '${isRecord(choice) ? String(choice.type) : ''}' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'`;
  if (choice.type === 'tool' && !names.includes(String(choice.name))) return `tool_choice: Tool '${String(choice.name)}' not found in provided tools`;
  return undefined;
}

/**
 * Each `tool_use` of an assistant turn must be answered by a `tool_result` in the user message right
 * after it, and a `tool_result` must answer a `tool_use` of the assistant message right before.
 */
function conversationProblem(messages: unknown[]): string | undefined {
  let open: string[] = [];
  for (const [i, message] of messages.entries()) {
    if (!isRecord(message)) return `messages.${i}: Input should be a valid dictionary`;
    const blocks = Array.isArray(message.content) ? message.content.filter(isRecord) : [];
    if (message.role === 'assistant') {
      const uses = blocks.filter((b) => b.type === 'tool_use');
      if (uses.some((b) => typeof b.id !== 'string' || typeof b.name !== 'string' || !isRecord(b.input))) return `messages.${i}: a tool_use block needs an id, a name and an input object`;
      open = uses.map((b) => String(b.id));
      continue;
    }
    const answered = blocks.filter((b) => b.type === 'tool_result').map((b) => String(b.tool_use_id));
    const stray = answered.find((id) => !open.includes(id));
    if (stray !== undefined) return `messages.${i}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    const unanswered = open.filter((id) => !answered.includes(id));
    if (unanswered.length > 0) return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}`;
    open = [];
  }
  return undefined;
}

/** A batch as the server keeps it: its result lines are made when it is created. */
interface MockBatch {
  id: string;
  createdAt: string;
  lines: Array<{ customId: string; type: 'succeeded' | 'errored' | 'canceled' | 'expired'; text: string }>;
  polls: number;
  status: 'in_progress' | 'canceling' | 'ended';
  cancelInitiatedAt: string | null;
  /** A poll has answered `canceling` (the next one ends the batch). */
  cancelPolled?: boolean;
  endedAt: string | null;
  /** Requests per endpoint for this batch. */
  seen: Record<BatchEndpoint, number>;
}

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** The Message Batches endpoints, with their state: the batches, the counters, the script. */
function createBatchRoutes(initial: BatchScript) {
  let script = initial;
  let counts: Record<BatchEndpoint, number> = { create: 0, retrieve: 0, results: 0, cancel: 0 };
  let submitted: SubmittedBatch[] = [];
  const byId = new Map<string, MockBatch>();
  let lineIndex = 0;
  /** Batches ever created: ids stay unique across `reset()` (a batch created before it can still be polled). */
  let batchCount = 0;

  /** Counts the request; true when a scripted fault answered it. */
  const faulted = (request: RouteRequest, endpoint: BatchEndpoint, batch?: MockBatch, body?: string): boolean => {
    counts[endpoint] += 1;
    const index = batch ? batch.seen[endpoint]++ : counts.create - 1;
    const fault = script.fault?.({ endpoint, batchId: batch?.id, index });
    if (!fault) return false;
    writeFault(request, fault, body);
    return true;
  };

  const find = (request: RouteRequest): MockBatch | undefined => {
    const batch = byId.get(request.match[1] ?? '');
    if (!batch) request.json(404, anthropicDialect.errorBody(404, `mock server: no batch ${JSON.stringify(request.match[1])}`));
    return batch;
  };

  const answerOf = (batch: MockBatch, origin: string) => {
    const tally = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    for (const line of batch.lines) {
      if (batch.status !== 'ended') tally.processing += 1;
      else tally[line.type] += 1;
    }
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: batch.status,
      request_counts: tally,
      created_at: batch.createdAt,
      expires_at: new Date(Date.parse(batch.createdAt) + 24 * 3600_000).toISOString(),
      ended_at: batch.endedAt,
      cancel_initiated_at: batch.cancelInitiatedAt,
      archived_at: null,
      results_url: batch.status === 'ended' ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
    };
  };

  const routes: Route[] = [
    {
      method: 'POST',
      path: /^\/v1\/messages\/batches$/,
      async handle(request) {
        if (faulted(request, 'create')) return;
        const problem = createProblem(request.body);
        if (problem) return request.json(400, anthropicDialect.errorBody(400, problem));
        const requests = request.body?.requests as Array<{ custom_id: string; params: Record<string, unknown> }>;
        const id = `msgbatch_mock_${++batchCount}`;
        const batch: MockBatch = {
          id, createdAt: new Date().toISOString(), lines: [], polls: 0, status: 'in_progress', cancelInitiatedAt: null, endedAt: null,
          seen: { create: 0, retrieve: 0, results: 0, cancel: 0 },
        };
        submitted.push({ id, customIds: requests.map((r) => r.custom_id), params: requests.map((r) => r.params), bytes: Number(request.req.headers['content-length']) });
        for (const [index, entry] of requests.entries()) {
          const scripted = script.line?.({ batchId: id, customId: entry.custom_id, params: entry.params, index });
          batch.lines.push(await lineOf(entry.custom_id, entry.params, scripted, request, lineIndex++));
        }
        byId.set(id, batch);
        request.json(200, answerOf(batch, request.origin));
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/messages\/batches\/([^/]+)$/,
      handle(request) {
        const batch = find(request);
        if (!batch || faulted(request, 'retrieve', batch)) return;
        batch.polls += 1;
        const canceled = batch.status === 'canceling' && batch.cancelPolled;
        if (batch.status === 'canceling') batch.cancelPolled = true;
        if (canceled || (batch.status === 'in_progress' && batch.polls > (script.pollsToEnd ?? 2))) {
          batch.status = 'ended';
          batch.endedAt = new Date().toISOString();
        }
        request.json(200, answerOf(batch, request.origin));
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/messages\/batches\/([^/]+)\/results$/,
      handle(request) {
        const batch = find(request);
        const text = batch?.lines.map((line) => `${line.text}\n`).join('') ?? '';
        if (!batch || faulted(request, 'results', batch, text)) return;
        if (batch.status !== 'ended') return request.json(404, anthropicDialect.errorBody(404, `mock server: batch ${batch.id} has not ended`));
        request.raw(200, text, 'application/binary');
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/messages\/batches\/([^/]+)\/cancel$/,
      handle(request) {
        const batch = find(request);
        if (!batch || faulted(request, 'cancel', batch)) return;
        if (batch.status === 'in_progress') {
          // The mock has processed nothing before the end: every line not scripted otherwise is canceled.
          batch.status = 'canceling';
          batch.cancelInitiatedAt = new Date().toISOString();
          for (const line of batch.lines) {
            if (line.type === 'succeeded') Object.assign(line, { type: 'canceled', text: JSON.stringify({ custom_id: line.customId, result: { type: 'canceled' } }) });
          }
        }
        request.json(200, answerOf(batch, request.origin));
      },
    },
  ];

  return {
    routes,
    get counts() { return counts; },
    get submitted() { return submitted; },
    setScript(next: BatchScript) { script = next; },
    reset() {
      counts = { create: 0, retrieve: 0, results: 0, cancel: 0 };
      submitted = [];
    },
  };
}

/** What the real API refuses (400) in a create request; problems of one request's params come back as its errored line. */
function createProblem(body: Record<string, unknown> | undefined): string | undefined {
  const requests = body?.requests;
  if (!Array.isArray(requests) || requests.length === 0) return 'requests: at least one request is required';
  const seen = new Set<string>();
  for (const [i, entry] of requests.entries()) {
    if (!isRecord(entry) || typeof entry.custom_id !== 'string' || !CUSTOM_ID.test(entry.custom_id)) return `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
    if (seen.has(entry.custom_id)) return `requests.${i}.custom_id: custom_id must be unique within a batch: ${entry.custom_id}`;
    seen.add(entry.custom_id);
    if (!isRecord(entry.params)) return `requests.${i}.params: Input should be a valid dictionary`;
    if (entry.params.stream === true) return `requests.${i}.params.stream: streaming is not supported in a batch`;
  }
  return undefined;
}

/** One result line: the script's, or what POST /v1/messages answers for these params (a fault there is an errored line, `malformed` a message without content). */
async function lineOf(customId: string, params: Record<string, unknown>, scripted: BatchLineScript | undefined, request: RouteRequest, index: number) {
  const line = (type: 'succeeded' | 'errored' | 'canceled' | 'expired', result: Record<string, unknown> = {}) => ({
    customId, type, text: JSON.stringify({ custom_id: customId, result: { type, ...result } }),
  });
  const errored = (errorType: string, message: string) => line('errored', { error: { type: 'error', error: { type: errorType, message } } });
  if (scripted) {
    if ('raw' in scripted) return { customId, type: 'errored' as const, text: scripted.raw };
    if (scripted.type === 'errored') return errored(scripted.errorType, scripted.message ?? `mock batch line: ${scripted.errorType}`);
    return line(scripted.type);
  }
  const problem = anthropicDialect.validate(params);
  if (problem) return errored('invalid_request_error', problem);
  const incoming: IncomingChat = {
    model: typeof params.model === 'string' ? params.model : '',
    messages: Array.isArray(params.messages) ? (params.messages as IncomingChat['messages']) : [],
    body: params,
    headers: request.req.headers,
    index,
  };
  let reply: Reply;
  try {
    reply = await request.respond(incoming);
  } catch (error) {
    return errored('api_error', `mock respond() threw: ${String(error)}`);
  }
  if (!('fault' in reply)) return line('succeeded', { message: anthropicDialect.success(incoming, reply) });
  switch (reply.fault) {
    case 'status': {
      const body = isRecord(reply.body) ? reply.body : anthropicDialect.errorBody(reply.status, `mock fault: status ${reply.status}`);
      return line('errored', { error: body });
    }
    case 'refusal':
      return line('succeeded', { message: anthropicDialect.refusal(incoming, reply.message ?? "I'm sorry, I can't help with that.") });
    case 'empty-choices':
      return line('succeeded', { message: anthropicDialect.emptyChoices(incoming) });
    case 'malformed':
      return line('succeeded', { message: { id: `msg_mock_${index}`, type: 'message', role: 'assistant' } });
    default:
      return errored('api_error', `mock fault: ${reply.fault}`);
  }
}

/**
 * A scripted fault on a batch endpoint: `status`, `reset` (the socket destroyed; on the results,
 * after the first half of the lines' text), `malformed` (a body that is not JSON) or `hang`.
 */
function writeFault(request: RouteRequest, fault: FaultReply, body?: string): void {
  switch (fault.fault) {
    case 'status': {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      request.json(fault.status, fault.body ?? anthropicDialect.errorBody(fault.status, `mock fault: status ${fault.status}`), headers);
      return;
    }
    case 'reset': {
      const res = request.res;
      if (!body) {
        destroy(res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/binary', 'content-length': Buffer.byteLength(body) });
      res.write(body.slice(0, Math.floor(body.length / 2)), () => destroy(res));
      return;
    }
    case 'malformed':
      request.raw(200, '{"id": "broken", "processing_status": "ended', 'application/json');
      return;
    case 'hang':
      return;
    default:
      throw new Error(`mock server: fault ${fault.fault} is not supported on a batch endpoint`);
  }
}

function destroy(res: http.ServerResponse): void {
  res.socket?.destroy();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function message(
  request: IncomingChat,
  content: Block[],
  stopReason: string,
  usage: { inputTokens: number; outputTokens: number },
  model?: string,
) {
  return {
    id: `msg_mock_${request.index}`,
    type: 'message',
    role: 'assistant',
    model: model ?? anthropicReportedModel(request.model),
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
  };
}
