import type { ResolvedGate } from '../config/types.js';
import type { ComparisonRow } from '../run-record/types.js';
import type { RowData } from './collect.js';
import { invertTest, type FamilyResult } from './family.js';
import { floorTest } from './floor-test.js';
import { formatBounds, formatDelta, formatP, formatRate, formatTest, plural } from './format.js';
import type { CaseFinding, CompareOptions } from './gate.js';
import type { PerCaseResult } from './per-case.js';
import { describeToDecide, estimateToDecide } from './power.js';
import { mean } from './stats.js';
import { MID_P } from './sign-flip.js';

/**
 * One suite × model's verdict from the family-wise analysis (gate.ts): its bounds, which rule
 * decided, and the sentences every report shows. See gate.ts for the rules.
 */
export interface RowContext {
  options: CompareOptions;
  family: FamilyResult;
  slot: { pass: number; score?: number; describe?: number; d: Float64Array; e: Float64Array } | undefined;
  caseFindings: CaseFinding[];
  perCase: PerCaseResult | undefined;
  alphaMean: number;
  alphaCase: number;
}

/** Sentences that fail the row, that explain a pass, or that say why it is undecided. */
interface Findings {
  failing: string[];
  context: string[];
  decidedBy?: string;
}

export function evaluateRow(data: RowData, ctx: RowContext): ComparisonRow {
  const { gate } = ctx.options;
  const alpha = gate.alpha;
  const noisy = (data.maxRepeats || ctx.options.repeat) > 1;
  const findings: Findings = { failing: [], context: [] };
  const policy = gate.maxRegressions;
  let test = 'none';
  let pValue: number | null = null;
  let pValueFamily: number | null = null;
  let passCi: [number, number] = [0, 0];
  let scoreCi: [number, number] = [0, 0];
  let nonInferior = false;
  let inconclusiveWhy: string | undefined;
  let toDecide: ComparisonRow['toDecide'];
  const slot = ctx.slot;
  const floorOnly = !slot && data.floorCases > 0;

  if (slot) {
    const { family } = ctx;
    const nul = family.nulls[slot.pass];
    const mcnemar = slot.d.every((v) => v === -1 || v === 0 || v === 1) && !noisy;
    const midP = family.ties[slot.pass] === MID_P;
    test = mcnemar ? 'mcnemar-midp' : midP ? 'sign-flip-midp' : 'sign-flip';
    const p = family.pValues[slot.pass];
    const scaled = (pf: number) => (ctx.alphaMean === alpha ? pf : Math.min(1, (pf * alpha) / ctx.alphaMean));
    const pFam = scaled(family.pFamily[slot.pass]);
    const upper = invertTest((t) => family.familyP(nul.lower(t)) >= ctx.alphaMean, 0, 'upper');
    const lower = invertTest((t) => nul.upper(t) >= alpha, -gate.margin, 'lower');
    passCi = [lower, upper];
    const pNonInferior = nul.upper(-gate.margin);
    nonInferior = pNonInferior < alpha;
    pValue = p;
    pValueFamily = pFam;
    const how = nul.exact ? 'exact' : `${ctx.family.resamples.toLocaleString('en-US')} Monte Carlo sign vectors`;
    const ruleName = mcnemar ? `mid-p McNemar: ${data.counts.regressed} regressed vs ${data.counts.improved} improved` : `${midP ? 'mid-p ' : ''}sign-flip over ${plural(slot.d.length, 'case')}`;
    const familyNote = (pf: number, own: number) => (formatP(pf) === formatP(own) ? '' : ` (family-wise ${formatP(pf)})`);
    const head = `${rateLine(data.baselinePass, data.candidatePass, passCi, alpha)})`;
    if (pFam < alpha) {
      findings.failing.push(`${head}: significantly worse, ${ruleName}, ${formatTest(p, alpha)}${familyNote(pFam, p)}`);
      findings.decidedBy = `${ruleName} (${how}), ${formatTest(p, alpha)}${familyNote(pFam, p)}`;
    } else if (nonInferior) {
      findings.context.push(`${head}: within the margin (lower bound ${formatRate(lower)} > \u2212${gate.margin}, ${formatP(pNonInferior)})`);
    } else {
      inconclusiveWhy = `${head}: not significantly worse (${ruleName}, ${formatTest(pFam, alpha)}) nor within the margin (lower bound ${formatRate(lower)} \u2264 \u2212${gate.margin})`;
    }
    if (!nonInferior && pFam >= alpha) {
      toDecide = estimateToDecide({
        differences: slot.d,
        withinVariance: withinVariance(data),
        repeats: Math.max(1, data.rateRepeats),
        margin: gate.margin,
        alphaPass: alpha,
        alphaFail: ctx.alphaMean,
      });
    }
    if (!findings.decidedBy) {
      findings.decidedBy = nonInferior
        ? `non-inferiority: lower bound ${formatRate(lower)} > \u2212${gate.margin} (margin), ${formatP(pNonInferior)} < ${alpha}; ${ruleName} (${how}), ${formatP(p)}`
        : `neither: lower bound ${formatRate(lower)} \u2264 \u2212${gate.margin} (margin) and ${ruleName} (${how}), ${formatTest(pFam, alpha)}`;
    }

    if (slot.score !== undefined) {
      const pScore = family.pValues[slot.score];
      const pScoreFam = scaled(family.pFamily[slot.score]);
      pValue = Math.min(pValue, pScore);
      pValueFamily = Math.min(pValueFamily, pScoreFam);
      const unchanged = unchangedScores(data)!;
      const drop = mean(unchanged.before) - mean(unchanged.after);
      const above = gate.maxScoreDrop > 0 ? `drop above ${gate.maxScoreDrop}: ` : '';
      const line = `${unchanged.head} (${formatDelta(-drop)}, ${above}${formatTest(pScore, alpha)}${familyNote(pScoreFam, pScore)})`;
      if (pScoreFam < alpha) {
        findings.failing.push(line);
        if (findings.failing.length === 1) findings.decidedBy = `${family.ties[slot.score] === MID_P ? 'mid-p ' : ''}sign-flip on the scores of the ${plural(unchanged.before.length, 'unchanged case')}, ${formatTest(pScore, alpha)}${familyNote(pScoreFam, pScore)}`;
      } else findings.context.push(line);
    }
    if (slot.describe !== undefined) {
      const scoreNull = family.nulls[slot.describe];
      scoreCi = [invertTest((t) => scoreNull.upper(t) >= alpha, 0, 'lower'), invertTest((t) => scoreNull.lower(t) >= alpha, 0, 'upper')];
    } else scoreCi = passCi;

    // Concentrated breakage: cases significantly worse on their own.
    const broken = ctx.caseFindings.filter((c) => c.significant);
    if (ctx.perCase) {
      const minAdjusted = ctx.caseFindings.reduce((min, c) => Math.min(min, c.pAdjusted), 1);
      pValueFamily = Math.min(pValueFamily, minAdjusted);
      if (broken.length) {
        const listed = broken.slice(0, 5).map((c) => {
          const k = data.counts2x2[data.caseIds.indexOf(c.caseId)];
          return `${c.caseId} (${k.baselinePasses}/${k.baselineTrials} \u2192 ${k.candidatePasses}/${k.candidateTrials}, adjusted ${formatP(c.pAdjusted)})`;
        });
        const more = broken.length > 5 ? ` and ${broken.length - 5} more` : '';
        const rule = `Fisher per case, Holm across the ${plural(ctx.perCase.tested, 'case')} that could reach significance, alpha ${round(ctx.alphaCase)} of ${alpha}`;
        findings.failing.push(`${plural(broken.length, 'case')} significantly worse on ${broken.length === 1 ? 'its' : 'their'} own (${rule}): ${listed.join(', ')}${more}`);
        if (findings.failing.length === 1) findings.decidedBy = `${rule}: ${broken[0].caseId} adjusted ${formatP(broken[0].pAdjusted)} < ${alpha}`;
      }
    }
  } else if (!floorOnly) {
    findings.context.push('no case ran on both sides without error: nothing to compare');
  }

  if (policy !== undefined && !floorOnly && slot) {
    const regressed = data.counts.regressed;
    if (regressed > policy) {
      findings.failing.push(`${plural(regressed, 'regressed case')} (max ${policy}, gate.maxRegressions)`);
      if (findings.failing.length === 1) findings.decidedBy = `gate.maxRegressions: ${plural(regressed, 'regressed case')} > ${policy}`;
    } else findings.context.unshift(`${labels(data)} (max ${policy} regressed, gate.maxRegressions)`);
  }

  const floor = floorOnly ? floorOnlyGate(data, gate, findings) : checkFloor(data, gate, findings);

  let verdict: ComparisonRow['verdict'] = 'pass';
  const reasons: string[] = [];
  // Why a row that did not fail is not a pass: the margin was not shown, or the floor was missed but not significantly.
  let undecided: 'margin' | 'floor' | undefined;
  if (findings.failing.length > 0) {
    verdict = 'fail';
    reasons.push(...findings.failing);
  } else if (slot && policy === undefined && !nonInferior) undecided = 'margin';
  else if (floor === 'short') undecided = 'floor';
  if (undecided) {
    verdict = 'inconclusive';
    if (undecided === 'margin' && inconclusiveWhy) reasons.push(inconclusiveWhy);
    reasons.push(...findings.context.filter((line) => line.includes('but not significantly')));
    if (undecided === 'margin' && toDecide) reasons.push(describeToDecide(toDecide, Math.max(1, data.rateRepeats), noisy));
    if (undecided === 'floor') findings.decidedBy = 'floor: the pass rate is below gate.minPassRate, but not significantly';
  } else if (verdict === 'pass' && policy !== undefined && slot) {
    findings.decidedBy = `gate.maxRegressions: ${plural(data.counts.regressed, 'regressed case')} \u2264 ${policy}`;
  }
  if (data.erroredCases > 0) {
    const sides = `${data.erroredCandidate} on the candidate, ${data.erroredBaseline} on the baseline`;
    if (verdict !== 'fail') {
      verdict = 'error';
      reasons.push(`${plural(data.erroredCases, 'errored case')} (${sides}) left no verdict`);
    } else reasons.push(`${plural(data.erroredCases, 'errored case')} (${sides}) left out of the comparison`);
  }
  if (data.ungradedCases > 0) {
    const onlyBaseline = data.ungradedCases - data.ungradedCandidate;
    const what = `${plural(data.ungradedCases, 'ungraded case')} (nothing to grade them with${onlyBaseline > 0 ? `; ${onlyBaseline} on the baseline only` : ''})`;
    if (data.floorCases === 0 && data.erroredCases === 0) {
      verdict = 'error';
      reasons.push(`no case was graded, ${what}: no verdict (add __expected or assert to the cases, or an output.schema to the prompt)`);
    } else reasons.push(`${what} left out of the comparison`);
  }
  if (data.providedCases > 0) {
    const what = `${plural(data.providedCases, 'case')} with a given output (__providerOutput: made by neither prompt version)`;
    if (data.floorCases === 0 && data.erroredCases === 0 && data.ungradedCases === 0) {
      verdict = 'error';
      reasons.push(`no case ran the prompt, ${what}: no verdict (a comparison needs cases without __providerOutput)`);
    } else reasons.push(`${what}, left out of the comparison`);
  }
  if (verdict === 'fail' && noisy) reasons.push(`${labels(data)} (majority of repeats; informative only)`);
  if (verdict === 'pass') reasons.push(...findings.context);

  const row: ComparisonRow = {
    suite: data.suite,
    model: data.model,
    cases: data.cases,
    baselinePassRate: mean(data.baselinePass),
    candidatePassRate: mean(data.candidatePass),
    passRateDelta: mean(data.candidatePass) - mean(data.baselinePass),
    passRateDeltaCi: passCi,
    baselineMeanScore: mean(data.baselineScore),
    candidateMeanScore: mean(data.candidateScore),
    scoreDelta: mean(data.candidateScore) - mean(data.baselineScore),
    scoreDeltaCi: scoreCi,
    counts: { ...data.counts },
    test: floorOnly ? 'floor-only' : test,
    pValue,
    pValueFamily,
    verdict,
    reasons,
  };
  if (findings.decidedBy && verdict !== 'error') row.decidedBy = findings.decidedBy;
  if (verdict === 'inconclusive' && toDecide) row.toDecide = toDecide;
  const broken = ctx.caseFindings.filter((c) => c.significant).map((c) => c.caseId);
  if (ctx.perCase && slot) row.perCase = { test: 'fisher-holm', alpha: round(ctx.alphaCase), tested: ctx.caseFindings.filter((c) => c.tested).length, significant: broken };
  return row;
}

