import type { Route } from '../cache/request-key.js';
import type { TestCase } from '../cases/types.js';
import type { ModelConfig, ResolvedConfig } from '../config/types.js';
import type { EmbeddingResult, GraderContext, ModerationResult } from '../graders/types.js';
import type { Provider, ProviderFailure } from '../providers/types.js';
import type { CallRecord } from '../run-record/types.js';
import { hasPrice } from './call.js';
import type { EndpointCallContext, EndpointCalls, EndpointModel } from './endpoint-call.js';

/** Graders that read the output's token log probabilities. */
const LOGPROB_TYPES = new Set(['perplexity', 'perplexity-score']);

/**
 * The params a case's calls send: `params`, with `logprobs: true` when the case has a perplexity
 * grader and its provider can answer them (Anthropic's API has none: `check` refuses it, and the
 * grader errors). The params are part of the request key, so such a call is cached apart.
 */
export function requestParamsFor(testCase: TestCase, provider: ModelConfig['provider'], params: Record<string, unknown>): Record<string, unknown> {
  if (provider === 'anthropic' || !testCase.assertions.some((assertion) => LOGPROB_TYPES.has(assertion.type))) return params;
  let out = logprobParams.get(params);
  if (!out) {
    out = { ...params, logprobs: true };
    logprobParams.set(params, out);
  }
  return out;
}

/** One params object with `logprobs: true` per params object, shared by its calls (never mutated). */
const logprobParams = new WeakMap<Record<string, unknown>, Record<string, unknown>>();

/** What the provider-backed parts of a grader context need of the run. */
export interface ProviderGradingServices {
  config: ResolvedConfig;
  providers: (name: string) => Provider;
  routes: (name: string) => Route;
  endpoints: EndpointCalls;
  signal: AbortSignal;
  /** An endpoint call was abandoned (the run was interrupted): the grade is no verdict. */
  onAbandoned(): void;
}

/**
 * The grader context's provider-backed parts for the output of `record` (a call of `model`):
 * - `latencyMs` / `costUsd` as promptfoo's latency and cost graders see them (see metricsOf);
 * - `logprobs`, when the call asked for and got them;
 * - `embed` with the config's `embedding` model and `moderate` with its `moderation` model (absent
 *   without one), each text one call through the run's EndpointCalls (cached, logged for `context`).
 */
export function providerGrading(services: ProviderGradingServices, context: EndpointCallContext, model: string, record: CallRecord): Pick<GraderContext, 'latencyMs' | 'costUsd' | 'logprobs' | 'embed' | 'moderate'> {
  const { config, endpoints } = services;
  const entry = (name: string): EndpointModel => ({ name, provider: services.providers(name), route: services.routes(name), config: config.models[name] });
  const abandoned = (): ProviderFailure => {
    services.onAbandoned();
    return { ok: false, error: { code: 'aborted', message: 'run interrupted', retryable: false } };
  };
  const { embedding, moderation } = config;
  return {
    ...metricsOf(record, config.models[model]?.price),
    logprobs: record.logprobs,
    embed: embedding
      ? async (texts, signal) => {
          const target = entry(embedding);
          const results = await Promise.all(texts.map((text) => endpoints.embed(context, target, text, signal ?? services.signal)));
          const vectors: number[][] = [];
          let reported: string | undefined;
          for (const result of results) {
            if (!result) return abandoned();
            if (!result.ok) return result;
            vectors.push(result.vector);
            reported ??= result.modelReported;
          }
          return { ok: true, vectors, model: reported ?? target.provider.model } satisfies EmbeddingResult;
        }
      : undefined,
    moderate: moderation
      ? async (text, signal) => {
          const target = entry(moderation);
          const result = await endpoints.moderate(context, target, text, signal ?? services.signal);
          if (!result) return abandoned();
          if (!result.ok) return result;
          const { flagged, categories, scores } = result;
          return { ok: true, flagged, categories, scores, model: result.modelReported ?? target.provider.model } satisfies ModerationResult;
        }
      : undefined,
  };
}

/**
 * The latency and cost the `latency` / `cost` graders see, as promptfoo's do: a fresh call's own; a
 * cached answer's latency is the one of the call that made the cache entry (promptfoo keeps it with
 * the entry; undefined when the entry does not say), and its cost is 0 when the model has a price
 * and the usage is known, else unknown (promptfoo's cost of a cached response).
 */
export function metricsOf(record: CallRecord, price: { input: number; output: number } | undefined): Pick<GraderContext, 'latencyMs' | 'costUsd'> {
  if (!record.cached) return { latencyMs: record.latencyMs, costUsd: record.costUsd ?? undefined };
  const priced = record.usage !== null && hasPrice(record.modelReported ?? record.modelRequested, price);
  return { latencyMs: record.originalLatencyMs, costUsd: priced ? 0 : undefined };
}
