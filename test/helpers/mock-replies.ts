/**
 * What the mock servers' `respond` callback receives and returns, and the default answers.
 * See mock-server.ts for the server itself.
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * A tool call in a reply. `arguments`: a string is sent as is (OpenAI's `function.arguments`, so it
 * may be invalid JSON; the Anthropic server sends its parse as the `input`, or the string itself
 * when it is not JSON, which the real API never does); anything else is the arguments object.
 * @default arguments `{}`; id `call_mock_<request index>_<i>` (OpenAI) / `toolu_mock_<index>_<i>` (Anthropic)
 */
export interface MockToolCall {
  id?: string;
  name: string;
  arguments?: unknown;
}

/** A normal answer: text, tool calls, structured output, or some of them. */
export interface ContentReply {
  /** The answer's text. @default '' (OpenAI sends `content: null` when the reply only calls tools) */
  content?: string;
  /** Tool calls: OpenAI `message.tool_calls` (finish reason `tool_calls`); Anthropic `tool_use` blocks after the text (stop reason `tool_use`). */
  toolCalls?: MockToolCall[];
  /**
   * A structured answer (any JSON value). OpenAI: its JSON text is the content. Anthropic: a
   * `tool_use` block of the tool the request forces (`tool_choice: {type: 'tool', name}`), else of
   * its last tool, with this as the input (stop reason `tool_use`). A request that asks for no
   * structured output (no `response_format` / no tools) makes `respond` fail (a 500 kept in
   * `respondErrors`): the test scripted something the client did not ask for.
   */
  structured?: unknown;
  /** The model the response reports. @default a dated form of the requested model */
  model?: string;
  /**
   * OpenAI-style finish reason (`stop`, `length`, `tool_calls`, ...); the Anthropic server maps
   * `stop` → `end_turn`, `length` → `max_tokens`, `tool_calls` → `tool_use`.
   * @default stop; `tool_calls` / `tool_use` for a reply with tool calls or a structured answer (Anthropic)
   */
  finishReason?: string;
  /** @default about chars/4 of the messages and of the content */
  usage?: { inputTokens?: number; outputTokens?: number };
  /** Wait this long before answering (cut short when the client aborts or the server closes). */
  delayMs?: number;
  /**
   * OpenAI: the tokens' log probabilities, sent as `choices[0].logprobs.content` when the request
   * asked for them (`logprobs: true`). @default -0.1 per whitespace-separated word of `content`
   */
  logprobs?: number[];
}

/** An answer of `/v1/embeddings` (OpenAI). */
export interface EmbeddingReply {
  embedding: number[];
  /** @default a dated form of the requested model */
  model?: string;
  /** @default about chars/4 of the input */
  usage?: { inputTokens?: number };
  delayMs?: number;
}

/** An answer of `/v1/moderations` (OpenAI): the categories given as true are flagged. */
export interface ModerationReply {
  flagged: boolean;
  /** Categories marked true (the others of OpenAI's list are sent as false). */
  categories?: Record<string, boolean>;
  /** @default 0.9 for a true category, 0.01 for the others */
  scores?: Record<string, number>;
  model?: string;
  delayMs?: number;
}

/**
 * A fault to inject:
 * - `status`: an error status with the API's error body (or `body`), and `retry-after` /
 *   `retry-after-ms` headers when given.
 * - `reset`: headers and half the body, then the socket is destroyed (a connection reset).
 * - `malformed`: 200 with a JSON content type and a body that is not JSON.
 * - `empty-choices`: 200 with no choices (OpenAI) or no content blocks (Anthropic).
 * - `hang`: no answer at all until the client aborts or the server closes (a timeout).
 * - `refusal`: 200 with the API's refusal shape: OpenAI `message.refusal` (content null), Anthropic
 *   `stop_reason: 'refusal'` with `message` as its text.
 * - `gzip-bomb`: 200, `content-encoding: gzip`, a small body (about 1 KB per MiB) that inflates to
 *   `inflatedBytes` spaces (default 64 MiB): a client must cap what it decompresses.
 */
export type FaultReply =
  | { fault: 'status'; status: number; retryAfter?: string; retryAfterMs?: number; body?: unknown; delayMs?: number }
  | { fault: 'reset'; delayMs?: number }
  | { fault: 'malformed'; delayMs?: number }
  | { fault: 'empty-choices'; delayMs?: number }
  | { fault: 'hang' }
  | { fault: 'refusal'; message?: string; delayMs?: number }
  | { fault: 'gzip-bomb'; inflatedBytes?: number; delayMs?: number };

export type Reply = ContentReply | FaultReply;

/** What `respond` is told about a request. */
export interface IncomingChat {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
  /** The whole parsed JSON body. */
  body: Record<string, unknown>;
  /** Lower-cased header names, as node gives them. */
  headers: IncomingHttpHeaders;
  /** 0-based arrival order since start or the last `reset()`. */
  index: number;
  /**
   * Whether the client hung up before this request's answer was written (it gave up on the
   * attempt: its timeout, or an abort). Asked after the run: a request the server takes up late,
   * after the client already moved on to the next attempt, is one (arrival order is not attempt
   * order on a loaded machine). Absent on batch lines.
   */
  abandoned?: () => boolean;
}

export type Respond = (request: IncomingChat) => Reply | Promise<Reply>;

/** What `respondEmbeddings` / `respondModerations` are told: the request, and its `input` as text. */
export interface IncomingInput extends IncomingChat {
  input: string;
}

export type RespondEmbeddings = (request: IncomingInput) => EmbeddingReply | FaultReply | Promise<EmbeddingReply | FaultReply>;
export type RespondModerations = (request: IncomingInput) => ModerationReply | FaultReply | Promise<ModerationReply | FaultReply>;

/** The default `respondEmbeddings`: `bagOfWordsEmbedding` of the input. */
export function defaultEmbeddingRespond(request: IncomingInput): EmbeddingReply {
  return { embedding: bagOfWordsEmbedding(request.input) };
}

/** The default `respondModerations`: nothing flagged. */
export function defaultModerationRespond(): ModerationReply {
  return { flagged: false };
}

/**
 * A deterministic embedding: the text's lower-cased words (`[a-z0-9]+`) counted into 32 buckets by
 * an FNV-1a hash, L2-normalised. The same words give cosine 1; texts with no word in common give
 * about 0 (unless two words share a bucket). An empty text is the zero vector.
 */
export function bagOfWordsEmbedding(text: string, dimensions = 32): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193) >>> 0;
    vector[hash % dimensions] += 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/** The default `respond`: echoes the last user message. */
export function echoRespond(request: IncomingChat): ContentReply {
  const last = [...request.messages].reverse().find((m) => m.role === 'user');
  return { content: `echo: ${textOf(last?.content)}` };
}

/** Text of a message content: a string, or the text parts of a content array. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (part && typeof part === 'object' && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

/** The text of the request's last user message ('' when there is none). */
export function lastUser(request: IncomingChat): string {
  return textOf([...request.messages].reverse().find((m) => m.role === 'user')?.content);
}

/** The default token counts: about four characters a token, at least 1. */
export function estimateUsage(request: IncomingChat, reply: ContentReply): { inputTokens: number; outputTokens: number } {
  const inputChars = request.messages.reduce((sum, m) => sum + textOf(m.content).length, 0) + textOf(request.body.system).length;
  return {
    inputTokens: reply.usage?.inputTokens ?? Math.max(1, Math.ceil(inputChars / 4)),
    outputTokens: reply.usage?.outputTokens ?? Math.max(1, Math.ceil((reply.content ?? '').length / 4)),
  };
}

