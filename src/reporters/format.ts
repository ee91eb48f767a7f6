import type { CaseResult, ComparisonSideInfo, GateVerdict, RunHeader, SideResult } from '../run-record/types.js';
export { sideError } from '../run-record/status.js';

/**
 * Plain-text formatting shared by the file reporters (numbers, verdicts, failure reasons).
 * Output of these functions is still untrusted text: callers escape it for their format.
 */

/** The gate verdict of a run: its own gate, else the comparison's. */
export function gateOf(run: RunHeader): GateVerdict | undefined {
  return run.gate ?? run.comparison?.gate;
}

export interface VerdictLabel {
  kind: 'pass' | 'fail' | 'inconclusive' | 'none';
  icon: string;
  text: string;
}

/**
 * One side of a comparison in one line, naming its commit and each prompt's content hash:
 * `git 3f2a1b0 (HEAD~1): shout@1.0.0 a1b2c3d4e5f6, echo: none (new prompt, no baseline)`.
 * Runs written before these fields existed show the label alone.
 */
export function describeSide(info: ComparisonSideInfo, maxPrompts = 8): string {
  const short = info.commit?.slice(0, 7);
  const head = short && !info.label.includes(short) ? `${info.label} (git ${short})` : info.label;
  const parts = [
    ...new Set(
      (info.prompts ?? []).map((p) => {
        if (p.missing) return `${p.id}: none (new prompt, no baseline)`;
        const at = p.commit && p.commit !== info.commit ? ` (git ${p.commit.slice(0, 7)})` : '';
        return `${p.id}@${p.version ?? '?'} ${p.hash ?? '(hash not recorded)'}${at}`;
      }),
    ),
  ];
  if (parts.length === 0) return head;
  const shown = parts.length > maxPrompts ? [...parts.slice(0, maxPrompts), `${parts.length - maxPrompts} more in run.json`] : parts;
  return `${head}: ${shown.join(', ')}`;
}

/** `✅ pass`, `❌ fail`, `❔ inconclusive` (exit 4), `⚠️ no verdict` (errors left none), or `ℹ️ no gate` when none was evaluated. */
export function verdictLabel(gate: GateVerdict | undefined): VerdictLabel {
  if (!gate) return { kind: 'none', icon: 'ℹ️', text: 'no gate' };
  if (gate.verdict === 'pass') return { kind: 'pass', icon: '✅', text: 'pass' };
  if (gate.verdict === 'fail') return { kind: 'fail', icon: '❌', text: 'fail' };
  if (gate.verdict === 'inconclusive') return { kind: 'inconclusive', icon: '❔', text: 'inconclusive' };
  return { kind: 'none', icon: '⚠️', text: 'no verdict' };
}

/** 0.8312 → `83.1%`. */
export function formatPercent(rate: number): string {
  return Number.isFinite(rate) ? `${(rate * 100).toFixed(1)}%` : '–';
}

/** A pass-rate difference in percentage points: 0.05 → `+5.0 pp`, −0.1 → `−10.0 pp`. */
export function formatDeltaPp(delta: number): string {
  if (!Number.isFinite(delta)) return '–';
  const pp = delta * 100;
  const text = Math.abs(pp).toFixed(1);
  if (text === '0.0') return '±0.0 pp';
  return `${pp > 0 ? '+' : '−'}${text} pp`;
}

/** A delta with its confidence interval: `−10.0 pp [−20.0, +1.0]`. */
export function formatDeltaWithCi(delta: number, ci: [number, number]): string {
  const bound = (x: number) => formatDeltaPp(x).replace(' pp', '');
  return `${formatDeltaPp(delta)} [${bound(ci[0])}, ${bound(ci[1])}]`;
}

/** 1234 → `1.23 s`, 87 → `87 ms`, null → `–`. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** US dollars with enough digits for per-call prices; null → `–`. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '–';
  if (usd === 0) return '$0';
  return usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

/** A score 0..1 with two decimals. */
export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined || !Number.isFinite(score) ? '–' : score.toFixed(2);
}

/** A signed score difference with its interval: `−0.20 [−0.25, −0.15]`. */
export function formatScoreDeltaWithCi(delta: number, ci: [number, number]): string {
  const signed = (x: number) => {
    if (!Number.isFinite(x)) return '–';
    const text = Math.abs(x).toFixed(2);
    return text === '0.00' ? '±0.00' : `${x > 0 ? '+' : '−'}${text}`;
  };
  return `${signed(delta)} [${signed(ci[0])}, ${signed(ci[1])}]`;
}

/** `suite › model`, the name of one suite × model group. */
export function groupName(suite: string, model: string): string {
  return `${suite} › ${model}`;
}

/** What a case is called in reports: its description, else its id. */
export function caseLabel(result: CaseResult): string {
  return result.description && result.description.trim() !== '' ? result.description : result.caseId;
}

/** Whether the case is `ungraded` (nothing to grade it with) on either side, and errored on neither. */
export function isUngraded(result: CaseResult): boolean {
  return !isErrored(result) && (result.status === 'ungraded' || result.change === 'ungraded' || result.baseline?.status === 'ungraded');
}

/** Whether the case counts as errored on either side. */
export function isErrored(result: CaseResult): boolean {
  return result.status === 'error' || result.change === 'errored' || result.baseline?.status === 'error';
}

/**
 * Why one side did not pass, one line per problem: errored calls (`repeat 2: TIMEOUT: …`) and
 * failing assertions (`contains:foo — expected "foo"`). Repeat prefixes only when there are several.
 */
export function sideReasons(side: SideResult): string[] {
  const lines: string[] = [];
  const many = side.repeats.length > 1;
  for (const r of side.repeats) {
    const prefix = many ? `repeat ${r.repeat + 1}: ` : '';
    if (r.error) {
      lines.push(`${prefix}${r.error.code}: ${r.error.message}`);
      continue;
    }
    if (!r.grade || r.grade.pass) continue;
    const failing = r.grade.assertions.filter((a) => !a.pass);
    if (failing.length === 0) lines.push(`${prefix}${r.grade.reason}`);
    for (const a of failing) lines.push(`${prefix}${a.spec}: ${a.reason}`);
  }
  return lines;
}

/** The first non-null output of a side, for short previews. */
export function firstOutput(side: SideResult | undefined): string | null {
  if (!side) return null;
  for (const r of side.repeats) if (r.output !== null) return r.output;
  return null;
}

/** The headline for a regression: `regressed: passed on baseline 1.0.0, fails on 1.1.0`. */
export function regressionMessage(result: CaseResult): string {
  return `regressed: passed on baseline ${baselineVersionLabel(result)}, fails on ${candidateVersionLabel(result)}`;
}

/** The baseline's prompt version, with its hash when both sides carry the same version. */
export function baselineVersionLabel(result: CaseResult): string {
  const b = result.baseline;
  if (!b) return '?';
  return b.promptVersion === result.promptVersion && b.promptHash !== result.promptHash ? `${b.promptVersion} (${b.promptHash})` : b.promptVersion;
}

/** The candidate's prompt version, with its hash when both sides carry the same version. */
export function candidateVersionLabel(result: CaseResult): string {
  const b = result.baseline;
  return b && b.promptVersion === result.promptVersion && b.promptHash !== result.promptHash
    ? `${result.promptVersion} (${result.promptHash})`
    : result.promptVersion;
}
