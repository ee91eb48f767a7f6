import type { BatchLogState } from '../batch/batch-log.js';
import { DEFAULT_BATCH } from '../config/defaults.js';
import type { BatchConfig } from '../batch/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { providerLabel } from '../providers/custom.js';
import type { Provider } from '../providers/types.js';
import type { SuiteRun } from './engine.js';

export interface BatchMode {
  /** The model entries whose calls go through their provider's Batch API. */
  models: ReadonlySet<string>;
  config: Required<BatchConfig>;
  resumed?: BatchLogState;
}

/**
 * Which model entries run in batch mode: every one with `--batch`, else those with `batch: true`
 * (the judge too, when it is one of them). A batched entry whose provider has no Batch API is bad
 * input (exit 2, one line naming it) before anything runs. Undefined: no batch mode.
 */
export function batchModeOf(
  config: ResolvedConfig,
  suites: SuiteRun[],
  flags: { batch?: boolean; batchTimeoutMs?: number },
  providers: (name: string) => Provider,
): Omit<BatchMode, 'resumed'> | undefined {
  const used = new Set(suites.flatMap((s) => s.plan.models));
  if (config.judge) used.add(config.judge);
  const models = new Set<string>();
  for (const name of used) {
    const model = config.models[name];
    if (!model || !(flags.batch || model.batch)) continue;
    if (!providers(name).batch) {
      const by = flags.batch ? { file: '--batch' } : { file: config.configFile ?? 'config' };
      throw inputError(
        flags.batch ? 'USAGE' : 'CONFIG_INVALID',
        `model entry "${name}" (provider ${providerLabel(model.provider)}) has no Batch API, so it cannot run in batch mode${flags.batch ? ' (--batch)' : ' (its `batch: true`)'}`,
        by,
        'batch mode needs a provider with a Batch API (openai, anthropic); run this model without batch mode, or leave it out with --model',
      );
    }
    models.add(name);
  }
  if (models.size === 0) return undefined;
  return { models, config: { ...DEFAULT_BATCH, ...config.batch, ...(flags.batchTimeoutMs !== undefined ? { timeoutMs: flags.batchTimeoutMs } : {}) } };
}

/** A shell word: as it is when it is safe, else single-quoted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** `promptgate <command> <args…>`, each argument shell-quoted: the command that resumes a run. */
export function commandLine(command: string, args: string[]): string {
  return ['promptgate', command, ...args].map(shellWord).join(' ');
}

/** A duration as people write it: `90 s`, `12 min`, `2.5 h`. */
export function durationText(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}
