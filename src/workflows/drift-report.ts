import type { Reporter } from '../reporters/types.js';
import { sideError } from '../run-record/status.js';
import type { CaseResult, DriftModelChange, DriftNewError, DriftOutputRow, DriftReport, RepeatOutcome, RunFile } from '../run-record/types.js';
import { sameAnswer } from '../tools/diff.js';

/** New errors kept in run.json by name; the rest are counted. */
export const MAX_NEW_ERRORS = 100;

/**
 * Collects drift while the cases stream (each case result carries today's outputs and, as its
 * baseline, the stored run's): changed outputs per suite × model, and new errors. `report()` adds
 * the model version changes once the run's reported versions are known.
 */
export interface DriftCollector {
  reporter: Reporter;
  report(input: { stored: RunFile; storedFile: string; reported: Map<string, Set<string>> }): DriftReport;
}

export function createDriftCollector(): DriftCollector {
  const rows = new Map<string, DriftOutputRow>();
  const newErrors: DriftNewError[] = [];
  let newErrorCount = 0;
  return {
    reporter: {
      name: 'drift',
      onCaseResult(result) {
        const key = JSON.stringify([result.suite, result.model]);
        let row = rows.get(key);
        if (!row) {
          row = { suite: result.suite, model: result.model, compared: 0, changed: 0, share: 0 };
          rows.set(key, row);
        }
        const { compared, changed } = compareOutputs(result);
        row.compared += compared;
        row.changed += changed;
        const error = newError(result);
        if (error) {
          newErrorCount++;
          if (newErrors.length < MAX_NEW_ERRORS) newErrors.push(error);
        }
      },
    },
    report({ stored, storedFile, reported }) {
      const outputs = [...rows.values()].map((row) => ({ ...row, share: row.compared ? row.changed / row.compared : 0 }));
      return {
        baseline: { runId: stored.runId, file: storedFile, startedAt: stored.startedAt },
        outputs,
        newErrorCount,
        newErrors,
        modelChanges: modelChanges(stored, reported),
      };
    },
  };
}

/**
 * Outputs of one case against the stored ones, repeat by repeat. A pair where both calls errored
 * has nothing to compare and is skipped; an error on one side only counts as a changed output. An
 * output is the whole answer (tools/diff.ts sameAnswer): the same text with other tool calls or
 * arguments, or a refusal where there was none, is a changed output.
 */
export function compareOutputs(result: CaseResult): { compared: number; changed: number } {
  const stored = result.baseline?.repeats ?? [];
  let compared = 0;
  let changed = 0;
  for (let i = 0; i < Math.min(stored.length, result.repeats.length); i++) {
    const now = answerOf(result.repeats[i]);
    const before = answerOf(stored[i]);
    if (now === null && before === null) continue;
    compared++;
    if (now === null || before === null || !sameAnswer(now, before)) changed++;
  }
  return { compared, changed };
}

function answerOf(repeat: RepeatOutcome): RepeatOutcome | null {
  return repeat.error || repeat.output === null ? null : repeat;
}

/** A case erroring now that ran without error in the stored run (cases new since then do not count). */
export function newError(result: CaseResult): DriftNewError | undefined {
  if (result.status !== 'error' || !result.baseline || result.baseline.status === 'error') return undefined;
  const error = sideError(result) ?? { code: 'error', message: 'no output' };
  return { suite: result.suite, model: result.model, caseId: result.caseId, code: error.code, message: error.message };
}

/**
 * Models whose reported versions differ from the stored run's. Both sides must have reported
 * something: a custom provider that reports nothing, or a model whose calls all failed, says
 * nothing about its version.
 */
export function modelChanges(stored: Pick<RunFile, 'models'>, reported: Map<string, Set<string>>): DriftModelChange[] {
  const changes: DriftModelChange[] = [];
  for (const [model, versions] of [...reported.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const before = [...new Set(stored.models.find((m) => m.name === model)?.reported ?? [])].sort();
    const after = [...versions].sort();
    if (before.length === 0 || after.length === 0) continue;
    if (before.length !== after.length || before.some((v, i) => v !== after[i])) changes.push({ model, before, after });
  }
  return changes;
}

/** The console block printed after a drift run. Text from the run (model names, ids) is not trusted: `safe` makes it one line. */
export function renderDriftText(drift: DriftReport, safe: (text: string, max?: number) => string): string[] {
  const lines = ['', `Drift against run ${safe(drift.baseline.runId)} (${safe(drift.baseline.file, 120)}, ${drift.baseline.startedAt.slice(0, 10)}):`];
  if (drift.modelChanges.length === 0) lines.push('  model versions: unchanged');
  for (const change of drift.modelChanges) lines.push(`  model version changed: ${safe(change.model)}: ${safe(change.before.join(', '))} → ${safe(change.after.join(', '))}`);
  for (const row of drift.outputs) {
    lines.push(`  changed outputs: ${safe(row.suite)} › ${safe(row.model)}: ${row.changed}/${row.compared} (${(row.share * 100).toFixed(1)}%)`);
  }
  if (drift.newErrorCount === 0) lines.push('  new errors: none');
  else {
    lines.push(`  new errors: ${drift.newErrorCount}`);
    for (const e of drift.newErrors.slice(0, 10)) lines.push(`    ${safe(e.suite)} › ${safe(e.model)} › ${safe(e.caseId)}: ${safe(`${e.code}: ${e.message}`, 100)}`);
    if (drift.newErrorCount > 10) lines.push(`    … and ${drift.newErrorCount - 10} more (run.json \`drift.newErrors\`)`);
  }
  return lines;
}
