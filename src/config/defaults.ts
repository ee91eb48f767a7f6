import type { BatchConfig } from '../batch/types.js';
import type { ReporterName, ResolvedGate } from './types.js';

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_REPEAT = 1;
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 4;
export const DEFAULT_MAX_RETRY_WAIT_MS = 60_000;
export const DEFAULT_MAX_CALL_MS = 300_000;
/** 32 MiB: far beyond any chat completion, far below what would hurt a CI machine. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** No `maxRegressions`: that policy is off unless the user sets it. */
export const DEFAULT_GATE: ResolvedGate = { minPassRate: 0, maxScoreDrop: 0, alpha: 0.05, margin: 0.02, inconclusive: 'fail', baselineCache: false };
export const DEFAULT_REPORTERS: ReporterName[] = ['console', 'json'];
export const DEFAULT_PATHS = { prompts: 'prompts', evals: 'evals', fixtures: 'fixtures', reports: 'reports', cache: '.promptgate-cache' } as const;
export const CONFIG_FILE_NAMES = ['eval.config.ts', 'eval.config.mts', 'eval.config.js', 'eval.config.mjs'] as const;
/** Batch mode (`batch` in the config): failed lines sent again in a batch, a poll every 30 s, at most 24 h of waiting. */
export const DEFAULT_BATCH = { retry: 'batch', pollMs: 30_000, timeoutMs: 86_400_000 } as const satisfies Required<BatchConfig>;
/** Adaptive repeats: 2 repeats a side in round 1, at most 10 a case, the calls of `--repeat 5` in all. */
export const DEFAULT_ADAPTIVE = { startRepeats: 2, maxRepeats: 10, budget: 5 } as const;
