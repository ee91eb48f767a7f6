import type { DriftReport } from '../run-record/types.js';
import { escapeMarkdownCell, escapeMarkdownInline } from './escape.js';
import { formatPercent } from './format.js';

/**
 * The drift section of summary.md (runs made by `promptgate drift`): model versions that changed,
 * the share of outputs that changed per suite × model, and new errors. Text from the run is escaped.
 */
export function renderDriftMarkdown(drift: DriftReport, maxErrors = 20): string {
  const cell = escapeMarkdownCell;
  const lines = ['## Drift', '', `Against stored run \`${drift.baseline.runId.replace(/`/g, '')}\` (${escapeMarkdownInline(drift.baseline.file)}, ${escapeMarkdownInline(drift.baseline.startedAt)}).`, ''];
  if (drift.modelChanges.length === 0) lines.push('Model versions: unchanged.', '');
  else {
    lines.push('| Model | Reported before | Reported now |', '| --- | --- | --- |');
    for (const change of drift.modelChanges) lines.push(`| ${cell(change.model)} | ${cell(change.before.join(', '))} | ${cell(change.after.join(', '))} |`);
    lines.push('');
  }
  if (drift.outputs.length > 0) {
    lines.push('| Suite | Model | Changed outputs | Share |', '| --- | --- | ---: | ---: |');
    for (const row of drift.outputs) lines.push(`| ${cell(row.suite)} | ${cell(row.model)} | ${row.changed} / ${row.compared} | ${formatPercent(row.share)} |`);
    lines.push('');
  }
  if (drift.newErrorCount === 0) lines.push('New errors: none.', '');
  else {
    lines.push(`New errors (${drift.newErrorCount}):`, '', '| Case | Suite › model | Error |', '| --- | --- | --- |');
    for (const e of drift.newErrors.slice(0, maxErrors)) lines.push(`| ${cell(e.caseId)} | ${cell(`${e.suite} › ${e.model}`)} | ${cell(`${e.code}: ${e.message}`)} |`);
    if (drift.newErrorCount > maxErrors) lines.push('', `…and ${drift.newErrorCount - maxErrors} more.`);
    lines.push('');
  }
  return lines.join('\n');
}
