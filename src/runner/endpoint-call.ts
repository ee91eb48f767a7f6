import { endpointKeyOf, type Route } from '../cache/request-key.js';
import type { ModelConfig } from '../config/types.js';
import { providerFailure } from '../providers/failure.js';
import type { EmbeddingResponse, ModerationResponse, Provider, ProviderResult } from '../providers/types.js';
import type { CallRecord } from '../run-record/types.js';
import { believableUsage, callIdentity, priceCall, type CallServices } from './call.js';

/** Whom a grader's endpoint call is for (calls.jsonl records it like a judge call). */
export interface EndpointCallContext {
  runId: string;
  suite: string;
  caseId: string;
  repeat: number;
  side: CallRecord['side'];
  prompt: { id: string; version: string; hash: string };
  vars: Record<string, unknown>;
}

/** The model entry that answers: its name, provider, route and config. */
export interface EndpointModel {
  name: string;
  provider: Provider;
  route: Route;
  config: ModelConfig;
}

/** Undefined: the run was interrupted before the call finished (it is abandoned, like a chat call). */
export type EndpointCalls = {
  embed(context: EndpointCallContext, model: EndpointModel, text: string, signal: AbortSignal): Promise<EmbeddingResponse | undefined>;
  moderate(context: EndpointCallContext, model: EndpointModel, text: string, signal: AbortSignal): Promise<ModerationResponse | undefined>;
};

type Endpoint = 'embeddings' | 'moderations';

/**
 * The embeddings and moderation calls of a run (`similar`, `answer-relevance`, `moderation`): one
 * text a call, keyed by endpointKeyOf (route, model id, text, params), read from and written to the
 * response cache like chat calls (a `--no-cache` run makes them again), sent through the scheduler
 * (the model entry's limits, timeouts and retries; fail fast), and logged as one calls.jsonl line
 * each (`purpose: embedding` / `moderation`, the text in `input`). The same text asked for by
 * several cases at once is one call. Never throws: a failure comes back as a value.
 */
export function createEndpointCalls(services: CallServices): EndpointCalls {
  const inFlight = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, make: () => Promise<T>): Promise<T> => {
    let pending = inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = make().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };

  return {
    embed(context, model, text, signal) {
      const params = embeddingParams(model.config);
      const key = endpointKeyOf('embeddings', model.route, { model: model.provider.model, input: text, params });
      return once(key, () =>
        callEndpoint<EmbeddingResponse>({
          endpoint: 'embeddings', key, context, model, text, params, services, signal,
          send: (s) => (model.provider.embed ? model.provider.embed({ model: model.provider.model, input: text, params }, s) : Promise.resolve(noEndpoint(model, 'embeddings'))),
          fromCache: (data) => (isVector(data.vector) ? { ok: true, vector: data.vector, ...reported(data) } : undefined),
          toCache: (result) => ({ vector: result.vector, ...(result.modelReported ? { modelReported: result.modelReported } : {}) }),
          describe: (result) => ({ dimensions: result.vector.length }),
        }),
      );
    },
    moderate(context, model, text, signal) {
      const key = endpointKeyOf('moderations', model.route, { model: model.provider.model, input: text });
      return once(key, () =>
        callEndpoint<ModerationResponse>({
          endpoint: 'moderations', key, context, model, text, params: {}, services, signal,
          send: (s) => (model.provider.moderate ? model.provider.moderate({ model: model.provider.model, input: text }, s) : Promise.resolve(noEndpoint(model, 'moderations'))),
          fromCache: (data) =>
            typeof data.flagged === 'boolean' && isFlagMap(data.categories) && isScoreMap(data.scores)
              ? { ok: true, flagged: data.flagged, categories: data.categories, scores: data.scores, ...reported(data) }
              : undefined,
          toCache: ({ flagged, categories, scores, modelReported }) => ({ flagged, categories, scores, ...(modelReported ? { modelReported } : {}) }),
          describe: (result) => ({ moderation: { flagged: result.flagged, categories: Object.keys(result.categories).filter((name) => result.categories[name]) } }),
        }),
      );
    },
  };
}

type Success<T> = Extract<T, { ok: true }>;

interface EndpointCall<T extends { ok: boolean }> {
  endpoint: Endpoint;
  key: string;
  context: EndpointCallContext;
  model: EndpointModel;
  text: string;
  params: Record<string, unknown>;
  services: CallServices;
  signal: AbortSignal;
  send(signal: AbortSignal): Promise<T>;
  fromCache(data: Record<string, unknown>): Success<T> | undefined;
  toCache(result: Success<T>): Record<string, unknown>;
  /** What calls.jsonl records of a success besides usage and model. */
  describe(result: Success<T>): Pick<CallRecord, 'dimensions' | 'moderation'>;
}

