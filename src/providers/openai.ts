import type { ModelConfig } from '../config/types.js';
import { abortedFailure, providerFailure, scrubSecrets } from './failure.js';
import { baseURLOf, PLACEHOLDER_API_KEY, SDK_TIMEOUT_MS, translateParams } from './request-setup.js';
import { fetchFor } from './http-fetch.js';
import { createClientLoader } from './sdk-client.js';
import { mapSdkError } from './sdk-errors.js';
import { isRecord } from './shape.js';
import { tokenUsageOf } from './usage.js';
import type { Provider, ProviderRequest, ProviderResult, TokenUsage } from './types.js';

type OpenAIModule = typeof import('openai');
type OpenAIClient = InstanceType<OpenAIModule['default']>;

export interface OpenAIProviderOptions {
  /** Where the API key is read from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * A provider for the Chat Completions API of OpenAI or any compatible server (`baseURL`).
 * One attempt per call: the SDK's retries are off and the abort signal is the only timeout.
 * The SDK is imported on the first call, so creating a provider costs nothing.
 */
export function createOpenAIProvider(name: string, config: ModelConfig, options: OpenAIProviderOptions = {}): Provider {
  const getClient = createClientLoader<OpenAIClient>({
    config,
    api: 'openai',
    env: options.env ?? process.env,
    sdkName: 'openai',
    build: async (key) => {
      const sdk = await import('openai');
      // node:http with keep-alive instead of the global fetch, a size cap, and no key header when none is sent (http-fetch.ts).
      return { client: new sdk.default({ apiKey: key ?? PLACEHOLDER_API_KEY, baseURL: baseURLOf(config, 'openai'), maxRetries: 0, timeout: SDK_TIMEOUT_MS, fetch: fetchFor(config, key) }), classes: sdk };
    },
  });

  return {
    name,
    kind: 'openai',
    model: config.model,
    async call(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult> {
      if (signal.aborted) return abortedFailure(signal);
      const ready = await getClient();
      if ('ok' in ready) return ready;
      const body = {
        ...translateParams(request.params, 'openai'),
        model: request.model || config.model,
        messages: request.messages.map(({ role, content }) => ({ role, content })),
        stream: false,
      };
      let response: unknown;
      try {
        response = await ready.client.chat.completions.create(body as never, { signal });
      } catch (error) {
        return mapSdkError(error, { label: 'OpenAI', signal, classes: ready.classes, secrets: [ready.key] });
      }
      const result = parseChatCompletion(response);
      if (!result.ok) result.error.message = scrubSecrets(result.error.message, [ready.key]);
      return result;
    },
  };
}

/**
 * Maps a Chat Completions response body to a result: the first choice's text, or the fault it
 * shows (truncated, refused, empty, malformed).
 */
export function parseChatCompletion(body: unknown): ProviderResult {
  if (!isRecord(body)) return providerFailure('malformed_response', 'OpenAI: response body is not a JSON object', true);
  const choices = body.choices;
  if (!Array.isArray(choices)) return providerFailure('malformed_response', 'OpenAI: response has no choices array', true);
  if (choices.length === 0) return providerFailure('empty_response', 'OpenAI: response has no choices', true);
  const choice: unknown = choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) {
    return providerFailure('malformed_response', 'OpenAI: first choice has no message', true);
  }
  const message = choice.message;
  const finishReason = typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined;
  if ((typeof message.refusal === 'string' && message.refusal) || finishReason === 'content_filter') {
    const why = typeof message.refusal === 'string' && message.refusal ? message.refusal : 'blocked by the content filter';
    return providerFailure('refused', `OpenAI: the model refused: ${why}`, false);
  }
  if (finishReason === 'length') {
    return providerFailure('truncated', 'OpenAI: output truncated at the token limit (finish_reason "length")', false);
  }
  const output = textOf(message.content);
  if (output === undefined) return providerFailure('empty_response', 'OpenAI: response message has no content', true);
  const result: ProviderResult = { ok: true, output };
  if (typeof body.model === 'string') result.modelReported = body.model;
  const usage = usageOf(body.usage);
  if (usage) result.usage = usage;
  if (finishReason) result.finishReason = finishReason;
  return result;
}

/** A string, or an array of `{type: 'text', text}` parts (some compatible servers send those). */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.filter((part): part is { text: string } => isRecord(part) && typeof part.text === 'string');
  return parts.length > 0 ? parts.map((part) => part.text).join('') : undefined;
}

function usageOf(usage: unknown): TokenUsage | undefined {
  return isRecord(usage) ? tokenUsageOf(usage.prompt_tokens, usage.completion_tokens) : undefined;
}
