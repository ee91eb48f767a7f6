import { formatCost } from '../reporters/numbers.js';
import { DEFAULT_OUTPUT_TOKENS } from './estimate.js';
import { oneLine } from '../reporters/terminal-text.js';
import type { CostEstimate, CostEstimateRow } from './types.js';

/**
 * The estimate as `check` prints it: a table per suite × model (calls, judge calls, input and
 * output tokens, dollars), the total, the models with no price, and how the figures were made.
 * Suite and model names are escaped (terminal-text.ts).
 */
export function renderEstimate(estimate: CostEstimate, options: { cache: boolean }): string[] {
  if (estimate.rows.length === 0) return [];
  const head = ['suite', 'model', 'calls', 'judge calls', 'input tok', 'output tok', 'cost'];
  const body = estimate.rows.map((row) => [
    oneLine(row.suite, 40),
    oneLine(row.model, 30) + (row.batch ? ' (batch)' : ''),
    String(row.calls),
    String(row.judgeCalls),
    `${row.inputTokens}${row.tokenizer === 'approx' ? '~' : ''}`,
    `${Math.round(row.outputTokens)}${outputMark(row)}`,
    row.usd === null ? 'no price' : formatCost(row.usd),
  ]);
  const sum = (key: 'calls' | 'judgeCalls' | 'inputTokens' | 'outputTokens') => estimate.rows.reduce((total, row) => total + row[key], 0);
  const total = ['total', '', String(sum('calls')), String(sum('judgeCalls')), String(sum('inputTokens')), String(Math.round(sum('outputTokens'))), formatCost(estimate.usd)];
  const table = [head, ...body, total];
  const widths = head.map((_, i) => Math.max(...table.map((cells) => cells[i].length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}`.trimEnd();
  const lines = ['Cost estimate of `run` (before any call; compare / ci / drift of two prompt versions make twice the calls):', line(head), ...body.map(line), line(total)];
  if (estimate.unpriced.length) lines.push(`  no price for: ${estimate.unpriced.map((name) => oneLine(name, 30)).join(', ')} (counted as $0; set \`price: { input, output }\` on the model entry)`);
  const notes = [
    estimate.rows.some((row) => row.tokenizer === 'approx') ? 'input tok~: characters / 4 (no tokenizer for that model)' : undefined,
    estimate.rows.some((row) => row.outputFrom === 'last_run') ? 'output tok*: the last complete run\'s average' : undefined,
    estimate.rows.some((row) => row.outputFrom === 'default') ? `output tok†: a default of ${DEFAULT_OUTPUT_TOKENS} a call (no max_tokens, no earlier run)` : undefined,
  ].filter((note) => note !== undefined);
  if (notes.length) lines.push(`  ${notes.join('; ')}`);
  if (options.cache) lines.push('  an upper bound: answers already in the response cache cost nothing');
  return lines;
}

function outputMark(row: CostEstimateRow): string {
  return row.outputFrom === 'last_run' ? '*' : row.outputFrom === 'default' ? '†' : '';
}