async function callEndpoint<T extends EmbeddingResponse | ModerationResponse>(call: EndpointCall<T>): Promise<T | undefined> {
  const { services, model, key } = call;
  const startedAt = new Date().toISOString();
  const cacheable = services.readCache;
  const data = cacheable ? await services.cache.getData(key) : undefined;
  const hit = data ? call.fromCache(data) : undefined;
  if (hit) {
    services.log(recordOf(call, startedAt, { result: hit, cached: true, attempts: 0, latencyMs: 0 }));
    return hit;
  }
  // The scheduler retries and times out ProviderResults; the endpoint's own answer is kept aside.
  let answer: Success<T> | undefined;
  const outcome = await services.scheduler.run(
    model.name,
    async (signal): Promise<ProviderResult> => {
      const result = await call.send(signal);
      if (!result.ok) return result;
      answer = result as Success<T>;
      return { ok: true, output: '', ...('usage' in result && result.usage ? { usage: result.usage } : {}) };
    },
    Math.ceil(call.text.length / 4),
    {
      // Embeddings bill the text's tokens (estimated at 4 characters each); moderation is free.
      estimateUsd: () => (call.endpoint === 'moderations' ? 0 : (priceCall(model.provider.model, { inputTokens: Math.ceil(call.text.length / 4), outputTokens: 0 }, model.config.price) ?? Number.POSITIVE_INFINITY)),
      actualUsd: (result) => {
        const usage = believableUsage(result.usage);
        return call.endpoint === 'moderations' ? 0 : usage ? priceCall(result.modelReported ?? model.provider.model, usage, model.config.price) : null;
      },
    },
  );
  // Interrupted, or refused by the cost budget: abandoned (not logged; the grade is no verdict).
  if (outcome.refused || (call.signal.aborted && !outcome.result.ok)) return undefined;
  const latencyMs = Math.round(outcome.latencyMs * 10) / 10;
  if (!outcome.result.ok || !answer) {
    const failure = outcome.result.ok ? providerFailure('provider_error', `${call.endpoint}: no answer`, false) : outcome.result;
    services.log(recordOf(call, startedAt, { failure, cached: false, attempts: outcome.attempts, latencyMs }));
    return failure as T;
  }
  await services.cache.setData(key, call.toCache(answer)).catch(() => {});
  services.log(recordOf(call, startedAt, { result: answer, cached: false, attempts: outcome.attempts, latencyMs }));
  return answer;
}

function recordOf<T extends EmbeddingResponse | ModerationResponse>(
  call: EndpointCall<T>,
  startedAt: string,
  outcome: { result?: Success<T>; failure?: Extract<T | ProviderResult, { ok: false }>; cached: boolean; attempts: number; latencyMs: number },
): CallRecord {
  const { context, model } = call;
  const result = outcome.result;
  const usage = result && 'usage' in result ? believableUsage(result.usage) : null;
  const modelReported = result?.modelReported ?? null;
  const record: CallRecord = {
    ...callIdentity(context, call.endpoint === 'embeddings' ? 'embedding' : 'moderation'),
    model: model.name,
    provider: model.provider.kind,
    modelRequested: model.provider.model,
    params: call.params,
    vars: context.vars,
    messages: [],
    requestKey: call.key,
    startedAt,
    modelReported,
    output: null,
    finishReason: null,
    usage,
    latencyMs: outcome.latencyMs,
    // A cache hit costs nothing; a fresh call is priced when the table or the config knows the model.
    costUsd: outcome.cached ? 0 : usage ? priceCall(modelReported ?? model.provider.model, usage, model.config.price) : null,
    cached: outcome.cached,
    attempts: outcome.attempts,
    error: outcome.failure ? { code: outcome.failure.error.code, message: outcome.failure.error.message } : null,
    input: call.text,
  };
  if (result) Object.assign(record, call.describe(result));
  return record;
}

/** The params an embeddings request sends: the model entry's `dimensions`, when set. */
function embeddingParams(config: ModelConfig): Record<string, unknown> {
  const dimensions = config.params?.dimensions;
  return dimensions === undefined ? {} : { dimensions };
}

function noEndpoint(model: EndpointModel, endpoint: Endpoint) {
  return providerFailure('provider_error', `model "${model.name}" (${model.provider.kind}) has no ${endpoint} endpoint`, false);
}

function reported(data: Record<string, unknown>): { modelReported?: string } {
  return typeof data.modelReported === 'string' ? { modelReported: data.modelReported } : {};
}

function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'number' && Number.isFinite(x));
}

function isFlagMap(value: unknown): value is Record<string, boolean> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((x) => typeof x === 'boolean');
}

function isScoreMap(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((x) => typeof x === 'number');
}
