/**
 * Synthetic runs for the reporter tests: consistent headers (totals, summary, comparison) built
 * from generated cases, so reporters can be tested without the runner.
 */
import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { classifyChange } from '../../src/compare/classify.js';
import type { CaseGrade } from '../../src/graders/types.js';
import { createConsoleReporter } from '../../src/reporters/console.js';
import { createRepeatStats } from '../../src/run-record/flakiness.js';
import { summariseRepeats } from '../../src/run-record/status.js';
import { RUN_FORMAT_VERSION } from '../../src/run-record/types.js';
import type {
  CaseResult,
  ChangeStatus,
  ComparisonRow,
  ComparisonSampling,
  DriftReport,
  RepeatOutcome,
  RunFile,
  RunHeader,
  SideResult,
  SummaryRow,
} from '../../src/run-record/types.js';

export type CaseKind = 'regressed' | 'improved' | 'unchanged-pass' | 'unchanged-fail' | 'errored' | 'pass' | 'fail' | 'error' | 'ungraded' | 'grader-error';

export interface CaseSpec {
  kind: CaseKind;
  suite?: string;
  model?: string;
  id?: string;
  description?: string;
  vars?: Record<string, unknown>;
  candidateOutput?: string;
  baselineOutput?: string;
  reason?: string;
  repeats?: number;
  /** For the run kinds (pass, fail, error, ungraded, grader-error): add a passing baseline side and its change. */
  compare?: boolean;
}

const WORDS = 'the refund policy allows returns within thirty days of purchase when the item is unused and in its original packaging'.split(' ');

/** Deterministic filler text of `n` words, varied by `seed`. */
export function words(n: number, seed: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[(i * 7 + seed * 13) % WORDS.length]);
  return out.join(' ');
}

function grade(pass: boolean, reason: string): CaseGrade {
  return {
    pass,
    score: pass ? 1 : 0,
    reason: pass ? 'all assertions passed' : reason,
    assertions: [
      { type: 'contains', negate: false, weight: 1, spec: 'contains:refund', pass: true, score: 1, reason: 'found "refund"' },
      { type: 'icontains', negate: false, weight: 1, spec: 'icontains:thirty days', pass, score: pass ? 1 : 0, reason: pass ? 'found "thirty days"' : reason },
    ],
  };
}

type Outcome = 'pass' | 'fail' | 'error' | 'ungraded' | 'grader-error';

function gradeOf(outcome: Outcome, reason: string): CaseGrade | null {
  if (outcome === 'error') return null;
  if (outcome === 'ungraded') return { pass: false, score: 0, reason: 'ungraded: no assertion', assertions: [], ungraded: true };
  if (outcome === 'grader-error') {
    return {
      pass: false, score: 0, reason: `no verdict: 1 grader errored; rubric:polite: judge error: ${reason}`, errored: true,
      assertions: [{ type: 'rubric', negate: false, weight: 1, spec: 'rubric:polite', pass: false, score: 0, reason: `judge error: ${reason}`, errored: true }],
    };
  }
  return grade(outcome === 'pass', reason);
}

function repeatOutcome(repeat: number, outcome: Outcome, output: string, reason: string): RepeatOutcome {
  return {
    repeat,
    output: outcome === 'error' ? null : output,
    error: outcome === 'error' ? { code: 'PROVIDER_TIMEOUT', message: `request timed out after 30000 ms: ${reason}` } : null,
    grade: gradeOf(outcome, reason),
    modelReported: 'gpt-4o-mini-2024-07-18',
    latencyMs: 400 + repeat * 10,
    usage: { inputTokens: 120, outputTokens: 45 },
    costUsd: 0.00012,
    cached: false,
    attempts: outcome === 'error' ? 3 : 1,
  };
}

function side(version: string, outcome: Outcome, output: string, reason: string, repeats: number): SideResult {
  const list = Array.from({ length: repeats }, (_, r) => repeatOutcome(r, outcome, output, reason));
  return {
    promptId: 'support',
    promptVersion: version,
    promptHash: version === '1.0.0' ? 'aaaaaaaaaaaa' : 'bbbbbbbbbbbb',
    status: outcome === 'grader-error' ? 'error' : outcome,
    passRate: outcome === 'pass' ? 1 : 0,
    meanScore: outcome === 'pass' ? 1 : 0,
    repeats: list,
  };
}

