import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { flakinessOf } from '../run-record/flakiness.js';
import type { CaseResult, SideResult } from '../run-record/types.js';
import { escapeControlChars } from '../util/output-guard.js';
import { shorten } from './escape.js';
import { firstOutput, formatScore, sideReasons } from './format.js';
import type { Reporter } from './types.js';

/** Longest output and reason kept per cell (characters). */
const MAX_OUTPUT = 500;
const MAX_REASON = 500;

export const CSV_HEADER = [
  'suite', 'model', 'case id', 'status', 'change', 'score', 'output', 'reason',
  // Per case at the repeat count k (empty without a verdict): graded repeats, how many passed, pass@k, pass^k, flaky on either side.
  'repeats', 'repeats passed', 'pass@k', 'pass^k', 'flaky', 'baseline repeats passed',
  // Answers served from the response cache, per side (the baseline's is empty when there is none).
  'cached', 'baseline cached',
] as const;

/**
 * Characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection list, plus
 * their fullwidth forms, which some spreadsheets also accept).
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * One CSV cell: control characters, line breaks and tabs included, are shown as visible escapes
 * (`\n`, `\x1b`: a cell is one line, so no line-based tool or terminal sees more rows or escape
 * codes than there are); a cell that would start a formula gets a leading `'` (so `=HYPERLINK(…)`
 * in a model output is shown as text, never run); then RFC 4180 quoting for a comma or quote.
 */
export function csvCell(value: string | number | null | undefined): string {
  let text = escapeControlChars(value === null || value === undefined ? '' : String(value));
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per case × model: suite, model, case id, status, change, score, output (shortened), reason, repeats and cache use. */
export function csvRow(result: CaseResult): string {
  const output = firstOutput(result);
  const reason = sideReasons(result).join('; ');
  const candidate = flakinessOf(result);
  const baseline = flakinessOf(result.baseline);
  const cached = (side: SideResult) => side.repeats.filter((r) => r.cached).length;
  return [
    result.suite,
    result.model,
    result.caseId,
    result.status,
    result.change ?? '',
    result.status === 'error' || result.status === 'ungraded' ? '' : formatScore(result.meanScore),
    // Escaped before shortening, so the limit holds for what is written.
    output === null ? '' : shorten(escapeControlChars(output), MAX_OUTPUT),
    shorten(escapeControlChars(reason), MAX_REASON),
    candidate?.k,
    candidate?.passes,
    candidate?.passAtK,
    candidate?.passHatK,
    candidate || baseline ? String(Boolean(candidate?.flaky || baseline?.flaky)) : '',
    baseline?.passes,
    cached(result),
    result.baseline ? cached(result.baseline) : '',
  ]
    .map(csvCell)
    .join(',');
}

/** The whole CSV export (header row; LF line ends, so the file holds no control character but LF). */
export async function renderCsv(cases: AsyncIterable<CaseResult> | Iterable<CaseResult>): Promise<string> {
  const lines = [CSV_HEADER.map(csvCell).join(',')];
  for await (const result of cases) lines.push(csvRow(result));
  return `${lines.join('\n')}\n`;
}

/** `--reporter csv`: writes results.csv into the run folder, row by row (runs can be large). */
export function createCsvReporter(): Reporter {
  return {
    name: 'csv',
    async onRunEnd(_run, cases, runDir) {
      const file = join(runDir, 'results.csv');
      const stream = createWriteStream(file, 'utf8');
      const write = async (text: string) => {
        if (!stream.write(text)) await once(stream, 'drain');
      };
      await write(`${CSV_HEADER.map(csvCell).join(',')}\n`);
      for await (const result of cases()) await write(`${csvRow(result)}\n`);
      stream.end();
      await once(stream, 'close');
      return [file];
    },
  };
}