/**
 * A row with no baseline result for any case: decided by the floor only. With no floor configured
 * (`minPassRate: 0`) every case must pass (majority of its repeats), so a comparison that compared
 * nothing cannot pass by default.
 */
function floorOnlyGate(data: RowData, gate: ResolvedGate, findings: Findings): 'below' | 'short' | 'meets' | undefined {
  const head = 'no case has a graded baseline result (a new prompt, only new cases, or an ungraded baseline): decided by the floor only';
  if (gate.minPassRate > 0) {
    const before = { failing: findings.failing.length, context: findings.context.length };
    const outcome = checkFloor(data, gate, findings);
    if (findings.failing.length > before.failing) findings.failing[before.failing] = `${head}: ${findings.failing[before.failing]}`;
    else if (findings.context.length > before.context) findings.context[before.context] = `${head}: ${findings.context[before.context]}`;
    return outcome;
  }
  const failed = data.floorCases - data.floorCasesPassed;
  const rule = 'with no gate.minPassRate, every case must pass';
  if (failed > 0) {
    findings.failing.push(`${head}; ${rule}: ${failed} of ${plural(data.floorCases, 'case')} fail`);
    findings.decidedBy = `${rule}: ${failed} of ${plural(data.floorCases, 'case')} fail`;
  } else {
    findings.context.push(`${head}: all ${plural(data.floorCases, 'case')} pass (${rule})`);
    findings.decidedBy = `${rule}: all ${plural(data.floorCases, 'case')} pass`;
  }
  return undefined;
}

