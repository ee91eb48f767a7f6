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
 */
import {
  estimateUsage, startMockServer, type ContentReply, type Dialect, type IncomingChat, type MockServer,
  type MockServerOptions,
} from './mock-server.js';

export type { ContentReply, FaultReply, IncomingChat, MockServer, MockServerOptions, MockToolCall, RecordedRequest, Reply, Respond } from './mock-server.js';

/** Starts the server on 127.0.0.1 with a random port. */
export function startAnthropicServer(options: MockServerOptions = {}): Promise<MockServer> {
  return startMockServer(anthropicDialect, options);
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
