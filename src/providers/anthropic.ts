import { createAnthropicBatchTransport } from '../batch/anthropic-transport.js';
import type { ModelConfig } from '../config/types.js';
import { parseToolArguments } from '../tools/arguments.js';
import type { ToolCall } from '../tools/types.js';
import { buildMessagesRequest, structuredOutputToolOf, type StructuredOutputTool } from './anthropic-request.js';
import { abortedFailure, providerFailure, scrubSecrets } from './failure.js';
import { baseURLOf, PLACEHOLDER_API_KEY, SDK_TIMEOUT_MS } from './request-setup.js';
import { fetchFor } from './http-fetch.js';
import { createClientLoader } from './sdk-client.js';
import { mapSdkError } from './sdk-errors.js';
import { answerOf, answerReadOf, isRecord } from './shape.js';
import { tokenUsageOf } from './usage.js';
import type { AnswerRead, Provider, ProviderRequest, ProviderResult, TokenUsage } from './types.js';

type AnthropicModule = typeof import('@anthropic-ai/sdk');
export type AnthropicClient = InstanceType<AnthropicModule['default']>;

export interface AnthropicProviderOptions {
  /** Where the API key is read from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * A provider for Anthropic's Messages API. System messages are joined into `system`; the other
 * messages are sent in order (anthropic-request.ts: tools, tool turns, structured output). One
 * attempt per call (SDK retries off, the signal is the timeout); the SDK is imported on the first call.
 * `batch`: the Message Batches API through the same client (batch/anthropic-transport.ts).
 */
export function createAnthropicProvider(name: string, config: ModelConfig, options: AnthropicProviderOptions = {}): Provider {
  const getClient = createClientLoader<AnthropicClient>({
    config,
    api: 'anthropic',
    env: options.env ?? process.env,
    sdkName: '@anthropic-ai/sdk',
    build: async (key) => {
      const sdk = await import('@anthropic-ai/sdk');
      // node:http with keep-alive instead of the global fetch, a size cap, and no key header when none is sent (http-fetch.ts).
      return { client: new sdk.default({ apiKey: key ?? PLACEHOLDER_API_KEY, baseURL: baseURLOf(config, 'anthropic'), maxRetries: 0, timeout: SDK_TIMEOUT_MS, fetch: fetchFor(config, key) }), classes: sdk };
    },
  });

  return {
    name,
    kind: 'anthropic',
    model: config.model,
    async call(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult> {
      if (signal.aborted) return abortedFailure(signal);
      const ready = await getClient();
      if ('ok' in ready) return ready;
      const built = buildMessagesRequest(request, config.model);
      if (!('body' in built)) return built;
      let response: unknown;
      try {
        response = await ready.client.messages.create(built.body as never, { signal });
      } catch (error) {
        return mapSdkError(error, { label: 'Anthropic', signal, classes: ready.classes, secrets: [ready.key] });
      }
      return readMessagesResult(response, structuredOutputToolOf(request), [ready.key]);
    },
    batch: createAnthropicBatchTransport({ getClient, model: config.model, maxResponseBytes: config.maxResponseBytes, read: readMessagesResult }),
  };
}

/**
 * A Messages API response body (a normal call's, or a succeeded batch line's `message`) as the
 * call's result: parseMessagesResponse, its error message scrubbed of `secrets`.
 */
export function readMessagesResult(body: unknown, structured: StructuredOutputTool | undefined, secrets: ReadonlyArray<string | undefined>): ProviderResult {
  const result = parseMessagesResponse(body, structured);
  if (!result.ok) result.error.message = scrubSecrets(result.error.message, secrets);
  return result;
}

/**
 * Maps a Messages API response body to a result: the text blocks joined and the `tool_use` blocks
 * as tool calls; a refusal (stop_reason `refusal`) as an answer with output ''; or the fault it
 * shows. With structured output (`structured`: the forced tool of the request), the output tool's
 * input is the answer: its JSON text is the output, and it is no tool call.
 */
export function parseMessagesResponse(body: unknown, structured?: StructuredOutputTool): ProviderResult {
  const read = readMessagesResponse(body, structured);
  if (read.fault) return read.fault;
  const stopReason = read.finishReason;
  if (read.refusal === undefined && (stopReason === 'max_tokens' || stopReason === 'model_context_window_exceeded')) {
    return providerFailure('truncated', `Anthropic: output truncated at the token limit (stop_reason "${stopReason}")`, false);
  }
  if (read.output === undefined && !read.toolCalls) {
    return providerFailure('empty_response', 'Anthropic: response has no text content and no tool call', true);
  }
  return answerOf(read);
}

/**
 * What a Messages API response body says, as the API sent it: the reported model, tokens and stop
 * reason, the text blocks joined, the `tool_use` blocks as tool calls, or a refusal (stop_reason
 * `refusal`: output '', what the model said, no tool calls). With structured output the output
 * tool's input is the answer (text beside it is the model thinking aloud). A body without a
 * content array, or a `tool_use` block without an id and a name, is a `fault`.
 * parseMessagesResponse judges it for the runner; traced() logs it as the app received it.
 */
export function readMessagesResponse(body: unknown, structured?: StructuredOutputTool): AnswerRead {
  if (!isRecord(body)) return { fault: providerFailure('malformed_response', 'Anthropic: response body is not a JSON object', true) };
  const read = answerReadOf(body.model, usageOf(body.usage));
  if (typeof body.stop_reason === 'string') read.finishReason = body.stop_reason;
  if (!Array.isArray(body.content)) return { ...read, fault: providerFailure('malformed_response', 'Anthropic: response has no content array', true) };
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  let structuredOutput: string | undefined;
  for (const [index, block] of body.content.entries()) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    if (block.type !== 'tool_use') continue;
    const call = readToolUse(block);
    if (!call) return { ...read, fault: providerFailure('malformed_response', `Anthropic: content[${index}] is a tool_use block without an id and a name`, true) };
    if (structured && call.name === structured.name && structuredOutput === undefined) {
      structuredOutput = structured.wrapped && isRecord(block.input) && 'value' in block.input ? JSON.stringify(block.input.value) : call.rawArguments;
      continue;
    }
    toolCalls.push(call);
  }
  if (read.finishReason === 'refusal') {
    read.output = '';
    read.refusal = texts.join('').trim() || 'the model refused (stop_reason "refusal")';
    return read;
  }
  // A structured answer is the output tool's input alone (text before it is the model thinking aloud).
  const output = structuredOutput ?? (texts.length > 0 ? texts.join('') : undefined);
  if (output !== undefined) read.output = output;
  if (toolCalls.length > 0) read.toolCalls = toolCalls;
  return read;
}

/**
 * A `tool_use` block (of a response, or of a conversation's assistant turn) as a ToolCall; undefined
 * without an id and a name. The API sends the input as an object: its JSON text is the raw arguments.
 */
export function readToolUse(block: Record<string, unknown>): ToolCall | undefined {
  if (typeof block.id !== 'string' || typeof block.name !== 'string' || block.name === '') return undefined;
  const raw = block.input === undefined ? '' : JSON.stringify(block.input);
  return { id: block.id, name: block.name, rawArguments: raw, ...parseToolArguments(raw) };
}

function usageOf(usage: unknown): TokenUsage | undefined {
  return isRecord(usage) ? tokenUsageOf(usage.input_tokens, usage.output_tokens) : undefined;
}