/** minPassRate over every graded candidate case, the case as the unit: fails only when significantly below. */
function checkFloor(data: RowData, gate: ResolvedGate, findings: Findings): 'below' | 'short' | 'meets' | undefined {
  if (gate.minPassRate <= 0 || data.floorCases === 0) return undefined;
  const result = floorTest({ cases: data.floorCases, rateSum: data.floorRateSum, rateSquares: data.floorRateSquares, trials: data.floorTrials }, gate.minPassRate, gate.alpha);
  const floor = `the floor ${gate.minPassRate}`;
  const head = `candidate pass rate ${formatRate(result.rate)} over ${plural(data.floorCases, 'case')}`;
  const bound = `${round((1 - gate.alpha) * 100)}% upper bound ${formatRate(result.upper)}`;
  if (result.outcome === 'below') {
    findings.failing.push(`${head} is significantly below ${floor} (${bound})`);
    if (findings.failing.length === 1) findings.decidedBy = `floor: ${head}, ${bound} < ${gate.minPassRate}`;
  } else if (result.outcome === 'short') findings.context.push(`${head} is below ${floor}, but not significantly (${bound})`);
  else findings.context.push(`${head} meets ${floor}`);
  return result.outcome;
}

/** Mean over cases of the estimated sampling variance of d_i from the repeats; NaN when some side ran once. */
function withinVariance(data: RowData): number {
  let sum = 0;
  for (const whole of data.counts2x2) {
    // Adaptive: the rates are round 1's.
    const c = whole.strata?.[0] ?? whole;
    if (c.baselineTrials < 2 || c.candidateTrials < 2) return Number.NaN;
    const pb = c.baselinePasses / c.baselineTrials;
    const pc = c.candidatePasses / c.candidateTrials;
    sum += (pb * (1 - pb)) / (c.baselineTrials - 1) + (pc * (1 - pc)) / (c.candidateTrials - 1);
  }
  return data.counts2x2.length ? sum / data.counts2x2.length : Number.NaN;
}

