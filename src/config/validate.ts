import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { inputError, type ErrorCode, type PromptgateError } from '../errors.js';
import { validate as generatedValidator } from './config-validator.generated.js';
import { explainSchemaErrors, formatPath, type ConfigProblem } from './schema-errors.js';
import { findLine, type PathSegment } from './source-line.js';
import { findSecretParam, urlHasCredentials } from './secrets.js';
import { closestMatch } from './suggest.js';
import { DEFAULT_ADAPTIVE } from './defaults.js';
import type { UserConfig } from './types.js';

/** The config schema, compiled ahead of time (see validator-codegen.ts). */
const configValidator = generatedValidator as ValidateFunction;

/**
 * Checks a loaded config against the schema and the cross-references ajv cannot see (model names).
 * Throws a one-line PromptgateError (CONFIG_INVALID or MODEL_UNKNOWN) about the first problem,
 * naming `file` and the key path. The config is a module, so a key's line is not generally
 * knowable; `:line` is added when the key can be found in the file's text (`source`; read from
 * `file` when omitted), see findLine. Returns the same object, typed.
 */
export function validateUserConfig(value: unknown, file: string, source?: string): UserConfig {
  const text = source ?? readSource(file);
  const validate = configValidator;
  if (!validate(value)) {
    const { problem, count } = explainSchemaErrors(validate.errors ?? [], value);
    const more = count > 1 ? `${count - 1} more problem${count > 2 ? 's' : ''} in the config` : undefined;
    throw configError('CONFIG_INVALID', file, text, { ...problem, hint: problem.hint ?? more });
  }
  const config = value as UserConfig;
  checkModelReferences(config, file, text);
  checkSuiteNames(config, file, text);
  checkNoCredentials(config, file, text);
  checkAdaptive(config, file, text);
  return config;
}

/** `adaptive`: maxRepeats and budget cannot be below startRepeats (round 1 alone runs that many). */
function checkAdaptive(config: UserConfig, file: string, source: string | undefined): void {
  if (typeof config.adaptive !== 'object') return;
  const start = config.adaptive.startRepeats ?? DEFAULT_ADAPTIVE.startRepeats;
  for (const key of ['maxRepeats', 'budget'] as const) {
    const value = config.adaptive[key] ?? DEFAULT_ADAPTIVE[key];
    if (value < start) {
      const path = ['adaptive', config.adaptive[key] === undefined ? 'startRepeats' : key];
      throw configError('CONFIG_INVALID', file, source, {
        path,
        value: config.adaptive[key] ?? start,
        text: `adaptive.${key} ${value} is below adaptive.startRepeats ${start}`,
        hint: key === 'budget' ? 'the budget counts round 1, which runs every case startRepeats times a side' : 'round 1 already runs every case startRepeats times a side',
      });
    }
  }
}

/** Keys come from the environment only: a credential in a model's baseURL or params is refused (never printed). */
function checkNoCredentials(config: UserConfig, file: string, source: string | undefined): void {
  const hint = 'API keys come from the environment only: put the key in an environment variable and name it in `apiKeyEnv`';
  for (const [name, model] of Object.entries(config.models ?? {})) {
    if (typeof model.baseURL === 'string' && urlHasCredentials(model.baseURL)) {
      const path = ['models', name, 'baseURL'];
      throw configError('CONFIG_INVALID', file, source, { path, value: model.baseURL, text: `${formatPath(path)} holds a credential (user:password@, a key, or a key parameter)`, hint });
    }
    const found = findSecretParam(model.params, ['models', name, 'params']);
    if (found) throw configError('CONFIG_INVALID', file, source, { path: found, text: `${formatPath(found)} looks like a credential`, hint });
  }
}

function checkModelReferences(config: UserConfig, file: string, source: string | undefined): void {
  const known = Object.keys(config.models ?? {});
  const check = (path: PathSegment[], name: string | undefined) => {
    if (name === undefined || Object.hasOwn(config.models ?? {}, name)) return;
    const list = known.length ? `known models: ${known.map((model) => JSON.stringify(model)).join(', ')}` : 'no models are configured';
    const match = closestMatch(name, known);
    const suggestion = match === undefined ? '' : `did you mean "${match}"? `;
    throw configError('MODEL_UNKNOWN', file, source, {
      path,
      value: name,
      text: `${formatPath(path)} "${name}" is not a model in models (${suggestion}${list})`,
    });
  };
  check(['defaultModel'], config.defaultModel);
  check(['judge'], config.judge);
  check(['embedding'], config.embedding);
  check(['moderation'], config.moderation);
  // Only the OpenAI API (and compatible servers) has embeddings and moderations endpoints.
  for (const key of ['embedding', 'moderation'] as const) {
    const name = config[key];
    const kind = name === undefined ? undefined : config.models?.[name]?.provider;
    if (name === undefined || kind === 'openai') continue;
    const what = kind === 'anthropic' ? 'an anthropic model' : typeof kind === 'string' ? `a ${kind} model` : 'a custom provider';
    throw configError('CONFIG_INVALID', file, source, {
      path: [key],
      value: name,
      text: `${key} "${name}" is ${what}: only an openai model entry has ${key === 'embedding' ? 'an embeddings' : 'a moderations'} endpoint`,
      hint: key === 'embedding'
        ? "add a model such as { provider: 'openai', model: 'text-embedding-3-small' } (or an OpenAI-compatible baseURL) and name it here"
        : "add a model such as { provider: 'openai', model: 'omni-moderation-latest' } and name it here",
    });
  }
  for (const [i, suite] of (config.suites ?? []).entries()) {
    for (const [j, name] of (suite.models ?? []).entries()) check(['suites', i, 'models', j], name);
  }
}

function checkSuiteNames(config: UserConfig, file: string, source: string | undefined): void {
  const seen = new Map<string, number>();
  config.suites?.forEach((suite, i) => {
    const name = suite.name ?? promptId(suite.prompt);
    const first = seen.get(name);
    if (first !== undefined) {
      throw configError('CONFIG_INVALID', file, source, {
        path: ['suites', i, suite.name === undefined ? 'prompt' : 'name'],
        value: suite.name ?? suite.prompt,
        text: `suites[${i}] has the same name as suites[${first}] ("${name}")`,
        hint: 'give each suite a distinct name',
      });
    }
    seen.set(name, i);
  });
}

/** `prompts/support/reply.prompt` → `reply`; a bare id stays as it is. */
function promptId(prompt: string): string {
  return (prompt.split(/[\\/]/).pop() ?? prompt).replace(/\.prompt$/, '');
}

function configError(code: ErrorCode, file: string, source: string | undefined, problem: ConfigProblem): PromptgateError {
  const line = findLine(source, problem.path, problem.value);
  return inputError(code, `${file}${line ? `:${line}` : ''}: ${problem.text}`, { file, line }, problem.hint);
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
