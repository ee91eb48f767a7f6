import type { CaseGrade } from '../graders/types.js';
import type { CaseResult, CaseStatus, RepeatOutcome, RunFormatVersion, RunTotals, SideResult } from './types.js';

/**
 * What one repeat came to: `error` when its call errored or one of its graders errored (no
 * verdict, SPEC §8), `ungraded` when there was nothing to grade it with, else `pass` / `fail`.
 */
export function repeatVerdict(repeat: RepeatOutcome): CaseStatus {
  const grade = repeat.grade;
  if (repeat.error || !grade) return 'error';
  if (grade.errored || grade.assertions.some((a) => a.errored)) return 'error';
  if (grade.ungraded) return 'ungraded';
  return grade.pass ? 'pass' : 'fail';
}

/**
 * A side's status from its repeats: `error` when any repeat has no verdict (the missing verdict
 * might have changed the majority); `ungraded` when no repeat was graded; else `pass` when at least
 * half the graded repeats passed. Pass rate and mean score are over the graded repeats.
 */
export function summariseRepeats(repeats: RepeatOutcome[]): Pick<SideResult, 'status' | 'passRate' | 'meanScore'> {
  const verdicts = repeats.map(repeatVerdict);
  const graded = repeats.filter((_, i) => verdicts[i] === 'pass' || verdicts[i] === 'fail');
  const passes = verdicts.filter((v) => v === 'pass').length;
  const passRate = graded.length ? passes / graded.length : 0;
  const meanScore = graded.length ? graded.reduce((sum, r) => sum + r.grade!.score, 0) / graded.length : 0;
  let status: CaseStatus;
  if (repeats.length === 0 || verdicts.includes('error')) status = 'error';
  else if (graded.length === 0) status = 'ungraded';
  else status = passRate >= 0.5 ? 'pass' : 'fail';
  return { status, passRate, meanScore };
}

/** What format 1 recorded for a case with nothing to grade it: a pass. */
const FORMAT_1_UNGRADED = 'no assertions';

/**
 * A side recorded in format 1, read with format 2's rules: a grade with an errored assertion is no
 * verdict (format 1 counted it a failure), and format 1's `no assertions` pass is `ungraded`.
 * Format 2 sides are returned as they are.
 */
export function upgradeSide<T extends SideResult>(side: T, formatVersion: RunFormatVersion): T {
  if (formatVersion >= 2) return side;
  const repeats = side.repeats.map((r): RepeatOutcome => (r.grade ? { ...r, grade: upgradeGrade(r.grade) } : r));
  return { ...side, repeats, ...summariseRepeats(repeats) };
}

/** A case of a format 1 run with both sides upgraded (its `change` is left for the caller to classify again). */
export function upgradeCase(result: CaseResult, formatVersion: RunFormatVersion): CaseResult {
  if (formatVersion >= 2) return result;
  const upgraded = upgradeSide(result, formatVersion);
  return result.baseline ? { ...upgraded, baseline: upgradeSide(result.baseline, formatVersion) } : upgraded;
}

function upgradeGrade(grade: CaseGrade): CaseGrade {
  if (grade.assertions.some((a) => a.errored)) return { ...grade, pass: false, errored: true };
  if (grade.assertions.length === 0 && grade.reason === FORMAT_1_UNGRADED) return { ...grade, pass: false, score: 0, ungraded: true };
  return grade;
}

/**
 * What left cases without a verdict, by cause: `calls still erroring after retries: server_error ×2; graders that errored: rubric ×1`
 * (errored calls by error code, graders that errored by type). Undefined when nothing errored.
 */
export function describeErrorCauses(totals: RunTotals): string | undefined {
  const list = (counts: Record<string, number> | undefined) => Object.entries(counts ?? {}).map(([key, n]) => `${key} \u00d7${n}`).join(', ');
  const parts: string[] = [];
  if (Object.keys(totals.errorsByCode).length) parts.push(`calls still erroring after retries: ${list(totals.errorsByCode)}`);
  if (Object.keys(totals.graderErrorsByType ?? {}).length) parts.push(`graders that errored: ${list(totals.graderErrorsByType)}`);
  return parts.length ? parts.join('; ') : undefined;
}

/**
 * Why a side has no verdict: its first errored call (`code: message`), else its first grader that
 * errored (code `grader_error`, message `spec: reason`); undefined when neither.
 */
export function sideError(side: SideResult | undefined): { code: string; message: string } | undefined {
  if (!side) return undefined;
  for (const r of side.repeats) if (r.error) return r.error;
  for (const r of side.repeats) {
    const failed = r.grade?.assertions.find((a) => a.errored);
    if (failed) return { code: 'grader_error', message: `${failed.spec}: ${failed.reason}` };
  }
  return undefined;
}