const SIDES: Record<CaseKind, [baseline: Outcome | null, candidate: Outcome]> = {
  regressed: ['pass', 'fail'],
  improved: ['fail', 'pass'],
  'unchanged-pass': ['pass', 'pass'],
  'unchanged-fail': ['fail', 'fail'],
  errored: ['pass', 'error'],
  pass: [null, 'pass'],
  fail: [null, 'fail'],
  error: [null, 'error'],
  ungraded: [null, 'ungraded'],
  'grader-error': [null, 'grader-error'],
};

/** One case of the given kind; baseline present for the comparison kinds. */
export function makeCase(spec: CaseSpec, index = 0): CaseResult {
  const [b, c] = SIDES[spec.kind];
  const reason = spec.reason ?? `expected "thirty days" in output (case ${index})`;
  const baseOut = spec.baselineOutput ?? `${words(20, index)} within thirty days`;
  const candOut = spec.candidateOutput ?? (c === 'pass' ? `${words(20, index)} within thirty days, no questions asked` : `${words(18, index)} within two weeks`);
  const repeats = spec.repeats ?? 1;
  const candidate = side('1.1.0', c, candOut, reason, repeats);
  const result: CaseResult = {
    ...candidate,
    suite: spec.suite ?? 'support',
    model: spec.model ?? 'gpt-4o-mini',
    caseId: spec.id ?? `case-${String(index).padStart(5, '0')}`,
    description: spec.description,
    tags: ['refunds'],
    source: { file: 'evals/support.csv', line: index + 2 },
    vars: spec.vars ?? { question: `Can I return item ${index}?`, locale: 'en' },
  };
  if (b) {
    result.baseline = side('1.0.0', b, baseOut, reason, repeats);
    result.change = spec.kind as ChangeStatus;
  } else if (spec.compare) {
    result.baseline = side('1.0.0', 'pass', baseOut, reason, repeats);
    result.change = c === 'ungraded' ? 'ungraded' : c === 'pass' || c === 'fail' ? (c === 'pass' ? 'unchanged-pass' : 'regressed') : 'errored';
  }
  return result;
}

/** The kind of the i-th generated case: 10% regressed, 5% improved, 5% errored, 10% failing on both sides. */
export function kindAt(i: number, compare: boolean): CaseKind {
  const k = i % 20;
  if (compare) return k < 2 ? 'regressed' : k === 2 ? 'improved' : k === 3 ? 'errored' : k < 6 ? 'unchanged-fail' : 'unchanged-pass';
  return k < 3 ? 'fail' : k === 3 ? 'error' : 'pass';
}

const EMPTY_COUNTS = (): Record<ChangeStatus, number> => ({ regressed: 0, improved: 0, 'unchanged-pass': 0, 'unchanged-fail': 0, errored: 0, ungraded: 0, new: 0 });

