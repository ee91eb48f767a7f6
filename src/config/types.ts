import type { BatchConfig } from '../batch/types.js';
import type { GradingConfig, JsGraderFunction } from '../graders/types.js';
import type { CustomProvider, ProviderFunction } from '../providers/types.js';
import type { BuiltinReporterName, Reporter, ReporterEntry } from '../reporters/types.js';

import type { ProviderKind } from '../providers/types.js';

export type { ProviderKind };
export type { FactualityScoring, GradingConfig } from '../graders/types.js';

/** One entry of `models`: a name users refer to, mapped to a provider and model id. */
export interface ModelConfig {
  /**
   * `openai`, `anthropic`, `replay`, or a custom provider: `defineProvider({ id, call })` (the id
   * is part of every cache key) or a bare function (keyed by the model entry and its source).
   */
  provider: ProviderKind | CustomProvider | ProviderFunction;
  /** The model id sent to the API (e.g. `gpt-4o-mini`). */
  model: string;
  /** Request params (temperature, max_tokens, ...). A prompt's front-matter `config` overrides them. */
  params?: Record<string, unknown>;
  /** For `openai`: any OpenAI-compatible server. For `anthropic`: a proxy or local server. */
  baseURL?: string;
  /**
   * Name of the environment variable holding the API key. Without it, the API's own endpoint reads
   * OPENAI_API_KEY / ANTHROPIC_API_KEY, and a custom `baseURL` is sent no key at all.
   * @default OPENAI_API_KEY / ANTHROPIC_API_KEY (no `baseURL`); none (a custom `baseURL`)
   */
  apiKeyEnv?: string;
  /** Requests in flight for this model at most. @default the global concurrency */
  concurrency?: number;
  /** Requests per minute at most. @default unlimited */
  rpm?: number;
  /** Tokens per minute at most (input + output, estimated before the call). @default unlimited */
  tpm?: number;
  /** Per-call timeout in ms. @default 60000 */
  timeoutMs?: number;
  /** Retries after the first attempt for retryable faults. @default 4 */
  maxRetries?: number;
  /** Longest wait before a retry, in ms: a longer `Retry-After` is cut to it. @default 60000 */
  maxRetryWaitMs?: number;
  /**
   * Longest time one call may take, in ms, over all its attempts and the waits between them
   * (queueing for a concurrency slot or an rpm/tpm window does not count). Past it the call
   * errors with `deadline_exceeded`. @default 300000
   */
  maxCallMs?: number;
  /** Largest response body, in bytes, as received and after decompression; past it the call errors with `response_too_large`. @default 33554432 (32 MiB) */
  maxResponseBytes?: number;
  /** USD per million tokens; overrides the built-in price table. */
  price?: { input: number; output: number };
  /** Send this model's calls through its provider's Batch API (openai, anthropic), as `--batch` does for every model. @default false */
  batch?: boolean;
  /** For `replay`: the recorded model this replays (fixtures are looked up under this name). @default the model name */
  replayOf?: string;
}

/** The regression gate of `compare`, `ci` and `drift` (and the floor of `run`). */
export interface GateConfig {
  /**
   * An explicit policy for deterministic suites (temperature 0, replay): the gate fails when more
   * cases than this are labelled `regressed`, and, when no more are, that decides the pass. Off by
   * default: the statistical gate decides (docs/compare-and-gate.md).
   */
  maxRegressions?: number;
  /** Candidate pass rate significantly below this fails the gate (and `run`). 0..1. @default 0 */
  minPassRate?: number;
  /** Drop in mean score (baseline − candidate) tolerated. 0..1. @default 0 */
  maxScoreDrop?: number;
  /** Significance level: the whole comparison fails at most this often when nothing changed. @default 0.05 */
  alpha?: number;
  /**
   * Non-inferiority margin δ: a suite × model passes when the lower confidence bound of the
   * pass-rate change is above −δ. 0..1. @default 0.02
   */
  margin?: number;
  /** What `ci` does with an inconclusive gate: exit 1 (`fail`), exit 0 (`pass`), or exit 4 (`neutral`). @default "fail" */
  inconclusive?: 'fail' | 'pass' | 'neutral';
  /**
   * Reuse the baseline's cached answers in `compare` and `ci` even when its draws are noisy
   * (`repeat` > 1 or a temperature that is not 0), instead of drawing them fresh. An explicit
   * trade: fewer calls, but the baseline's sample is frozen across reruns; every report says so.
   * Same as `--baseline-cache` (`--no-baseline-cache` overrides it). @default false
   */
  baselineCache?: boolean;
}

