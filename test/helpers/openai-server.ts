/**
 * A local OpenAI-compatible server for tests: POST /v1/chat/completions (and /chat/completions).
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
 */
import {
  estimateUsage, startMockServer, type ContentReply, type Dialect, type IncomingChat, type MockServer,
  type MockServerOptions,
} from './mock-server.js';

export type { ContentReply, FaultReply, IncomingChat, MockServer, MockServerOptions, RecordedRequest, Reply, Respond } from './mock-server.js';

/** Starts the server on 127.0.0.1 with a random port; `url` ends in `/v1`, as the SDK expects. */
export function startOpenAIServer(options: MockServerOptions = {}): Promise<MockServer> {
  return startMockServer(openAIDialect, options);
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
    return undefined;
  },
  success(request: IncomingChat, reply: ContentReply) {
    const usage = estimateUsage(request, reply);
    return {
      ...envelope(request, reply.model),
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: reply.content, refusal: null },
          logprobs: null,
          finish_reason: reply.finishReason ?? 'stop',
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
};

function envelope(request: IncomingChat, model?: string) {
  return {
    id: `chatcmpl-mock-${request.index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: model ?? openAIReportedModel(request.model),
    system_fingerprint: 'fp_mock',
  };
}