/** A run header whose totals, summary and comparison agree with `cases`. */
export function makeHeader(cases: CaseResult[], compare: boolean): RunHeader {
  const groups = new Map<string, CaseResult[]>();
  for (const c of cases) {
    const key = `${c.suite}\u0000${c.model}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const summary: SummaryRow[] = [...groups.values()].map((list) => {
    const passed = list.filter((c) => c.status === 'pass').length;
    const failed = list.filter((c) => c.status === 'fail').length;
    const errored = list.filter((c) => c.status === 'error').length;
    const ungraded = list.filter((c) => c.status === 'ungraded').length;
    return {
      suite: list[0].suite, model: list[0].model, promptId: 'support', promptVersion: '1.1.0', promptHash: 'bbbbbbbbbbbb',
      cases: list.length, passed, failed, errored, ungraded, passRate: passed / list.length, meanScore: passed / list.length,
      calls: list.length, cachedCalls: 0, inputTokens: 120 * list.length, outputTokens: 45 * list.length,
      latencyP50: 400, latencyP95: 420, costUsd: 0.00012 * list.length, modelsReported: ['gpt-4o-mini-2024-07-18'],
    };
  });
  const sum = (f: (r: SummaryRow) => number) => summary.reduce((t, r) => t + f(r), 0);
  const header: RunHeader = {
    format: 'promptgate-run', formatVersion: RUN_FORMAT_VERSION, runId: '2025-01-02T03-04-05Z-abc123', command: compare ? 'compare' : 'run',
    status: 'complete', startedAt: '2025-01-02T03:04:05.000Z', finishedAt: '2025-01-02T03:05:17.500Z', promptgateVersion: '0.1.0',
    configDigest: 'c0ffee', options: { repeat: 1, concurrency: 8, cache: true },
    prompts: [{ id: 'support', version: '1.1.0', hash: 'bbbbbbbbbbbb', path: 'prompts/support.prompt', side: 'candidate' }],
    models: [{ name: 'gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', reported: ['gpt-4o-mini-2024-07-18'] }],
    totals: {
      cases: cases.length, passed: sum((r) => r.passed), failed: sum((r) => r.failed), errored: sum((r) => r.errored), ungraded: sum((r) => r.ungraded ?? 0),
      calls: sum((r) => r.calls), cachedCalls: 0, inputTokens: sum((r) => r.inputTokens), outputTokens: sum((r) => r.outputTokens),
      costUsd: sum((r) => r.costUsd ?? 0), errorsByCode: sum((r) => r.errored) > 0 ? { PROVIDER_TIMEOUT: sum((r) => r.errored) } : {},
    },
    summary,
  };
  if (compare) {
    header.prompts.push({ id: 'support', version: '1.0.0', hash: 'aaaaaaaaaaaa', path: 'prompts/support.prompt', side: 'baseline' });
    const rows: ComparisonRow[] = [...groups.values()].map((list) => {
      const counts = EMPTY_COUNTS();
      for (const c of list) if (c.change) counts[c.change] += 1;
      const base = list.filter((c) => c.baseline?.status === 'pass').length / list.length;
      const cand = list.filter((c) => c.status === 'pass').length / list.length;
      const verdict = counts.regressed > 0 ? 'fail' : 'pass';
      return {
        suite: list[0].suite, model: list[0].model, cases: list.length, baselinePassRate: base, candidatePassRate: cand,
        passRateDelta: cand - base, passRateDeltaCi: [cand - base - 0.05, cand - base + 0.05], baselineMeanScore: base,
        candidateMeanScore: cand, scoreDelta: cand - base, scoreDeltaCi: [cand - base - 0.05, cand - base + 0.05], counts,
        test: 'exact', pValue: null, verdict, reasons: counts.regressed > 0 ? [`${counts.regressed} case(s) regressed`] : [],
      };
    });
    const failing = rows.filter((r) => r.verdict === 'fail');
    const gate = { verdict: failing.length > 0 ? 'fail' : 'pass', reasons: failing.map((r) => `${r.suite} › ${r.model}: ${r.reasons.join('; ')}`) } as const;
    header.comparison = {
      baseline: { spec: 'HEAD~1', label: 'git 3f2a1b0 (HEAD~1)' }, candidate: { spec: 'working tree', label: 'working tree' },
      alpha: 0.05, rows, gate: { verdict: gate.verdict, reasons: [...gate.reasons] },
    };
    header.gate = { verdict: gate.verdict, reasons: [...gate.reasons] };
  }
  return header;
}

export interface SyntheticOptions {
  /** Generated cases (kinds cycle as in `kindAt`). @default 40 */
  cases?: number;
  compare?: boolean;
  /** Extra cases appended as given. */
  extra?: CaseSpec[];
  /** Models the generated cases are spread over (round robin). @default ['gpt-4o-mini'] */
  models?: string[];
  /** Words per generated output. @default 20 */
  outputWords?: number;
}

/** A whole synthetic run. */
export function makeRun(options: SyntheticOptions = {}): RunFile {
  const compare = options.compare ?? true;
  const models = options.models ?? ['gpt-4o-mini'];
  const n = options.cases ?? 40;
  const w = options.outputWords ?? 20;
  const cases: CaseResult[] = [];
  for (let i = 0; i < n; i++) {
    const kind = kindAt(i, compare);
    const pass = kind === 'pass' || kind === 'unchanged-pass' || kind === 'improved';
    cases.push(makeCase({
      kind, model: models[i % models.length], description: i % 3 === 0 ? `Refund question ${i}` : undefined,
      baselineOutput: `${words(w, i)} within thirty days`,
      candidateOutput: pass ? `${words(w, i)} within thirty days, no questions asked` : `${words(w - 2, i)} within two weeks`,
    }, i));
  }
  (options.extra ?? []).forEach((spec, k) => cases.push(makeCase(spec, n + k)));
  return { ...makeHeader(cases, compare), cases };
}

/** Cases as the async stream reporters read. */
export async function* streamOf<T>(items: T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

/** What the console reporter prints for a run, without colour codes (CI forces colour; tests read the words). */
export async function consoleText(run: RunFile): Promise<string> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  await createConsoleReporter({ stream }).onRunEnd!(run, () => streamOf(run.cases), '/tmp/run');
  return stripVTControlCharacters(text);
}

/** Text no report may let through unescaped. */
export const HOSTILE = {
  img: '<img src=x onerror=alert(1)>',
  script: '<script>alert(2)</script>',
  svg: '"><svg onload=alert(3)>',
  cdata: 'a]]>b',
  control: 'bell\u0007 null\u0000 vt\u000B esc\u001B lone\uD800 end',
  markdown: 'pipe | here\nnew line `code` [link](http://evil.example) **bold** & <b>html</b>',
} as const;

/** A drift report, with hostile text where a model or a server could put it. */
export function makeDrift(): DriftReport {
  return {
    baseline: { runId: '2026-11-01T03-00-00-000-abcdef', file: 'reports/baseline/run.json', startedAt: '2026-11-01T03:00:00.000Z' },
    outputs: [{ suite: 'support', model: 'gpt-4o-mini', compared: 60, changed: 9, share: 0.15 }],
    newErrorCount: 2,
    newErrors: [
      { suite: 'support', model: 'gpt-4o-mini', caseId: 'case-00003', code: 'provider_error', message: `500 ${HOSTILE.img}` },
      { suite: 'support', model: 'gpt-4o-mini', caseId: 'case-00007', code: 'timeout', message: 'no answer within 60000 ms' },
    ],
    modelChanges: [{ model: 'gpt-4o-mini', before: ['gpt-4o-mini-2024-07-18'], after: [`gpt-4o-mini-2026-11-20 ${HOSTILE.script}`] }],
  };
}

/** A side whose first `passes` of its repeats pass and the rest fail (status, rates and score recomputed). */
function withPasses(side: SideResult, passes: number): SideResult {
  const repeats = side.repeats.map((r, i) => ({ ...r, error: null, output: r.output ?? 'answer', grade: grade(i < passes, 'expected "thirty days"') }));
  return { ...side, repeats, ...summariseRepeats(repeats) };
}

/**
 * A compared run at repeat `k` whose i-th case passes `passes[i][0]` of its baseline repeats and
 * `passes[i][1]` of its candidate repeats; the summary carries pass@k / pass^k, the comparison
 * where the answers came from (`sampling`).
 */
export function makeRepeatRun(passes: Array<[baseline: number, candidate: number]>, k = 4, sampling?: ComparisonSampling): RunFile {
  const cases = passes.map(([b, c], i) => {
    const base = makeCase({ kind: 'unchanged-pass', repeats: k, id: `case-${i}` }, i);
    const candidate = withPasses(base, c);
    const baseline = withPasses(base.baseline!, b);
    return { ...base, ...candidate, baseline, change: classifyChange(candidate, baseline, k) };
  });
  const header = makeHeader(cases, true);
  header.options.repeat = k;
  for (const row of header.summary) {
    const mine = cases.filter((c) => c.suite === row.suite && c.model === row.model);
    const candidate = createRepeatStats();
    const baseline = createRepeatStats();
    for (const c of mine) {
      candidate.add(c);
      baseline.add(c.baseline);
    }
    row.repeatStats = candidate.finish();
    row.baselineRepeatStats = baseline.finish();
  }
  if (sampling) header.comparison!.sampling = sampling;
  return { ...header, cases };
}