/** The score rule applies when scores are not just pass/fail and some case kept its label. */
export function scoreRuleApplies(data: RowData): boolean {
  return !data.scoresArePassRates && data.unchanged.some(Boolean);
}

/** Mean scores of the cases whose pass/fail label held, or null when the score rule does not apply. */
function unchangedScores(data: RowData): { before: number[]; after: number[]; head: string } | null {
  if (!scoreRuleApplies(data)) return null;
  const before = data.baselineScore.filter((_, i) => data.unchanged[i]);
  const after = data.candidateScore.filter((_, i) => data.unchanged[i]);
  const head = `mean score of the ${plural(before.length, 'case')} with unchanged pass/fail ${formatRate(mean(before))} \u2192 ${formatRate(mean(after))}`;
  return { before, after, head };
}

/** `pass rate 0.62 → 0.41 (−0.21, 95% bounds −0.27 … −0.15` — callers close the parenthesis. */
function rateLine(before: number[], after: number[], ci: [number, number], alpha: number): string {
  const b = mean(before);
  const a = mean(after);
  return `pass rate ${formatRate(b)} \u2192 ${formatRate(a)} (${formatDelta(a - b)}, ${formatBounds(ci, alpha)}`;
}

/** `3 regressed, 1 improved, 150 unchanged-pass, 46 unchanged-fail` (errored/new when present). */
function labels(data: RowData): string {
  const c = data.counts;
  const parts = [`${c.regressed} regressed`, `${c.improved} improved`, `${c['unchanged-pass']} unchanged-pass`, `${c['unchanged-fail']} unchanged-fail`];
  if (c.errored > 0) parts.push(`${c.errored} errored`);
  if (c.ungraded > 0) parts.push(`${c.ungraded} ungraded`);
  if (c.new > 0) parts.push(`${c.new} new`);
  return parts.join(', ');
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}
