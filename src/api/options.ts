import { loadConfig } from '../config/load.js';
import type { ConfigOverrides, ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { shardOption } from '../runner/select.js';

/**
 * Options shared by run(), compare(), ci() and drift(): the CLI's flags, camelCase (SPEC §5).
 * Paths are relative to the project root (see Context.cwd), `config` to `cwd`.
 */
export interface CommonOptions {
  /** `--config <file>` (relative to the context's `cwd`). @default eval.config.{ts,mts,js,mjs} in cwd */
  config?: string;
  /** `--model <name>` (repeatable): run on these models; overrides suites and prompts. */
  models?: string[];
  /** `--repeat <n>`: calls per case and model (a whole number ≥ 1). */
  repeat?: number;
  /** `--concurrency <n>`: requests in flight at most (a whole number ≥ 1). */
  concurrency?: number;
  /** `--no-cache`: neither read nor write the response cache. */
  noCache?: boolean;
  /** `--reporter <name>` (repeatable). @default the config's `reporters` */
  reporters?: ConfigOverrides['reporters'];
  /** `--out <dir>`: folder for run folders. @default the config's `reports` (reports/) */
  out?: string;
  /** `--filter <text>`: only cases whose id, description, tags or suite contain this text. */
  filter?: string;
  /** `--shard <i/n>`, e.g. `'2/4'`: the i-th of n deterministic slices of the cases. */
  shard?: string;
  /** `--record`: write successful responses as replay fixtures. */
  record?: boolean;
  /** `--resume <run folder>`: finish an interrupted run, making only the calls that are missing (in batch mode: re-attach to its batches). */
  resume?: string;
  /** `--batch`: send every model's calls through its provider's Batch API (run, compare, drift). */
  batch?: boolean;
  /** `--batch-timeout <duration>` in ms: longest wait for batches, then stop resumable (exit 3). @default config `batch.timeoutMs` */
  batchTimeoutMs?: number;
  /** `--max-cost <usd>`: refuse to start above the estimate, stop new calls before spending more (exit 3). @default config `budget.maxCostUsd` */
  maxCost?: number;
  /** `--allow-over-estimate`: start even when the estimate is above `maxCost` (the run still stops at it). */
  allowOverEstimate?: boolean;
}

/**
 * The options that need no project, checked before it is read (config, prompts, cases): a bad flag
 * is the same one-line exit 2 without the start-up it would cost, and it is the error reported
 * when the project is bad too. `--repeat` / `--concurrency` as the CLI checks them (commander's
 * parsers do it there), `--shard` as the session reads it.
 */
export function checkCommonOptions(options: CommonOptions): void {
  for (const name of ['repeat', 'concurrency'] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw inputError('USAGE', `${name} must be a whole number ≥ 1 (got ${JSON.stringify(value)})`, { file: `--${name}` });
    }
  }
  if (options.batchTimeoutMs !== undefined && (!Number.isInteger(options.batchTimeoutMs) || options.batchTimeoutMs < 1)) {
    throw inputError('USAGE', `batchTimeoutMs must be a whole number of ms ≥ 1 (got ${JSON.stringify(options.batchTimeoutMs)})`, { file: '--batch-timeout' });
  }
  if (options.maxCost !== undefined && !(typeof options.maxCost === 'number' && Number.isFinite(options.maxCost) && options.maxCost > 0)) {
    throw inputError('USAGE', `maxCost must be a positive number of US dollars (got ${JSON.stringify(options.maxCost)})`, { file: '--max-cost' });
  }
  for (const name of ['models', 'suites'] as const) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) {
      throw inputError('USAGE', `${name} must be an array of names`, { file: name });
    }
  }
  shardOption(options.shard);
}

/** Loads the config with the options applied (options > config > defaults). */
export function loadConfigFor(options: CommonOptions, cwd: string): Promise<ResolvedConfig> {
  return loadConfig({
    cwd,
    configFile: options.config,
    overrides: { concurrency: options.concurrency, repeat: options.repeat, cache: options.noCache ? false : undefined, reporters: options.reporters },
  });
}
