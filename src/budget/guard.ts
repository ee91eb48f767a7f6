import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { findLine } from '../config/source-line.js';
import type { ModelConfig, ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { lookupPrice } from '../providers/prices.js';

/**
 * The cost budget a run keeps while it goes (`--max-cost`, config `budget.maxCostUsd`; docs/budget.md).
 *
 * The scheduler asks `admit` as each attempt is about to start (after it got its concurrency slot
 * and rate window, so a queue of waiting calls reserves nothing) with the attempt's estimated cost,
 * and the attempt is refused when what was spent, plus the estimates of the attempts in flight,
 * plus this estimate would pass the limit. From the first refusal on every attempt is refused:
 * nothing new starts, what is in flight finishes and its actual cost counts. An attempt's ticket
 * is settled in the same synchronous step that ends it, so its cost moves from "in flight" to
 * "spent" with no gap another attempt could slip through.
 *
 * Estimates under-run when an answer is longer than the estimate assumed: each model's estimates are
 * scaled up by the largest ratio of actual to estimated cost seen so far in the run (never down).
 */
export interface BudgetGuard {
  readonly maxCostUsd: number;
  /** Actual cost of the attempts that finished (USD). */
  readonly spentUsd: number;
  /** Estimated cost of the attempts in flight (USD). */
  readonly reservedUsd: number;
  /** Whether an attempt was refused: from then on every attempt is. */
  readonly exhausted: boolean;
  /** Asked as an attempt starts: its ticket, or undefined when it is refused. A zero estimate (a free call) is admitted until the first refusal. */
  admit(model: string, estimateUsd: number): BudgetTicket | undefined;
}

export interface BudgetTicket {
  /**
   * The attempt ended: `actualUsd` is what it cost. `measured`: priced from the usage the server
   * reported (it then also corrects the model's later estimates); false when the cost is not known
   * and the estimate stands in for it.
   */
  settle(actualUsd: number, measured: boolean): void;
}

export function createBudgetGuard(maxCostUsd: number, onExhausted?: (state: { spentUsd: number; reservedUsd: number; refusedUsd: number; model: string }) => void): BudgetGuard {
  let spent = 0;
  let reserved = 0;
  let exhausted = false;
  /** Per model, the factor its estimates are scaled by (≥ 1). */
  const scale = new Map<string, number>();
  return {
    maxCostUsd,
    get spentUsd() {
      return spent;
    },
    get reservedUsd() {
      return Math.max(0, reserved);
    },
    get exhausted() {
      return exhausted;
    },
    admit(model, estimateUsd) {
      if (exhausted) return undefined;
      const estimate = estimateUsd * (scale.get(model) ?? 1);
      if (estimate !== 0 && !(spent + reserved + estimate <= maxCostUsd)) {
        exhausted = true;
        onExhausted?.({ spentUsd: spent, reservedUsd: Math.max(0, reserved), refusedUsd: estimate, model });
        return undefined;
      }
      reserved += estimate;
      let settled = false;
      return {
        settle(actualUsd, measured) {
          if (settled) return;
          settled = true;
          reserved -= estimate;
          spent += Number.isFinite(actualUsd) && actualUsd > 0 ? actualUsd : 0;
          if (measured && estimateUsd > 0 && actualUsd > estimateUsd) scale.set(model, Math.max(scale.get(model) ?? 1, actualUsd / estimateUsd));
        },
      };
    },
  };
}

/** Where a run's budget comes from: the flag (or API option) wins over the config. */
export interface BudgetSetting {
  maxCostUsd: number;
  /** `--max-cost` or `budget.maxCostUsd`: named in messages. */
  by: '--max-cost' | 'budget.maxCostUsd';
}

/** The run's budget: `maxCost` (flag / API option), else the config's `budget.maxCostUsd`, else none. Exit 2 for a value that is not a positive number. */
export function resolveBudget(maxCost: number | undefined, config: ResolvedConfig): BudgetSetting | undefined {
  if (maxCost !== undefined) {
    if (typeof maxCost !== 'number' || !Number.isFinite(maxCost) || maxCost <= 0) {
      throw inputError('USAGE', `--max-cost must be a number of US dollars above 0 (got ${JSON.stringify(maxCost)})`, { file: '--max-cost' }, 'e.g. --max-cost 5 for five dollars');
    }
    return { maxCostUsd: maxCost, by: '--max-cost' };
  }
  const configured = config.budget?.maxCostUsd;
  return configured === undefined ? undefined : { maxCostUsd: configured, by: 'budget.maxCostUsd' };
}

/**
 * A budget cannot be kept on calls whose cost is unknown: exit 2, before anything runs, naming the
 * first model entry the run may call (its suites' models, the judge, the embedding model) that has
 * no price (neither the config's `price` nor the built-in table's). Replay costs nothing; a
 * moderation endpoint is free.
 */
export function checkBudgetPrices(config: ResolvedConfig, models: readonly string[], budget: BudgetSetting): void {
  const names = new Set([...models, ...(config.judge ? [config.judge] : []), ...(config.embedding ? [config.embedding] : [])]);
  for (const name of names) {
    const model = config.models[name];
    if (!model || isPriced(model)) continue;
    const file = config.configFile ? relative(config.rootDir, config.configFile) : 'config';
    const line = config.configFile ? findLine(readSource(config.configFile), ['models', name]) : undefined;
    const role = name === config.judge && !models.includes(name) ? 'the judge ' : name === config.embedding && !models.includes(name) ? 'the embedding model ' : '';
    throw inputError(
      'CONFIG_INVALID',
      `${role}models.${name} (${JSON.stringify(model.model)}) has no known price, so the cost budget (${budget.by} ${budget.maxCostUsd}) cannot be kept on its calls`,
      { file, ...(line ? { line } : {}) },
      'give the model entry `price: { input, output }` in USD per million tokens (0 for a free model), or run without a budget',
    );
  }
}

/** Whether a model entry's calls have a known cost: replay (free), a `price` in the config, or the table's price for its model id. */
export function isPriced(model: ModelConfig): boolean {
  return model.provider === 'replay' || model.price !== undefined || lookupPrice(model.model) !== undefined;
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
