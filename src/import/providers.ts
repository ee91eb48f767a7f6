import { dirname, resolve } from 'node:path';
import { findSecretParam, urlHasCredentials } from '../config/secrets.js';
import { type PathSegment, type Source, asRecord, at, readYamlSource } from './source.js';
import type { Findings, ImportedModel, Where } from './types.js';

/** promptfoo's OpenAI provider kinds that are not Chat Completions (`openai:<kind>:<model>`). */
const OPENAI_OTHER_KINDS = new Set(['completion', 'embedding', 'embeddings', 'responses', 'assistant', 'realtime', 'image', 'moderation', 'transcription', 'agents', 'chatkit', 'codex-sdk', 'video']);

/** Request params copied as they are (promptfoo's config keys that are the APIs' own). */
const OPENAI_PARAMS = new Set(['temperature', 'max_tokens', 'max_completion_tokens', 'top_p', 'frequency_penalty', 'presence_penalty', 'stop', 'seed', 'response_format', 'logit_bias', 'user', 'reasoning_effort', 'service_tier', 'top_logprobs', 'logprobs', 'verbosity']);
const ANTHROPIC_PARAMS = new Set(['temperature', 'max_tokens', 'top_p', 'top_k', 'stop_sequences', 'thinking', 'metadata', 'service_tier']);
/** Keys that change nothing promptgate grades: dropped with a note. */
const DROPPED = new Set(['organization', 'delay', 'cost', 'showThinking', 'stream', 'maxRetries', 'timeout']);

/** A provider as promptfoo lists it, with where it came from. */
interface ProviderEntry {
  id: string;
  label?: string;
  config: Record<string, unknown>;
  prompts?: string[];
  where: Where;
  /** Other keys of the entry (transform, env, …): not converted. */
  extra: Array<{ key: string; where: Where }>;
}

/**
 * Converts `providers` (or `targets`): ids `openai:<model>` / `openai:chat:<model>` (any
 * OpenAI-compatible server through `apiBaseUrl` / `apiHost`), `anthropic:<model>` /
 * `anthropic:messages:<model>`, and `echo`; their `config` becomes the model's params, with
 * promptfoo's defaults (temperature 0, max_tokens 1024) written out. Every other provider, an
 * inline `apiKey` and keys with no promptgate equivalent are problems.
 */
export async function convertProviders(config: Source, root: string, findings: Findings): Promise<ImportedModel[]> {
  const data = asRecord(config.data) ?? {};
  const key = data.providers !== undefined ? 'providers' : 'targets';
  const value = data[key];
  if (value === undefined || value === null) {
    findings.problem(at(config, []), 'the config has no `providers`: no models are converted', 'add models to eval.config.ts by hand');
    return [];
  }
  const entries = await collectEntries(value, config, [key], root, findings);
  const taken = new Set<string>();
  const models: ImportedModel[] = [];
  for (const entry of entries) {
    const model = convertEntry(entry, findings);
    if (!model) continue;
    let name = model.name;
    for (let n = 2; taken.has(name); n++) name = `${model.name}-${n}`;
    taken.add(name);
    models.push({ ...model, name });
  }
  return models;
}

/**
 * Converts one grading provider (`options.provider`: an id, `{id, config}`, or `{text: …}`) as a
 * model named `name`; undefined (with a problem) when it cannot be.
 */
export async function convertGradingProvider(value: unknown, source: Source, path: PathSegment[], root: string, name: string, findings: Findings, options: { endpoint?: boolean } = {}): Promise<ImportedModel | undefined> {
  const record = asRecord(value);
  // promptfoo's map of grading providers by kind ({text, embedding, …}): no `text`, no judge named here.
  if (!options.endpoint && record && record.id === undefined && record.text === undefined && (record.embedding !== undefined || record.classification !== undefined)) return undefined;
  const chosen = record && record.id === undefined && record.text !== undefined ? { value: record.text, path: [...path, 'text'] } : { value, path };
  const [entry] = await collectEntries([chosen.value], source, chosen.path.slice(0, -1), root, findings, chosen.path);
  if (!entry) return undefined;
  // `openai:embedding:<model>` (an embeddings provider) is what the `embedding` grading provider names.
  if (options.endpoint) entry.id = entry.id.replace(/^openai:(?:embeddings?):/, 'openai:');
  const model = convertEntry(entry, findings);
  return model && { ...model, name };
}

