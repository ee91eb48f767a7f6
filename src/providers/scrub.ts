import { BatchResultsError } from '../batch/results-error.js';
import type { BatchTransport } from '../batch/types.js';
import type { ModelConfig } from '../config/types.js';
import { parseToolArguments } from '../tools/arguments.js';
import { cleanMessage, scrubSecrets } from './failure.js';
import type { Provider, ProviderFailure, ProviderResult } from './types.js';
import { wrapProvider } from './wrap.js';

/** The variables the SDKs read when a model names none. */
const DEFAULT_KEY_VARIABLES = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'];

/**
 * The API keys within a run's reach: each model's `apiKeyEnv` and the SDKs' default variables,
 * read from `env`. These are what no output may contain.
 */
export function apiKeysOf(models: Record<string, ModelConfig>, env: NodeJS.ProcessEnv = process.env): string[] {
  const names = new Set(DEFAULT_KEY_VARIABLES);
  for (const model of Object.values(models)) if (model.apiKeyEnv) names.add(model.apiKeyEnv);
  const keys = [...names].map((name) => env[name]).filter((value): value is string => typeof value === 'string' && value.length > 0);
  // Longest first: a key that contains another is replaced whole.
  return [...new Set(keys)].sort((a, b) => b.length - a.length);
}

/**
 * Wraps a provider so that a secret a server echoes back (a key copied from the Authorization
 * header into the answer or an error body) never leaves it: the output, the tool calls, a refusal,
 * the reported model and the error message are scrubbed (`***`) before anything records, caches,
 * grades or prints them. Error messages are scrubbed whole and only then cut to their recorded length (cleanMessage), so
 * no cut leaves part of a key behind. Every provider of a run is wrapped, with or without secrets.
 */
export function scrubbingProvider(inner: Provider, secrets: readonly string[]): Provider {
  const scrub = (text: string) => (secrets.length === 0 ? text : scrubSecrets(text, secrets));
  // Embeddings and moderation answers are numbers and category names: only their errors carry text.
  const cleanFailure = <T extends { ok: boolean }>(result: T): T =>
    isFailure(result) ? ({ ...result, error: { ...result.error, message: cleanMessage(result.error.message, secrets) } } as T) : result;
  const endpoints: Pick<Provider, 'embed' | 'moderate' | 'batch'> = {};
  if (inner.embed) endpoints.embed = async (request, signal) => cleanFailure(await inner.embed!(request, signal));
  if (inner.moderate) endpoints.moderate = async (request, signal) => cleanFailure(await inner.moderate!(request, signal));
  const cleanResult = (result: ProviderResult): ProviderResult => {
    if (!result.ok) return { ...result, error: { ...result.error, message: cleanMessage(result.error.message, secrets) } };
    if (secrets.length === 0) return result;
    const clean: ProviderResult = { ...result, output: scrub(result.output) };
    if (result.modelReported !== undefined) clean.modelReported = scrub(result.modelReported);
    if (result.finishReason !== undefined) clean.finishReason = scrub(result.finishReason);
    if (result.refusal !== undefined) clean.refusal = scrub(result.refusal);
    // Tool calls are model text too; the arguments are parsed again from the scrubbed text.
    if (result.toolCalls) {
      clean.toolCalls = result.toolCalls.map((call) => {
        const raw = scrub(call.rawArguments);
        return { id: scrub(call.id), name: scrub(call.name), rawArguments: raw, ...parseToolArguments(raw) };
      });
    }
    return clean;
  };
  // A batch line's result is a call's result: scrubbed the same way.
  if (inner.batch) endpoints.batch = scrubbingBatch(inner.batch, cleanResult, cleanFailure);
  return wrapProvider(inner, async (request, signal) => cleanResult(await inner.call(request, signal)), endpoints);
}

/** `inner` with each line's result passed through `clean`, and the failures of submit and poll through `cleanFailure`. */
function scrubbingBatch(
  inner: BatchTransport,
  clean: (result: ProviderResult) => ProviderResult,
  cleanFailure: <T extends { ok: boolean }>(result: T) => T,
): BatchTransport {
  return {
    kind: inner.kind,
    limits: inner.limits,
    lineBytes: (line) => inner.lineBytes(line),
    submit: async (lines, signal) => cleanFailure(await inner.submit(lines, signal)),
    poll: async (id, signal) => {
      const status = await inner.poll(id, signal);
      return 'ok' in status ? cleanFailure(status) : status;
    },
    async *results(id, signal, options) {
      try {
        for await (const line of inner.results(id, signal, options)) yield { customId: line.customId, result: clean(line.result) };
      } catch (error) {
        if (error instanceof BatchResultsError) throw new BatchResultsError(cleanFailure(error.failure));
        throw error;
      }
    },
  };
}

function isFailure(result: { ok: boolean }): result is ProviderFailure {
  return result.ok === false;
}
