import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { findLine } from '../config/source-line.js';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { formatCost } from '../reporters/numbers.js';
import type { SuiteRun } from '../runner/engine.js';
import type { Shard } from '../runner/select.js';
import { estimateCost, type EstimateSuite } from './estimate.js';
import type { BudgetSetting } from './guard.js';

export interface PreflightInput {
  config: ResolvedConfig;
  suites: SuiteRun[];
  /** The run's budget (guard.ts resolveBudget: `--max-cost`, else the config's `budget.maxCostUsd`). */
  budget: BudgetSetting;
  allowOverEstimate?: boolean;
  filter?: string;
  shard?: Shard;
  batch?: boolean;
  /** `--out`: where the last runs are (their average output tokens). @default config.paths.reports */
  reportsDir?: string;
  /** compare / ci with adaptive repeats: calls per case and side are the config's `adaptive.budget`. */
  adaptive?: boolean;
}

/** The budget in force and the estimate made against it (run.json `budget`, with what the run spent). */
export interface Preflight {
  maxCostUsd: number;
  estimateUsd: number;
}

/**
 * Before the first call, with a budget: estimates the run and refuses it (BUDGET_OVER_ESTIMATE,
 * exit 2: nothing is run or written) when the estimate is above the budget, unless
 * `allowOverEstimate`. A model with no price never gets here: guard.ts checkBudgetPrices refuses it first.
 */
export async function checkBudgetBeforeRun(input: PreflightInput): Promise<Preflight> {
  const { config } = input;
  const { maxCostUsd } = input.budget;
  const adaptiveRepeats = input.adaptive ? config.adaptive?.budget : undefined;
  const suites: EstimateSuite[] = input.suites.map((suite) => ({
    plan: suite.plan,
    prompts: [suite.candidate, suite.baseline].flatMap((side) => (side?.kind === 'prompt' ? [side.prompt] : [])),
    ...(adaptiveRepeats !== undefined ? { repeats: Math.max(suite.plan.repeat, Math.ceil(adaptiveRepeats)) } : {}),
  }));
  const estimate = await estimateCost({ config, suites, filter: input.filter, shard: input.shard, batch: input.batch, reportsDir: input.reportsDir });
  if (estimate.usd > maxCostUsd && !input.allowOverEstimate) {
    const where = input.budget.by === '--max-cost' ? { file: '--max-cost' } : await configLocation(config, maxCostUsd);
    throw inputError(
      'BUDGET_OVER_ESTIMATE',
      `the cost estimate ${formatCost(estimate.usd)} is above the budget ${formatCost(maxCostUsd)}: nothing was run`,
      where,
      'pass --allow-over-estimate to run anyway, or raise the budget; `promptgate check` shows the estimate per suite × model',
    );
  }
  return { maxCostUsd, estimateUsd: estimate.usd };
}

/** Where `budget.maxCostUsd` is written: the config file and, when found, its line. */
async function configLocation(config: ResolvedConfig, value: number): Promise<{ file: string; line?: number }> {
  if (!config.configFile) return { file: 'config' };
  const source = await readFile(config.configFile, 'utf8').catch(() => undefined);
  return { file: relative(config.rootDir, config.configFile), line: findLine(source, ['budget', 'maxCostUsd'], value) };
}
