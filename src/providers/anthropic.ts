import type { ModelConfig } from '../config/types.js';
import type { Message } from '../prompts/types.js';
import { abortedFailure, providerFailure, scrubSecrets } from './failure.js';
import { baseURLOf, PLACEHOLDER_API_KEY, SDK_TIMEOUT_MS, translateParams } from './request-setup.js';
import { fetchFor } from './http-fetch.js';
import { createClientLoader } from './sdk-client.js';
import { mapSdkError } from './sdk-errors.js';
import { isRecord } from './shape.js';
import { tokenUsageOf } from './usage.js';
import type { Provider, ProviderRequest, ProviderResult, TokenUsage } from './types.js';

type AnthropicModule = typeof import('@anthropic-ai/sdk');
type AnthropicClient = InstanceType<AnthropicModule['default']>;

/** `max_tokens` sent when neither the model config nor the prompt sets one (the API requires it). */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 1024;

export interface AnthropicProviderOptions {
  /** Where the API key is read from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * A provider for Anthropic's Messages API. System messages are joined into `system`; the other
 * messages are sent in order. One attempt per call (SDK retries off, the signal is the timeout);
 * the SDK is imported on the first call.
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
      const body = buildMessagesBody(request, config.model);
      let response: unknown;
      try {
        response = await ready.client.messages.create(body as never, { signal });
      } catch (error) {
        return mapSdkError(error, { label: 'Anthropic', signal, classes: ready.classes, secrets: [ready.key] });
      }
      const result = parseMessagesResponse(response);
      if (!result.ok) result.error.message = scrubSecrets(result.error.message, [ready.key]);
      return result;
    },
  };
}

/** The Messages API request body: params first, so they cannot replace the model or messages. */
export function buildMessagesBody(request: ProviderRequest, fallbackModel: string): Record<string, unknown> {
  const params = translateParams(request.params, 'anthropic');
  const system = joinSystem(request.messages, params.system);
  const body: Record<string, unknown> = {
    ...params,
    model: request.model || fallbackModel,
    messages: request.messages.filter((m) => m.role !== 'system').map(({ role, content }) => ({ role, content })),
    max_tokens: params.max_tokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    stream: false,
  };
  if (system === undefined) delete body.system;
  else body.system = system;
  return body;
}

function joinSystem(messages: Message[], fromParams: unknown): string | undefined {
  const parts = messages.filter((m) => m.role === 'system').map((m) => m.content);
  if (typeof fromParams === 'string' && fromParams) parts.unshift(fromParams);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

/** Maps a Messages API response body to a result: the text blocks joined, or the fault it shows. */
export function parseMessagesResponse(body: unknown): ProviderResult {
  if (!isRecord(body)) return providerFailure('malformed_response', 'Anthropic: response body is not a JSON object', true);
  if (!Array.isArray(body.content)) return providerFailure('malformed_response', 'Anthropic: response has no content array', true);
  const stopReason = typeof body.stop_reason === 'string' ? body.stop_reason : undefined;
  const texts = body.content
    .filter((block): block is { type: 'text'; text: string } => isRecord(block) && block.type === 'text' && typeof block.text === 'string')
    .map((block) => block.text);
  if (stopReason === 'refusal') {
    const said = texts.join('').trim();
    return providerFailure('refused', `Anthropic: the model refused${said ? `: ${said}` : ''}`, false);
  }
  if (stopReason === 'max_tokens' || stopReason === 'model_context_window_exceeded') {
    return providerFailure('truncated', `Anthropic: output truncated at the token limit (stop_reason "${stopReason}")`, false);
  }
  if (texts.length === 0) return providerFailure('empty_response', 'Anthropic: response has no text content', true);
  const result: ProviderResult = { ok: true, output: texts.join('') };
  if (typeof body.model === 'string') result.modelReported = body.model;
  const usage = usageOf(body.usage);
  if (usage) result.usage = usage;
  if (stopReason) result.finishReason = stopReason;
  return result;
}

function usageOf(usage: unknown): TokenUsage | undefined {
  return isRecord(usage) ? tokenUsageOf(usage.input_tokens, usage.output_tokens) : undefined;
}
