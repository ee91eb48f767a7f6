import type { CaseGrade } from '../graders/types.js';
import type { Message } from '../prompts/types.js';
import type { ResponseSchema, StepStopReason, ToolCall, ToolChoice, ToolDefinition } from '../tools/types.js';

/**
 * Bumped on any breaking change to run.json or calls.jsonl (see schemas/run.schema.json).
 * 2: case status `ungraded` (and change `ungraded`); a grader that errored makes its side `error`.
 * 3: outputs carry tool calls and refusals (`toolCalls`, `refusal`), calls carry the tools and
 * structured-output request sent and their `step`; a refusal is a graded answer, not an error.
 */
export const RUN_FORMAT_VERSION = 3;

/** Every format this version reads (format 1 is upgraded on reading: see upgrade.ts). */
export type RunFormatVersion = 1 | 2 | 3;
export const READABLE_FORMAT_VERSIONS: readonly RunFormatVersion[] = [1, 2, 3];

export interface CallError {
  code: string;
  message: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** Which prompt version a call or result belongs to. `run` only has candidates. */
export type Side = 'candidate' | 'baseline';

/** One line of calls.jsonl: one inference call (or cache hit). */
export interface CallRecord {
  runId: string;
  /**
   * `eval` for a case's call, `judge` for a rubric grader's call, `embedding` / `moderation` for a
   * grader's call to an embeddings or moderation endpoint (`similar`, `moderation`: `input` holds
   * the text sent, `messages` is empty), `production` for a call an app logged (promptgate's runtime).
   */
  purpose: 'eval' | 'judge' | 'embedding' | 'moderation' | 'production';
  suite: string;
  caseId: string;
  /** 0-based repeat index. */
  repeat: number;
  side: Side;
  promptId: string;
  promptVersion: string;
  promptHash: string;
  /** Production: the registry label the prompt version was served from (`loadPrompts({ store, label })`). */
  promptLabel?: string;
  /** Production: the registry store it was served from (its URL, credentials removed). */
  promptStore?: string;
  /** The config's model name. */
  model: string;
  provider: string;
  modelRequested: string;
  modelReported: string | null;
  params: Record<string, unknown>;
  vars: Record<string, unknown>;
  messages: Message[];
  output: string | null;
  /** The tool calls the model made in this call (absent: none). */
  toolCalls?: ToolCall[];
  /** The model refused: what it said (absent: it did not). */
  refusal?: string;
  /** The tools sent with the request (absent: none). */
  tools?: ToolDefinition[];
  /** The tool choice sent (absent: the API's default). */
  toolChoice?: ToolChoice;
  /** The structured output asked for (absent: none). */
  responseSchema?: ResponseSchema;
  /** 0-based step of a multi-step case (one with canned tool results); absent for a single call. */
  step?: number;
  /** Batch mode: the provider batch that answered this call (its cost is at the batch rate). Absent: a normal call. */
  batch?: { id: string };
  /**
   * Production (`traced()` / `logCall()` with a prompt's params or render): which of `messages`
   * are turns the app added to the prompt's own messages (a conversation): `messages[start, start +
   * count)`. Absent: the messages are the prompt's own, or there is no prompt to compare with.
   * Null: not known (the app changed or reordered the prompt's messages, or `redact` kept its
   * turns out of the log). `promptgate cases from-log` reads it.
   */
  conversation?: { start: number; count: number } | null;
  finishReason: string | null;
  usage: Usage | null;
  latencyMs: number;
  costUsd: number | null;
  cached: boolean;
  attempts: number;
  error: CallError | null;
  /** Content address of the request (the cache key). */
  requestKey: string;
  startedAt: string;
  /** Token log probabilities of the output, when the request asked for them (`logprobs: true`: a case with a perplexity grader). */
  logprobs?: number[];
  /** A cache hit: how long the call that made the cache entry took (ms), when the entry says; what `latency` grades it by. */
  originalLatencyMs?: number;
  /** `embedding` / `moderation`: the text sent to the endpoint. */
  input?: string;
  /** `embedding`: the length of the vector the endpoint returned. */
  dimensions?: number;
  /** `moderation`: whether the endpoint flagged the text, and the categories it flagged. */
  moderation?: { flagged: boolean; categories: string[] };
}

/** One call's outcome as kept in a case result. */
export interface RepeatOutcome {
  repeat: number;
  /** The answer's text (the last step's, for a multi-step case). */
  output: string | null;
  /** The tool calls the model made (every step's, in order); absent: none. */
  toolCalls?: ToolCall[];
  /** The model refused: what it said. */
  refusal?: string;
  /** A multi-step case: how many calls were made, and why the steps stopped. */
  steps?: { count: number; stopReason: StepStopReason };
  error: CallError | null;
  /** Null when the call errored (an errored call is never graded). */
  grade: CaseGrade | null;
  modelReported: string | null;
  latencyMs: number;
  usage: Usage | null;
  costUsd: number | null;
  cached: boolean;
  attempts: number;
  /** The case gave its output (promptfoo's `__providerOutput`): no model was called, nothing was logged to calls.jsonl. */
  providedOutput?: true;
}

/**
 * `error`: no verdict, because a call still errored after retries or a grader errored (in some repeat);
 * `ungraded`: the case has nothing to grade it with (no assertion, and no output.schema / output.format
 * on the prompt), never a pass; `pass`: at least half the repeats passed; else `fail`.
 */
export type CaseStatus = 'pass' | 'fail' | 'error' | 'ungraded';

/**
 * How a case changed from baseline to candidate (compare, ci, drift). `errored`: either side `error`;
 * `ungraded`: either side `ungraded` (and neither `error`); both left out of the comparison.
 */
export type ChangeStatus = 'regressed' | 'improved' | 'unchanged-pass' | 'unchanged-fail' | 'errored' | 'ungraded' | 'new';

export interface SideResult {
  promptId: string;
  promptVersion: string;
  promptHash: string;
  status: CaseStatus;
  passRate: number;
  meanScore: number;
  repeats: RepeatOutcome[];
}

/** One case on one model: the candidate side, and the baseline side when comparing. */
export interface CaseResult extends SideResult {
  suite: string;
  model: string;
  caseId: string;
  description?: string;
  tags: string[];
  source: { file: string; line: number };
  vars: Record<string, unknown>;
  baseline?: SideResult;
  change?: ChangeStatus;
}

/** Per suite × model totals (the console table). */
export interface SummaryRow {
  suite: string;
  model: string;
  promptId: string;
  promptVersion: string;
  promptHash: string;
  cases: number;
  passed: number;
  failed: number;
  errored: number;
  /** Cases with nothing to grade them (format 2; absent in format 1 files). */
  ungraded?: number;
  /** passed / (passed + failed): over graded cases only. */
  passRate: number;
  /** Per graded case, its share of passing repeats: their mean and sample SD over cases, and the repeats (what the floor tests). */
  casePassRates?: { mean: number; sd: number; trials: number };
  meanScore: number;
  calls: number;
  cachedCalls: number;
  inputTokens: number;
  outputTokens: number;
  latencyP50: number | null;
  latencyP95: number | null;
  /** Null when no call had a known price. */
  costUsd: number | null;
  modelsReported: string[];
  /** pass@k, pass^k and flaky cases of the candidate at the repeat count (absent in runs written before them). */
  repeatStats?: RepeatStats;
  /** The same for the baseline side (compare / ci / drift). */
  baselineRepeatStats?: RepeatStats;
}

/**
 * How consistently one side passed its cases at the repeat count k, over its graded cases (status
 * pass or fail). Per case, with its k graded repeats: pass@k = 1 when any passed, pass^k = 1 when
 * all passed, flaky when some but not all passed. At k = 1 both equal the pass rate.
 */
export interface RepeatStats {
  /** The repeat count (the most graded repeats any case had). */
  k: number;
  /** Graded cases counted. */
  cases: number;
  /** Mean pass@k over those cases (0 when there are none). */
  passAtK: number;
  /** Mean pass^k over those cases (0 when there are none). */
  passHatK: number;
  /** Cases where some but not all repeats passed. */
  flaky: number;
}

export interface PromptRef {
  id: string;
  version: string;
  hash: string;
  path: string;
  side: Side;
}

export interface ModelRef {
  name: string;
  provider: string;
  model: string;
  /** Every model version the API reported during the run. */
  reported: string[];
}

export interface RunTotals {
  cases: number;
  passed: number;
  failed: number;
  errored: number;
  /** Candidate cases with nothing to grade them (format 2; absent in format 1 files). */
  ungraded?: number;
  calls: number;
  cachedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  /** Count of errored calls by error code. */
  errorsByCode: Record<string, number>;
  /**
   * Count of graders that errored (no verdict: judge unreachable, a bad judge reply, a JS grader
   * that threw...) by grader type, on either side, per repeat. Absent when none did (and in format 1).
   */
  graderErrorsByType?: Record<string, number>;
}

/**
 * The cases one suite × model selected before `--shard` split them (after `--filter`): how many,
 * and a digest of their ids, so `merge` can check that the shards together ran each exactly once.
 */
export interface SelectionRecord {
  suite: string;
  model: string;
  /** Case ids selected over all shards. */
  cases: number;
  /** sha256 (hex) of the sorted selected case ids, one per line. */
  idsDigest: string;
  /** Of those, the cases this run was to run: its shard's part (all of them without --shard; for a merged run, those it holds). */
  inRun: number;
}

/** Everything in run.json except the per-case results (those stream). */
export interface RunHeader {
  format: 'promptgate-run';
  formatVersion: RunFormatVersion;
  runId: string;
  command: string;
  /**
   * `interrupted`: stopped (Ctrl-C, or `--batch-timeout` passed: `stopped` says which) and resumable;
   * `budget_exhausted`: `--max-cost` / `budget.maxCostUsd` stopped new calls (what was in flight finished).
   */
  status: 'complete' | 'interrupted' | 'budget_exhausted';
  /** Why a run that is not `complete` stopped short, and how to go on (`resume`: the command to run). */
  stopped?: { reason: 'signal' | 'batch_timeout' | 'budget'; message: string; resume?: string };
  /** Batch mode: every batch the run submitted (also in the run folder's batches.jsonl, written before waiting). */
  batches?: Array<{ id: string; model: string; provider: string; requests: number; state: string; succeeded: number; failed: number }>;
  /** The cost budget, when one was set: the limit, the estimate made before the first call, and what was spent (USD). */
  budget?: { maxCostUsd: number; estimateUsd: number; spentUsd: number };
  startedAt: string;
  finishedAt: string;
  /** The git commit checked out (HEAD) when the run started; absent outside a git repository (and in runs written before it). */
  gitCommit?: string;
  promptgateVersion: string;
  configDigest: string;
  options: {
    repeat: number;
    concurrency: number;
    models?: string[];
    filter?: string;
    shard?: string;
    cache: boolean;
  };
  prompts: PromptRef[];
  models: ModelRef[];
  totals: RunTotals;
  summary: SummaryRow[];
  /** What was selected per suite × model before sharding (format 2; merge checks completeness with it). */
  selection?: SelectionRecord[];
  /** What the run wants the reader to know, e.g. an empty shard or an incomplete merge. */
  notes?: string[];
  /** Set by compare / ci / drift. */
  comparison?: Comparison;
  /** Set when a gate was evaluated (compare/ci/drift; `run` with a minPassRate floor). */
  gate?: GateVerdict;
  /** Set by drift: what changed against the stored run besides the scores (those are in `comparison`). */
  drift?: DriftReport;
}

/** run.json as a whole. */
export interface RunFile extends RunHeader {
  cases: CaseResult[];
}

/**
 * The gate's decision. `error`: errors left no verdict (exit 3). `inconclusive`: not significantly
 * worse, but not shown to be within the margin (or below the floor, not significantly): exit 4.
 */
export interface GateVerdict {
  verdict: 'pass' | 'fail' | 'inconclusive' | 'error';
  reasons: string[];
  /**
   * `run` (and a merged `run`): the `gate.minPassRate` floor its gate tested. Absent when the run
   * had no floor (its gate passes on anything graded: no gate receipt for `publish`), and in runs
   * written before it.
   */
  floor?: number;
}

/** Baseline against candidate for one suite × model. */
export interface ComparisonRow {
  suite: string;
  model: string;
  cases: number;
  baselinePassRate: number;
  candidatePassRate: number;
  /** candidate − baseline pass rate (mean over compared cases of the per-case difference). */
  passRateDelta: number;
  /**
   * [L, U]: L is the one-sided (1 − alpha) lower bound of the pass test (L > −margin ⇔ the row
   * is non-inferior), U the one-sided upper bound of the fail test, family-wise (U < 0 ⇔ the row
   * is significantly worse); both are inversions of those tests. Runs made by earlier
   * versions hold a bootstrap percentile interval here.
   */
  passRateDeltaCi: [number, number];
  baselineMeanScore: number;
  candidateMeanScore: number;
  scoreDelta: number;
  /** Bounds of the mean score change over the compared cases (describes; the score rule tests the unchanged cases). */
  scoreDeltaCi: [number, number];
  /** Count of cases per change status. */
  counts: Record<ChangeStatus, number>;
  /**
   * The row's test: `mcnemar-midp` (repeat 1), `sign-flip` (repeats: the conventional p-value),
   * `sign-flip-midp` (noisy sides at repeat 1; before 0.2 also repeats), `floor-only` (no baseline
   * result), `none` (no case on both sides). Older runs: `exact`, `mcnemar-exact`, `paired-permutation`.
   */
  test: string;
  /** The row's own one-sided p-value for "candidate is worse" (smallest of its rules, not adjusted); null when nothing was tested. */
  pValue: number | null;
  /** The row's p-value adjusted family-wise over every row and rule of the comparison (reject when below alpha). */
  pValueFamily?: number | null;
  verdict: GateVerdict['verdict'];
  reasons: string[];
  /** One sentence: which rule decided the verdict, with its p-value or bound. */
  decidedBy?: string;
  /** Inconclusive rows: about how many more repeats per case or cases would likely decide it (null: not by that alone). */
  toDecide?: { repeats: number | null; cases: number | null };
  /** The per-case test, when alpha was split for it: cases in its Holm family, and those significantly worse. */
  perCase?: { test: 'fisher-holm'; alpha: number; tested: number; significant: string[] };
  /** What each side's answers cost (absent in runs written before it). */
  cost?: ComparisonCost;
}

/**
 * What the answers of each side of a comparison cost, in USD: eval calls (judge calls aside) at the
 * model's price, a cached answer priced by the tokens it used (what the version costs to run, not
 * what this run spent: that is `totals.costUsd`). Null when some answer's cost is not known.
 */
export interface ComparisonCost {
  baselineUsd: number | null;
  candidateUsd: number | null;
  /** candidateUsd − baselineUsd; null when either is. */
  deltaUsd: number | null;
}

export interface ComparisonSideInfo {
  /** As the user gave it: `HEAD~1`, `@1.2.0`, `run:reports/x/run.json`, `working tree`. */
  spec: string;
  /** Resolved description, e.g. `git 3f2a1b0 (HEAD~1)`. */
  label: string;
  /** Full commit id the side's prompts were read from (a git revision, or a version when all its prompts came from one commit). */
  commit?: string;
  /** The prompt version each compared suite ran on this side (or the stored run recorded). */
  prompts?: ComparisonSidePrompt[];
}

/** One suite's prompt on one side of a comparison. */
export interface ComparisonSidePrompt {
  suite: string;
  id: string;
  /** Absent with `missing`, or when a stored run did not record it. */
  version?: string;
  /** Content hash (first 12 hex digits of sha256 of the normalised file). */
  hash?: string;
  /** Full commit id the prompt was read from (git revisions and versions). */
  commit?: string;
  /** The prompt does not exist on this side (ci: a new prompt); its cases are decided by the floor only. */
  missing?: boolean;
}

export interface Comparison {
  baseline: ComparisonSideInfo;
  candidate: ComparisonSideInfo;
  alpha: number;
  /** Non-inferiority margin δ of the pass rule. */
  margin?: number;
  rows: ComparisonRow[];
  gate: GateVerdict;
  /** Where each side's answers came from: drawn fresh, reused from the cache, or a stored run (absent in runs written before it). */
  sampling?: ComparisonSampling;
  /**
   * The family-wise test over every row: the whole comparison fails at most alpha of the time when
   * nothing changed. `pValue`: the smallest row `pValueFamily`; `alphaMean` + `alphaCase` = alpha.
   */
  familyWise?: { test: string; rows: number; pValue: number | null; alphaMean: number; alphaCase: number };
  /** Adaptive repeats (`--adaptive`, config `adaptive`): what the rounds did and what they cost. */
  adaptive?: ComparisonAdaptive;
  /** The cost of each side's answers over every row (absent in runs written before it). */
  cost?: ComparisonCost;
}

/**
 * Adaptive repeats: round 1 ran every case `startRepeats` times a side; each later round added
 * repeats to the cases whose draws disagreed, until the gate failed or the budget was spent.
 */
export interface ComparisonAdaptive {
  startRepeats: number;
  maxRepeats: number;
  /** Calls per case per side on average, round 1 included (the cost of `--repeat <budget>`). */
  budget: number;
  /** The budget in calls: budget × the sides that make calls, summed over cases × models. */
  budgetCalls: number;
  /** Answers drawn over all rounds, one per repeat per side (a call, or one answer shared by both sides or from the cache); at most budgetCalls. */
  calls: number;
  /** Repeats a side at each look the design planned (the last is maxRepeats). */
  looks: number[];
  /** Each round: the repeats a side it brought its cases up to, how many cases (case × model) it ran, its calls, the gate's verdict at the look after it, and the per-case alpha that look spent. */
  rounds: Array<{ round: number; repeats: number; cases: number; calls: number; verdict: GateVerdict['verdict'] | null; alphaCase: number }>;
  /**
   * Why no further round: the gate failed (`decided`), the budget was spent (`budget`), no case
   * below maxRepeats had draws that disagree (`no-case`), every planned look was made
   * (`max-repeats`), or the run was interrupted.
   */
  stoppedBy: 'decided' | 'budget' | 'no-case' | 'max-repeats' | 'interrupted';
  /** Alpha of the mean test (on round 1) and of the per-case test over all looks; they add up to alpha. */
  alphaMean: number;
  alphaCase: number;
}

/** Where a side's answers came from: `fresh` (new calls: the cache was not read for its noisy calls) or `cache` (cached answers reused). */
export type SampleSource = 'fresh' | 'cache';

/**
 * How the answers of a comparison were sampled. A side is *noisy* when `repeat` > 1 or its
 * temperature (model params under the prompt's config) is not 0 — unset is the provider's default,
 * which is not 0; replay is deterministic. Noisy sides are drawn fresh unless the user chose to
 * reuse the baseline's cached answers (`--baseline-cache`, `gate.baselineCache`); deterministic
 * sides reuse the cache as always.
 */
export interface ComparisonSampling {
  /**
   * `fresh` when its noisy calls were drawn anew (all of its calls without the cache), `cache` when
   * cached answers could be reused, `stored` for a stored run's results (`run:`: no calls).
   */
  candidate: SampleSource | 'stored';
  /** As `candidate`. */
  baseline: SampleSource | 'stored';
  /** Eval calls the response cache answered (a call shared by both sides counts once). */
  cachedCalls: number;
  /**
   * What decided: `default` (noisy sides fresh, deterministic ones from the cache when it has them),
   * `baseline-cache` (the user chose to reuse the baseline's cached answers), `no-cache` (no cache
   * reads at all: `--no-cache`, `cache: false`, or `drift`).
   */
  choice: 'default' | 'baseline-cache' | 'no-cache';
  /** Where that choice was made: `--baseline-cache`, `gate.baselineCache`, `--no-cache`, `cache: false` or `drift`. */
  by?: string;
  /** Per side: whether some suite × model of it is noisy, the answers it got from calls (a call shared by both sides counts on each) and how many of them the cache served. */
  sides: { candidate: SideSampling; baseline: SideSampling };
  /** Present when suite × model rows were sampled differently (e.g. one at temperature 0, one not): each row's sources. */
  rows?: Array<{ suite: string; model: string; candidate: SampleSource | 'stored' | 'none'; baseline: SampleSource | 'stored' | 'none' }>;
}

export interface SideSampling {
  noisy: boolean;
  calls: number;
  cached: number;
}

/** Outputs that differ from the stored run's, for one suite × model (compared per case and repeat). */
export interface DriftOutputRow {
  suite: string;
  model: string;
  /** Case × repeat pairs present on both sides. */
  compared: number;
  /**
   * Of those, pairs whose answer differs: its text, its tool calls (name and arguments; ids aside) or
   * its refusal (an error on one side only counts as changed).
   */
  changed: number;
  /** changed / compared (0 when nothing was compared). */
  share: number;
}

/** A case that errors now and did not in the stored run. */
export interface DriftNewError {
  suite: string;
  model: string;
  caseId: string;
  code: string;
  message: string;
}

/** A model whose API-reported version differs from the stored run's (e.g. a dated id behind an alias). */
export interface DriftModelChange {
  /** The config's model name. */
  model: string;
  before: string[];
  after: string[];
}

/** `drift`'s findings against the stored run (run.json `drift`). */
export interface DriftReport {
  baseline: { runId: string; file: string; startedAt: string };
  outputs: DriftOutputRow[];
  /** Total new errors; `newErrors` lists at most the first 100. */
  newErrorCount: number;
  newErrors: DriftNewError[];
  modelChanges: DriftModelChange[];
}
