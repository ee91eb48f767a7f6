import { caseLabel, caseToolDiffLines, groupName, regressionMessage, sideError, sideReasons } from '../reporters/format.js';
import { NotableCases } from '../reporters/severity.js';
import type { CaseResult, RunHeader } from '../run-record/types.js';
import { formatAnnotation } from './github.js';
import type { VersionViolation } from './version-discipline.js';

/** GitHub shows only the first few annotations of a step; past this a notice counts the rest. */
export const MAX_ANNOTATIONS = 50;
const MAX_MESSAGE = 600;

/**
 * Annotation lines for a finished comparison: `::error` per regressed case and per suite × model
 * whose gate failed, `::warning` per errored case, all on the prompt file (the file a prompt pull
 * request changes), regressed before errored cases in report order (severity.ts). `promptFile(promptId)`
 * gives the prompt's repository path.
 */
export async function renderRunAnnotations(run: RunHeader, cases: AsyncIterable<CaseResult> | Iterable<CaseResult>, promptFile: (promptId: string) => string | undefined): Promise<string[]> {
  const lines: string[] = [];
  let dropped = 0;
  const push = (line: string) => {
    if (lines.length < MAX_ANNOTATIONS) lines.push(line);
    else dropped++;
  };
  const promptOfSuite = new Map(run.summary.map((row) => [row.suite, row.promptId]));
  for (const row of run.comparison?.rows ?? []) {
    if (row.verdict !== 'fail') continue;
    const id = promptOfSuite.get(row.suite);
    push(formatAnnotation('error', { file: id ? promptFile(id) : undefined, line: 1, title: `promptgate: ${groupName(row.suite, row.model)} failed the gate` }, clip(row.reasons.join('; ') || 'gate failed')));
  }
  // Regressed cases (errors), then errored ones (warnings), each flakiest first then in run order (severity.ts).
  const notable = new NotableCases(MAX_ANNOTATIONS);
  for await (const result of cases) notable.offer(result);
  for (const result of notable.list('regressed')) {
    const where = `${groupName(result.suite, result.model)} › ${caseLabel(result)}`;
    const message = [regressionMessage(result), ...caseToolDiffLines(result, { maxLines: 8, maxValue: 60 }), ...sideReasons(result)].join('\n');
    push(formatAnnotation('error', { file: promptFile(result.promptId), line: 1, title: `promptgate: regressed: ${clip(where, 120)}` }, clip(`${where}: ${message}`)));
  }
  dropped += notable.counts.regressed - notable.list('regressed').length;
  for (const result of notable.list('errored')) {
    const where = `${groupName(result.suite, result.model)} › ${caseLabel(result)}`;
    const side = result.status === 'error' || !result.baseline ? result : result.baseline;
    const error = sideError(side);
    const which = side === result ? 'candidate' : 'baseline';
    push(formatAnnotation('warning', { file: promptFile(result.promptId), line: 1, title: `promptgate: errored: ${clip(where, 120)}` }, clip(`${where}: ${which} errored${error ? `: ${error.code}: ${error.message}` : ''}`)));
  }
  dropped += notable.counts.errored - notable.list('errored').length;
  if (dropped > 0) lines.push(formatAnnotation('notice', { title: 'promptgate' }, `${dropped} more annotation(s) not shown: see the step summary and the reports artifact`));
  return lines;
}

/** One `::error` per version-discipline violation, on the prompt's `version:` line. */
export function renderViolationAnnotations(violations: VersionViolation[]): string[] {
  return violations.map((v) =>
    formatAnnotation('error', { file: v.repoPath, line: v.line, title: v.kind === 'not-bumped' ? 'promptgate: version not bumped' : 'promptgate: version went down' }, v.message),
  );
}

function clip(text: string, max = MAX_MESSAGE): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