/**
 * Adaptive repeats in `compare` and `ci` (README "Compare and the gate: adaptive repeats"): round 1
 * runs every case `startRepeats` times a side, later rounds add repeats only to the cases whose
 * draws disagree, until the gate fails or the budget is spent.
 */
export interface AdaptiveConfig {
  /** Repeats a side every case runs in round 1 (at least 2). @default 2 */
  startRepeats?: number;
  /** Most repeats a side any case gets (at least startRepeats). @default 10 */
  maxRepeats?: number;
  /** Calls per case per side on average over the whole run, round 1 included: the cost of `--repeat <budget>` (at least startRepeats). @default 5 */
  budget?: number;
}

/** Adaptive repeats after defaults; `enabled` is the config's choice (`--adaptive` / `--no-adaptive` override it). */
export interface ResolvedAdaptive {
  enabled: boolean;
  startRepeats: number;
  maxRepeats: number;
  budget: number;
}

/** The gate after defaults: every key set, except `maxRegressions` (off unless the user sets it). */
export type ResolvedGate = Required<Omit<GateConfig, 'maxRegressions'>> & Pick<GateConfig, 'maxRegressions'>;

/** A grader spec as an object (JSONL `assert` entries and suite `assert`). */
export interface AssertionConfig {
  type: string;
  value?: unknown;
  weight?: number;
  threshold?: number;
  metric?: string;
  /** promptfoo's assertion `config`: what code graders (`javascript`, `python`) get as `context.config`. */
  config?: Record<string, unknown>;
}

export interface SuiteConfig {
  /** @default the prompt id */
  name?: string;
  /** Prompt id (a file in `prompts/`) or a path to a .prompt file. */
  prompt: string;
  /** Case file, folder, or glob. @default evals/<prompt id>.csv|.jsonl|<prompt id>/ */
  cases?: string;
  models?: string[];
  repeat?: number;
  concurrency?: number;
  /** Grader specs applied to every case of the suite. */
  assert?: Array<string | AssertionConfig>;
}

export type ReporterName = BuiltinReporterName;

/**
 * One entry of `reporters`: a built-in name, a Reporter object (`defineReporter({...})`), a module
 * (`./reporters/slack.ts`, `/abs/path.mjs`, or a package name) whose default export is a Reporter
 * or a factory, or `[module, options]` (the options go to the factory). Module paths are relative
 * to the project root.
 */
export type ReporterSpec = ReporterName | Reporter | (string & {}) | [module: string, options?: Record<string, unknown>];