async function collectEntries(value: unknown, source: Source, path: PathSegment[], root: string, findings: Findings, itemPath?: PathSegment[]): Promise<ProviderEntry[]> {
  const items = Array.isArray(value) ? value : [value];
  const entries: ProviderEntry[] = [];
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const here = itemPath ?? (Array.isArray(value) ? [...path, index] : path);
    const where = at(source, here);
    if (typeof item === 'string' && item.startsWith('file://') && /\.(ya?ml|json)$/.test(item)) {
      const file = resolve(dirname(source.abs), item.slice(7));
      try {
        const loaded = await readYamlSource(file, root);
        entries.push(...(await collectEntries(loaded.data, loaded, [], root, findings)));
      } catch {
        findings.problem(where, `provider file '${item.slice(7)}' cannot be read; not converted`);
      }
      continue;
    }
    if (typeof item === 'string') {
      entries.push({ id: item, config: {}, where, extra: [] });
      continue;
    }
    const record = asRecord(item);
    if (!record) {
      findings.problem(where, 'a provider that is neither an id nor an object is not converted');
      continue;
    }
    if (typeof record.id === 'string' && record.id.startsWith('file://') && /\.(ya?ml|json)$/.test(record.id)) {
      entries.push(...(await collectEntries(record.id, source, here, root, findings, here)));
      continue;
    }
    // The map form: { 'openai:gpt-4o': { config: … } }.
    const mapKeys = Object.keys(record);
    const isMap = typeof record.id !== 'string' && mapKeys.length === 1 && asRecord(record[mapKeys[0]]) !== undefined;
    const body = isMap ? (record[mapKeys[0]] as Record<string, unknown>) : record;
    const bodyPath = isMap ? [...here, mapKeys[0]] : here;
    const id = isMap ? (typeof body.id === 'string' ? body.id : mapKeys[0]) : record.id;
    if (typeof id !== 'string') {
      findings.problem(where, 'a provider without an `id` is not converted');
      continue;
    }
    const entry: ProviderEntry = { id, config: asRecord(body.config) ?? {}, where: at(source, bodyPath), extra: [] };
    if (typeof body.label === 'string') entry.label = body.label;
    if (Array.isArray(body.prompts)) entry.prompts = body.prompts.filter((p): p is string => typeof p === 'string');
    for (const key of Object.keys(body)) {
      if (!['id', 'label', 'config', 'prompts'].includes(key)) entry.extra.push({ key, where: at(source, [...bodyPath, key]) });
    }
    entries.push(entry);
  }
  return entries;
}

