import { isAbsolute, relative, resolve } from 'node:path';
import { PromptgateError } from '../errors.js';
import { shortHash, stableStringify } from '../util/hash.js';
import { DEFAULT_ADAPTIVE, DEFAULT_CONCURRENCY, DEFAULT_GATE, DEFAULT_PATHS, DEFAULT_REPEAT, DEFAULT_REPORTERS } from './defaults.js';
import type { JsGraderFunction } from '../graders/types.js';
import { reporterEntries, type ConfigSite } from './plugins.js';
import type { ConfigOverrides, GateConfig, ResolvedConfig, ResolvedGate, UserConfig } from './types.js';

/**
 * Applies defaults and command-line flags to a validated user config. Precedence lives here and
 * only here: flags (`overrides`) > config > defaults. A `--repeat` flag also beats a suite's
 * `repeat`; `--concurrency` sets the global limit (suite and model limits still apply under it).
 * Paths become absolute (relative ones are relative to `rootDir`).
 *
 * `digest` identifies what in the effective config changes results (see digestOf): the same on
 * every machine, for every key order, and for settings that only change how fast or where reports go.
 */
export function resolveConfig(user: UserConfig, rootDir: string, configFile?: string, overrides: ConfigOverrides = {}, site?: ConfigSite): ResolvedConfig {
  checkOverrides(overrides);
  const root = resolve(rootDir);
  const gate: ResolvedGate = { ...DEFAULT_GATE };
  for (const [key, value] of Object.entries(user.gate ?? {})) if (value !== undefined) Object.assign(gate, { [key as keyof GateConfig]: value });

  const suites = user.suites?.map((suite) => (overrides.repeat === undefined ? { ...suite } : { ...suite, repeat: overrides.repeat }));
  const cache = overrides.cache === false || user.cache === false ? false : (user.cache ?? DEFAULT_PATHS.cache);
  const relativePaths = {
    prompts: user.prompts ?? DEFAULT_PATHS.prompts,
    evals: user.evals ?? DEFAULT_PATHS.evals,
    fixtures: user.fixtures ?? DEFAULT_PATHS.fixtures,
    reports: user.reports ?? DEFAULT_PATHS.reports,
    cache,
  };

  const resolved: Omit<ResolvedConfig, 'digest'> = {
    rootDir: root,
    configFile: configFile === undefined ? undefined : resolve(root, configFile),
    models: { ...user.models },
    defaultModel: user.defaultModel,
    judge: user.judge,
    ...(user.embedding === undefined ? {} : { embedding: user.embedding }),
    ...(user.moderation === undefined ? {} : { moderation: user.moderation }),
    concurrency: overrides.concurrency ?? user.concurrency ?? DEFAULT_CONCURRENCY,
    repeat: overrides.repeat ?? user.repeat ?? DEFAULT_REPEAT,
    gate,
    ...(user.adaptive === undefined ? {} : { adaptive: { ...DEFAULT_ADAPTIVE, ...(typeof user.adaptive === 'object' ? user.adaptive : {}), enabled: user.adaptive !== false } }),
    suites,
    // Module-path graders are imported by loadConfig (plugins.ts) before this; only functions are graders.
    graders: Object.fromEntries(Object.entries(user.graders ?? {}).filter((entry): entry is [string, JsGraderFunction] => typeof entry[1] === 'function')),
    paths: {
      prompts: resolve(root, relativePaths.prompts),
      evals: resolve(root, relativePaths.evals),
      fixtures: resolve(root, relativePaths.fixtures),
      reports: resolve(root, relativePaths.reports),
      cache: cache === false ? false : resolve(root, cache),
    },
    reporters: overrides.reporters
      ? reporterEntries(overrides.reporters, root, site, true)
      : reporterEntries(user.reporters ?? DEFAULT_REPORTERS, root, site, false),
    ignoreCases: user.ignoreCases ? [...user.ignoreCases] : undefined,
    ...(user.registry ? { registry: { ...user.registry } } : {}),
    ...(user.grading ? { grading: structuredClone(user.grading) } : {}),
    ...(user.batch ? { batch: { ...user.batch } } : {}),
    ...(user.budget ? { budget: { ...user.budget } } : {}),
  };

  return { ...resolved, digest: digestOf(resolved) };
}

/**
 * Config keys that change no result, left out of the digest. Everything else is digested, keys
 * added later included. Concurrency and rate limits change only how fast calls are made; timeouts
 * and retries (with their wait caps and the reply size cap) only how hard a call is tried: an answer and its grade do not depend on them (a call
 * that still fails is `errored`, never a different pass or fail). Reporters and the report and
 * cache folders change where things are written, not what; `ignoreCases` only silences the
 * orphan-file check (an ignored file is read by no suite); `registry` is where publish writes;
 * batch mode (`batch`, a model's `batch`) changes how calls travel and what they cost, not what is
 * asked or answered, and `budget` only where a run stops.
 */
export const NOT_DIGESTED = {
  config: ['rootDir', 'configFile', 'concurrency', 'reporters', 'ignoreCases', 'registry', 'batch', 'budget'],
  paths: ['reports', 'cache'],
  model: ['concurrency', 'rpm', 'tpm', 'timeoutMs', 'maxRetries', 'maxRetryWaitMs', 'maxCallMs', 'maxResponseBytes', 'batch'],
  suite: ['concurrency'],
} as const;

/**
 * First 12 hex digits of the sha256 of the config's result-changing data (all but NOT_DIGESTED) in
 * a stable key order, with paths relative to `rootDir` and functions (custom providers, graders)
 * as their name and a hash of their source text, so editing one changes the digest.
 */
export function digestOf(resolved: Omit<ResolvedConfig, 'digest'>): string {
  const data: Record<string, unknown> = omit(resolved, NOT_DIGESTED.config) as Record<string, unknown>;
  const paths = omit(resolved.paths, NOT_DIGESTED.paths) as Record<string, string | false>;
  data.paths = Object.fromEntries(Object.entries(paths).map(([key, value]) => [key, value === false ? false : portable(resolved.rootDir, value)]));
  data.models = Object.fromEntries(Object.entries(resolved.models).map(([name, model]) => [name, omit(model, NOT_DIGESTED.model)]));
  if (resolved.suites) data.suites = resolved.suites.map((suite) => omit(suite, NOT_DIGESTED.suite));
  return shortHash(stableStringify(withFunctionSources(data)));
}

function omit<T extends object>(value: T, keys: readonly string[]): Partial<T> {
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of keys) delete copy[key];
  return copy as Partial<T>;
}

/** Flags come from the command line, not the config: a bad one is a usage error (exit 2). */
function checkOverrides(overrides: ConfigOverrides): void {
  for (const flag of ['concurrency', 'repeat'] as const) {
    const value = overrides[flag];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new PromptgateError('USAGE', `--${flag} must be an integer ≥ 1 (got ${String(value)})`);
    }
  }
  for (const name of overrides.reporters ?? []) {
    if (typeof name !== 'string' || name.trim() === '') throw new PromptgateError('USAGE', '--reporter needs a built-in reporter name, a module path or a package name');
  }
}

/** A path inside the project as a `/`-separated relative path; one outside it stays absolute. */
function portable(root: string, path: string): string {
  const rel = relative(root, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel.split('\\').join('/');
}

/** A copy with every function replaced by `"[function <name> <hash of its source>]"`, for hashing. */
function withFunctionSources(value: unknown): unknown {
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'} ${shortHash(Function.prototype.toString.call(value))}]`;
  if (Array.isArray(value)) return value.map(withFunctionSources);
  if (value && typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, withFunctionSources(entry)]));
  }
  return value;
}