/** What users write in eval.config.ts. Every key is optional. */
export interface UserConfig {
  models?: Record<string, ModelConfig>;
  /** Batch mode (`--batch`, or `batch: true` on a model entry): retries of failed lines, poll interval, longest wait. */
  batch?: BatchConfig;
  /** A cost budget: `maxCostUsd` as `--max-cost` (the flag wins). */
  budget?: { maxCostUsd?: number };
  /** Model name used when neither flags, suite nor prompt name one. */
  defaultModel?: string;
  /** Model name rubric graders use as the judge. */
  judge?: string;
  /**
   * Model name whose embeddings endpoint `similar` (and `answer-relevance`) use: an `openai` entry
   * of `models` (OpenAI, or a compatible server via `baseURL`), e.g.
   * `{ provider: 'openai', model: 'text-embedding-3-small' }`. Its `params.dimensions` is sent when set.
   */
  embedding?: string;
  /**
   * Model name whose moderations endpoint the `moderation` grader asks: an `openai` entry of
   * `models`, e.g. `{ provider: 'openai', model: 'omni-moderation-latest' }`.
   */
  moderation?: string;
  /** Requests in flight at most, over all models. @default 8 */
  concurrency?: number;
  /** Calls per case and model. @default 1 */
  repeat?: number;
  gate?: GateConfig;
  /**
   * Adaptive repeats for `compare` and `ci`: `true` (the defaults), an object (its settings; on),
   * or `false` (off, the default). `--adaptive` turns them on with these settings, `--no-adaptive` off.
   */
  adaptive?: boolean | AdaptiveConfig;
  /** Explicit pairings. @default prompts/<id>.prompt with evals/<id>.csv|.jsonl|<id>/ */
  suites?: SuiteConfig[];
  /**
   * Named graders for `js:<name>` in cases and suites: a function (`defineGrader(...)`), or the path
   * of a module (relative to the project root) whose default export is one.
   */
  graders?: Record<string, JsGraderFunction | string>;
  /** @default "prompts" */
  prompts?: string;
  /** @default "evals" */
  evals?: string;
  /** @default "fixtures" */
  fixtures?: string;
  /** @default "reports" */
  reports?: string;
  /** Response cache folder, or false to disable. @default ".promptgate-cache" */
  cache?: string | false;
  /** Reporters run by `run`, `compare`, `ci`, `drift` and `merge` (see ReporterSpec). @default ["console", "json"] */
  reporters?: ReporterSpec[];
  /**
   * Case files under `evals` that belong to no suite on purpose (globs relative to the project
   * root, e.g. `evals/archive/**`). Any other case file there that pairs with no prompt or suite is
   * an input error in `run`, `check`, `compare`, `ci` and `drift`. @default []
   */
  ignoreCases?: string[];
  /** The prompt registry (`publish`, `promote`, `rollback`, `status`). */
  registry?: RegistryConfig;
  /** Settings of the model-graded graders (promptfoo's `options`). */
  grading?: GradingConfig;
}

/** The prompt registry's settings. */
export interface RegistryConfig {
  /**
   * Store URL: `file:<dir>` (relative to the project root), `postgres://…` or read-only
   * `https://…`. `--store` wins over it; without either, PROMPTGATE_STORE, else the default.
   * @default "file:./registry"
   */
  store?: string;
}

/** The config after defaults and validation; paths are absolute. */
export interface ResolvedConfig {
  rootDir: string;
  /** Absolute path of the config file, or undefined when none was found. */
  configFile?: string;
  models: Record<string, ModelConfig>;
  defaultModel?: string;
  judge?: string;
  /** The model name `similar` embeds with (UserConfig.embedding). */
  embedding?: string;
  /** The model name the `moderation` grader asks (UserConfig.moderation). */
  moderation?: string;
  concurrency: number;
  repeat: number;
  gate: ResolvedGate;
  /** Adaptive repeats: whether the config turns them on, and their settings (defaults filled in). Absent: off, the defaults. */
  adaptive?: ResolvedAdaptive;
  /** Explicit suites, or undefined for the convention. */
  suites?: SuiteConfig[];
  graders: Record<string, JsGraderFunction>;
  paths: { prompts: string; evals: string; fixtures: string; reports: string; cache: string | false };
  reporters: ReporterEntry[];
  /** Globs (relative to rootDir) of case files that pair with nothing on purpose. */
  ignoreCases?: string[];
  /** The config's `registry` (absent when it has none). */
  registry?: RegistryConfig;
  /** The config's `grading` (absent when it has none). */
  grading?: GradingConfig;
  /** The config's `batch` (absent when it has none; batch/defaults fill the rest). */
  batch?: BatchConfig;
  /** The config's `budget` (absent when it has none). */
  budget?: { maxCostUsd?: number };
  /** sha256 of the config's data (functions by name), first 12 hex digits. */
  digest: string;
}

/** What eval.config.ts may export by default: the config, or a (possibly async) function returning it. */
export type UserConfigExport = UserConfig | (() => UserConfig | Promise<UserConfig>);

/** Command-line flags that override the config (SPEC §5 common flags); they win over config and defaults. */
export interface ConfigOverrides {
  /** `--concurrency <n>`: the global limit. */
  concurrency?: number;
  /** `--repeat <n>`: calls per case and model, for every suite. */
  repeat?: number;
  /** `--no-cache`. */
  cache?: false;
  /** `--reporter <name or module>` (repeatable). */
  reporters?: string[];
}
