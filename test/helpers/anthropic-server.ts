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
 * The reported model defaults to `<requested model>-20240101`.
 */
import {
  estimateUsage, startMockServer, type ContentReply, type Dialect, type IncomingChat, type MockServer,
  type MockServerOptions,
} from './mock-server.js';

export type { ContentReply, FaultReply, IncomingChat, MockServer, MockServerOptions, RecordedRequest, Reply, Respond } from './mock-server.js';

/** Starts the server on 127.0.0.1 with a random port. */
export function startAnthropicServer(options: MockServerOptions = {}): Promise<MockServer> {
  return startMockServer(anthropicDialect, options);
}

/** The model the Anthropic mock reports for a requested one when the reply names none. */
export function anthropicReportedModel(requested: string): string {
  return `${requested}-20240101`;
}

const STOP_REASONS: Record<string, string> = { stop: 'end_turn', length: 'max_tokens' };

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
    return undefined;
  },
  success(request: IncomingChat, reply: ContentReply) {
    const usage = estimateUsage(request, reply);
    const finish = reply.finishReason ?? (reply.toolCalls ? 'tool_use' : 'stop');
    const text = reply.toolCalls && reply.content === '' ? [] : [{ type: 'text' as const, text: reply.content }];
    const calls = (reply.toolCalls ?? []).map((call, n) => ({
      type: 'tool_use' as const,
      id: call.id ?? `toolu_${request.index}_${n}`,
      name: call.name,
      input: typeof call.arguments === 'string' ? (JSON.parse(call.arguments) as Record<string, unknown>) : call.arguments,
    }));
    return message(request, [...text, ...calls], STOP_REASONS[finish] ?? finish, usage, reply.model);
  },
  refusal(request) {
    return message(request, [], 'refusal', { inputTokens: 1, outputTokens: 0 });
  },
  emptyChoices(request) {
    return message(request, [], 'end_turn', { inputTokens: 1, outputTokens: 0 });
  },
  errorBody(status, text) {
    return { type: 'error', error: { type: ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message: text } };
  },
};

function message(
  request: IncomingChat,
  content: Array<{ type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }>,
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
