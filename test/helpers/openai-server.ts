/**
 * A local OpenAI-compatible server for tests: POST /v1/chat/completions (and /chat/completions),
 * /v1/embeddings and /v1/moderations (answers from `respondEmbeddings` / `respondModerations`).
 * A chat request with `logprobs: true` gets `choices[0].logprobs.content` (the reply's `logprobs`).
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
  estimateUsage, startMockServer, type ContentReply, type Dialect, type EmbeddingReply, type EndpointDialect, type IncomingChat,
  type IncomingInput, type MockServer, type MockServerOptions, type ModerationReply,
} from './mock-server.js';

export type {
  ContentReply, EmbeddingReply, FaultReply, IncomingChat, IncomingInput, MockServer, MockServerOptions, ModerationReply, RecordedRequest, Reply,
  Respond, RespondEmbeddings, RespondModerations,
} from './mock-server.js';
export { bagOfWordsEmbedding } from './mock-server.js';

/** OpenAI's moderation categories (omni-moderation), all sent with every result. */
export const MODERATION_CATEGORIES = [
  'harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent', 'self-harm',
  'self-harm/intent', 'self-harm/instructions', 'sexual', 'sexual/minors', 'violence', 'violence/graphic',
] as const;

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
          message: { role: 'assistant', content: reply.toolCalls && reply.content === '' ? null : reply.content, refusal: null, ...toolCallsOf(request, reply) },
          logprobs: request.body.logprobs === true ? logprobsOf(reply) : null,
          finish_reason: reply.finishReason ?? (reply.toolCalls ? 'tool_calls' : 'stop'),
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

/** `message.tool_calls` of a reply with tool calls (the arguments as a string). */
function toolCallsOf(request: IncomingChat, reply: ContentReply) {
  if (!reply.toolCalls) return {};
  return {
    tool_calls: reply.toolCalls.map((call, n) => ({
      id: call.id ?? `call_${request.index}_${n}`,
      type: 'function',
      function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
    })),
  };
}

/** `choices[0].logprobs`: the reply's, else -0.1 for each whitespace-separated word. */
function logprobsOf(reply: ContentReply) {
  const values = reply.logprobs ?? reply.content.split(/\s+/).filter(Boolean).map(() => -0.1);
  return { content: values.map((logprob, i) => ({ token: `t${i}`, logprob, bytes: null, top_logprobs: [] })), refusal: null };
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