function convertEntry(entry: ProviderEntry, findings: Findings): Omit<ImportedModel, 'name'> & { name: string } | undefined {
  const kind = providerKind(entry.id);
  if ('problem' in kind) {
    findings.problem(entry.where, `provider '${entry.id}' is not converted: ${kind.problem}`, 'add it to models in eval.config.ts by hand; a custom provider function can call anything');
    return undefined;
  }
  for (const { key, where } of entry.extra) {
    if (key === 'delay') findings.note(where, `provider key 'delay' is dropped: promptgate paces calls with the model's rpm / concurrency`);
    else findings.problem(where, `provider key '${key}' is not converted`, key === 'transform' ? 'promptgate grades the model\'s output as it is' : undefined);
  }
  const model: Omit<ImportedModel, 'name'> & { name: string } = {
    name: entry.label ?? (kind.provider === 'echo' ? 'echo' : kind.model),
    provider: kind.provider,
    model: kind.model,
    params: {},
    sourceId: entry.id,
    origin: entry.where,
  };
  if (entry.prompts) model.promptFilter = entry.prompts;
  if (kind.provider === 'echo') return model;
  const allowed = kind.provider === 'openai' ? OPENAI_PARAMS : ANTHROPIC_PARAMS;
  for (const [key, value] of Object.entries(entry.config)) {
    const where = { file: entry.where.file, line: entry.where.line };
    if (allowed.has(key)) model.params[key] = value;
    else if (key === 'passthrough' && asRecord(value)) Object.assign(model.params, value);
    else if (key === 'extra_body' && kind.provider === 'anthropic' && asRecord(value)) Object.assign(model.params, value);
    else if (key === 'apiBaseUrl' && typeof value === 'string') model.baseURL = value.replace(/\/+$/, '');
    else if (key === 'apiHost' && typeof value === 'string') model.baseURL = kind.provider === 'openai' ? `https://${value}/v1` : `https://${value}`;
    else if (key === 'apiKeyEnvar' && typeof value === 'string') model.apiKeyEnv = value;
    else if (key === 'apiKey') findings.problem(where, `provider '${entry.id}': an API key written in the config is not converted: promptgate reads keys from the environment only`, 'put it in an environment variable and name that with apiKeyEnv in eval.config.ts');
    else if (key === 'omitDefaults') continue;
    else if (DROPPED.has(key)) findings.note(where, `provider '${entry.id}': config key '${key}' is dropped (it does not change what is graded)`);
    else if (key === 'tools' || key === 'functions' || key === 'tool_choice') findings.problem(where, `provider '${entry.id}': config key '${key}' is not converted`, 'declare tools in the prompt\'s front matter (tools / toolDefs / toolChoice)');
    else findings.problem(where, `provider '${entry.id}': config key '${key}' is not converted`);
  }
  // Credentials are never written out: the import refuses them as promptgate's config loader does.
  if (model.baseURL && urlHasCredentials(model.baseURL)) {
    findings.problem(entry.where, `provider '${entry.id}' is not converted: its apiBaseUrl holds a credential`, 'put the key in an environment variable and name that with apiKeyEnv in eval.config.ts');
    return undefined;
  }
  for (let secret = findSecretParam(model.params); secret; secret = findSecretParam(model.params)) {
    findings.problem(entry.where, `provider '${entry.id}': config key '${secret.join('.')}' looks like a credential and is not converted`, 'promptgate reads keys from the environment only (apiKeyEnv)');
    delete model.params[String(secret[0])];
  }
  if (entry.config.omitDefaults !== true) addDefaults(model, entry.config);
  if (model.baseURL && !model.apiKeyEnv) {
    findings.note(entry.where, `provider '${entry.id}': promptgate sends no API key to a custom baseURL unless the model names one with apiKeyEnv (promptfoo sent ${kind.provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY'})`);
  }
  return model;
}

/** promptfoo's request defaults, written out so promptgate sends the same request. */
function addDefaults(model: Omit<ImportedModel, 'name'>, config: Record<string, unknown>): void {
  const { params } = model;
  if (model.provider === 'openai') {
    const name = model.model.toLowerCase();
    const reasoning = /(^|\/)(o1|o3|o4|gpt-5)/.test(name);
    if (reasoning) return;
    params.temperature ??= 0;
    params.max_tokens ??= 1024;
    return;
  }
  const thinking = asRecord(config.thinking)?.type === 'enabled' || asRecord(config.thinking)?.type === 'adaptive';
  params.max_tokens ??= thinking ? 2048 : 1024;
  if (!thinking && config.top_p === undefined) params.temperature ??= 0;
}

/** What a promptfoo provider id names. */
function providerKind(id: string): { provider: 'openai' | 'anthropic' | 'echo'; model: string } | { problem: string } {
  if (id === 'echo') return { provider: 'echo', model: 'echo' };
  const parts = id.split(':');
  if (parts[0] === 'openai') {
    if (parts[1] === 'chat') return parts.length > 2 && parts.slice(2).join(':') !== '' ? { provider: 'openai', model: parts.slice(2).join(':') } : { problem: 'it names no model' };
    if (parts.length > 2 && OPENAI_OTHER_KINDS.has(parts[1])) return { problem: `promptgate calls the Chat Completions API, not OpenAI's ${parts[1]} API` };
    if (parts.length >= 2 && parts[1] !== '' && !OPENAI_OTHER_KINDS.has(parts[1])) return { provider: 'openai', model: parts.slice(1).join(':') };
    return { problem: 'it names no model' };
  }
  if (parts[0] === 'anthropic') {
    if (parts[1] === 'messages') return parts.length > 2 ? { provider: 'anthropic', model: parts.slice(2).join(':') } : { problem: 'it names no model' };
    if (parts[1] === 'completion' || parts[1] === 'claude-agent-sdk' || parts[1] === 'claude-code') return { problem: `promptgate calls the Messages API, not ${parts[1]}` };
    if (parts.length >= 2 && parts[1] !== '') return { provider: 'anthropic', model: parts.slice(1).join(':') };
    return { problem: 'it names no model' };
  }
  return { problem: 'promptgate runs openai, anthropic and OpenAI-compatible (apiBaseUrl) providers' };
}
