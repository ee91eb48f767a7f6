/**
 * Token counts for the cost estimate (budget/estimate.ts). OpenAI models are counted with their real
 * tokenizer (`gpt-tokenizer`: o200k_base for the gpt-4o / gpt-4.1 / gpt-5 / o-series families,
 * cl100k_base for gpt-4 and gpt-3.5), imported only when a model needs it, so `check` on a project
 * without OpenAI models, the runtime entry and every run without a budget never load it. Other
 * models are approximated: characters / 4 (docs/cost.md).
 */
import type { Message } from '../prompts/types.js';

export type Encoding = 'o200k_base' | 'cl100k_base';

/** How a model's tokens are counted: its tiktoken encoding, or the characters / 4 approximation. */
export interface TokenCounter {
  kind: 'tiktoken' | 'approx';
  /** Tokens of a text (special-token strings in it count as plain text, as the APIs treat them). */
  text(text: string): number;
}

const O200K = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|chatgpt-4o|o1|o3|o4|codex)(?![a-z0-9])/;
const CL100K = /^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)(?![a-z0-9])/;

/**
 * The tiktoken encoding of a model entry, or undefined when none is known: only the `openai`
 * provider's own model families (an OpenAI-compatible server with another model, an Anthropic or a
 * custom model is approximated). A `vendor/` prefix is ignored, as in the price table.
 */
export function encodingOf(provider: string, modelId: string): Encoding | undefined {
  if (provider !== 'openai') return undefined;
  const id = modelId.slice(modelId.lastIndexOf('/') + 1).toLowerCase();
  if (O200K.test(id)) return 'o200k_base';
  if (CL100K.test(id)) return 'cl100k_base';
  return undefined;
}

/** The approximation for models without a known tokenizer: 4 characters a token, rounded up. */
export const approxCounter: TokenCounter = { kind: 'approx', text: (text) => Math.ceil(text.length / 4) };

const loaded = new Map<Encoding, Promise<TokenCounter>>();

/** The counter of an encoding (the tokenizer's module is imported on first use), or the approximation. */
export function loadCounter(encoding: Encoding | undefined): Promise<TokenCounter> {
  if (encoding === undefined) return Promise.resolve(approxCounter);
  let counter = loaded.get(encoding);
  if (!counter) {
    counter = (encoding === 'o200k_base' ? import('gpt-tokenizer/encoding/o200k_base') : import('gpt-tokenizer/encoding/cl100k_base')).then((mod) => {
      const options = { disallowedSpecial: new Set<string>() };
      return { kind: 'tiktoken' as const, text: (text: string) => (text === '' ? 0 : mod.countTokens(text, options)) };
    });
    loaded.set(encoding, counter);
  }
  return counter;
}

/**
 * Input tokens of a chat request. tiktoken: OpenAI's chat format, as the API bills it (3 tokens
 * framing each message, its role, its content; 3 priming the reply), plus an assistant turn's tool
 * calls and a message's tool name. The approximation counts the same texts' characters / 4, with no
 * framing. `extra` (the tools' definitions, a response schema as JSON) is counted as text: the APIs
 * render it in their own ways, so this part is approximate for every model.
 */
export function countMessages(counter: TokenCounter, messages: readonly Message[], extra = ''): number {
  if (counter.kind === 'approx') {
    let chars = extra.length;
    for (const message of messages) {
      chars += message.content.length + (message.name?.length ?? 0);
      for (const call of message.toolCalls ?? []) chars += call.name.length + call.rawArguments.length;
    }
    return Math.ceil(chars / 4);
  }
  let tokens = 3 + counter.text(extra);
  for (const message of messages) {
    tokens += 3 + counter.text(message.role) + counter.text(message.content);
    if (message.name) tokens += counter.text(message.name);
    for (const call of message.toolCalls ?? []) tokens += counter.text(call.name) + counter.text(call.rawArguments);
  }
  return tokens;
}
