/**
 * The cost estimate `check` prints and `--max-cost` checks before the first call (budget/estimate.ts),
 * and the budget a run keeps while it goes (budget/guard.ts).
 */

/** The estimate of one suite × model. */
export interface CostEstimateRow {
  suite: string;
  model: string;
  /** Eval calls: cases × repeats × sides (1 for run, 2 for compare / ci / drift). */
  calls: number;
  /** Judge calls (rubric and model-graded graders: one per graded answer). */
  judgeCalls: number;
  /** Input tokens over all calls: counted on the rendered messages (`tokenizer` says how). */
  inputTokens: number;
  /** Output tokens over all calls: max_tokens, or the last run's average when one is known (`outputFrom`). */
  outputTokens: number;
  /** `tiktoken`: counted with the model's real tokenizer; `approx`: characters / 4 (models with no known tokenizer). */
  tokenizer: 'tiktoken' | 'approx';
  outputFrom: 'max_tokens' | 'last_run' | 'default';
  /** Whether the calls are priced at the batch rate. */
  batch: boolean;
  /** Dollars (eval calls at the model's price, judge calls at the judge's); null when the model has no known price. */
  usd: number | null;
  /** The judge model entry that prices `judgeCalls` (absent when the config names no judge). */
  judge?: string;
  /** Judge calls' input tokens: the judge's instructions, the criteria and the answer (estimated at `outputTokens` a call). */
  judgeInputTokens?: number;
  /** Judge calls' output tokens: the judge's max_tokens, else a default (docs/cost.md). */
  judgeOutputTokens?: number;
}

export interface CostEstimate {
  rows: CostEstimateRow[];
  /** Sum of the rows' dollars (rows with an unknown price count 0 and are named in `unpriced`). */
  usd: number;
  unpriced: string[];
}
