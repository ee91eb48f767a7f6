import { createAdaptiveGate, type AdaptiveGate } from '../compare/adaptive.js';
import { attachCosts } from '../compare/cost.js';
import { buildComparison, compareRows } from '../compare/index.js';
import { createSideResolver, parseSideSpec, type SideResolver } from '../compare/side-spec.js';
import { DEFAULT_ADAPTIVE } from '../config/defaults.js';
import type { ResolvedAdaptive, ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { createGitLookups, type GitLookups } from '../git/lookups.js';
import type { Reporter } from '../reporters/types.js';
import type { ComparisonSideInfo, ComparisonSidePrompt, RunHeader } from '../run-record/types.js';
import type { Clock } from '../util/clock.js';
import type { EngineResult, SuiteRun } from '../runner/engine.js';
import type { SuitePlan } from '../runner/plan.js';
import { shardOption } from '../runner/select.js';
import { runSession } from '../runner/session.js';
import { promptOf, type SideSource } from '../runner/sides.js';

/** What a comparison is asked to do (compare, ci and drift each fill it from their options). */
export interface ComparisonOptions {
  /** `--baseline <spec>`: git revision, `@version`, or `run:<path>` (relative to the project root). */
  baseline: string;
  /** `--candidate <spec>`. @default 'working tree' */
  candidate?: string;
  noCache?: boolean;
  /** `--baseline-cache` (true) / `--no-baseline-cache` (false); undefined: `gate.baselineCache`. */
  baselineCache?: boolean;
  filter?: string;
  /** `--shard <i/n>`. */
  shard?: string;
  record?: boolean;
  resume?: string;
  out?: string;
  models?: string[];
  /** `--repeat` as given (refused with adaptive repeats). */
  repeat?: number;
  /** `--adaptive` (true) / `--no-adaptive` (false); undefined: the config's `adaptive`. */
  adaptive?: boolean;
  /** `--batch`: every model's calls through its provider's Batch API. */
  batch?: boolean;
  /** `--batch-timeout`, ms. */
  batchTimeoutMs?: number;
  /** `--max-cost <usd>`; undefined: the config's `budget.maxCostUsd`. */
  maxCost?: number;
  /** `--allow-over-estimate` */
  allowOverEstimate?: boolean;
}

/** `--baseline-cache` with `--no-cache` asks for cached answers and for none: exit 2 before anything runs. */
export function checkSampling(options: { baselineCache?: boolean; noCache?: boolean }): void {
  if (options.baselineCache && options.noCache) {
    throw inputError('USAGE', '--baseline-cache reuses cached baseline answers, and --no-cache reads no cache', { file: '--baseline-cache' }, 'drop one of the two flags');
  }
}

/** Shared by compare, ci and drift: resolve both sides of every suite, run them on one scheduler and cache, gate. */
export async function runComparison(input: {
  config: ResolvedConfig;
  plans: SuitePlan[];
  options: ComparisonOptions;
  reporters: Reporter[];
  signal: AbortSignal;
  command: string;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** The time rate limits and retry waits run on (Context.clock). @default systemClock */
  clock?: Clock;
  /** drift: more run.json header fields, decided with the comparison (after every case is done). */
  extend?: (engine: EngineResult) => Pick<RunHeader, 'drift'>;
  /**
   * A suite with no baseline (its prompt is not at the revision, or the stored run lacks it):
   * `error` exits 2 naming it (compare, drift); `absent` runs it with its cases decided by the
   * floor only (ci: a pull request may add a prompt). @default 'error'
   */
  missingBaseline?: 'error' | 'absent';
  /** The arguments that resume the run (printed when the batch timeout stops it; runner/session.ts). */
  resumeArgs?: (runFolder: string) => string[];
  /** The command's git answers (ci has resolved its base with them). @default a fresh one for this comparison */
  git?: GitLookups;
}): Promise<{ header: RunHeader; runDir: string; files: string[] }> {
  const { config, options, stderr } = input;
  const sampling = samplingChoice(input.command, options, config);
  const adaptiveSettings = input.command === 'drift' ? undefined : adaptiveChoice(options, config);
  const baselineSpec = parseSideSpec(options.baseline);
  const candidateSpec = parseSideSpec(options.candidate ?? 'working tree');
  const git = input.git ?? createGitLookups();
  const [baseline, candidate] = await Promise.all([
    createSideResolver(baselineSpec, config, { flag: '--baseline', missing: input.missingBaseline, env: input.env, git }),
    createSideResolver(candidateSpec, config, { flag: '--candidate', env: input.env, git }),
  ]);
  await Promise.all([baseline.prefetch?.(input.plans), candidate.prefetch?.(input.plans)]);
  const suites: SuiteRun[] = [];
  for (const plan of input.plans) {
    suites.push({ plan, candidate: await candidate.sourceFor(plan), baseline: await baseline.sourceFor(plan) });
  }
  let adaptive: AdaptiveGate | undefined;
  if (adaptiveSettings) {
    // Adaptive rounds draw more repeats on both sides: a stored run's results cannot be drawn again.
    for (const [flag, source] of [['--baseline', suites.map((s) => s.baseline)], ['--candidate', suites.map((s) => s.candidate)]] as const) {
      if (source.some((side) => side?.kind === 'stored')) {
        throw inputError('USAGE', `adaptive repeats draw more repeats of both sides, and ${flag} is a stored run (its results cannot be drawn again)`, { file: '--adaptive' }, `compare with a git revision or a prompt version, or drop --adaptive`);
      }
    }
    const gateOptions = { repeat: adaptiveSettings.startRepeats };
    adaptive = createAdaptiveGate(adaptiveSettings, config.gate, gateOptions);
  }
  const baselineInfo = sideInfo(baselineSpec.text, baseline, suites.map((s) => [s.plan, s.baseline!]));
  const candidateInfo = sideInfo(candidateSpec.text, candidate, suites.map((s) => [s.plan, s.candidate]));
  for (const note of [...baseline.notes, ...candidate.notes]) stderr.write(`promptgate: note: ${note}\n`);
  return runSession({
    config,
    suites,
    command: input.command,
    specs: { baseline: baselineSpec.text, candidate: candidateSpec.text },
    flags: { concurrency: config.concurrency, filter: options.filter, shard: shardOption(options.shard), noCache: options.noCache, record: options.record, resume: options.resume, out: options.out, models: options.models, batch: options.batch, batchTimeoutMs: options.batchTimeoutMs, maxCostUsd: options.maxCost, allowOverEstimate: options.allowOverEstimate },
    ...(input.resumeArgs ? { resumeArgs: input.resumeArgs } : {}),
    reporters: input.reporters,
    signal: input.signal,
    sampling,
    ...(adaptive ? { adaptive } : {}),
    warn: (line) => stderr.write(`${line}\n`),
    stderr,
    env: input.env,
    clock: input.clock,
    git,
    decide: (engine) => {
      // Adaptive: the last look decided (round 1 for the mean test, every repeat for the per-case test, at the design's alphas).
      const last = engine.adaptive?.last;
      const rows = last ? last.analysis.rows : compareRows(engine.slimCases, { repeat: Math.max(1, ...input.plans.map((p) => p.repeat)), gate: config.gate });
      const comparison = buildComparison(rows, baselineInfo, candidateInfo, config.gate, engine.summary.totals);
      if (engine.sampling) comparison.sampling = engine.sampling;
      if (engine.costs) attachCosts(comparison, engine.costs);
      if (engine.adaptive) {
        comparison.adaptive = engine.adaptive.record;
        if (comparison.familyWise) comparison.familyWise = { ...comparison.familyWise, alphaMean: engine.adaptive.record.alphaMean, alphaCase: engine.adaptive.record.alphaCase };
      }
      return { comparison, gate: comparison.gate, ...input.extend?.(engine) };
    },
  });
}

/** The flags adaptive repeats are chosen by (`--adaptive` / `--no-adaptive`) and refused with. */
type AdaptiveFlags = { adaptive?: boolean; repeat?: number; resume?: string; shard?: string };

/**
 * Adaptive repeats (compare, ci; docs/adaptive.md): `--adaptive` / `--no-adaptive`, else the
 * config's `adaptive`. Refused (exit 2, before anything runs) with `--repeat` (the rounds set the
 * repeats), `--resume` (a round's plan depends on the looks before it) and `--shard` (each look
 * needs every case). Undefined: off.
 */
export function adaptiveChoice(options: AdaptiveFlags, config: ResolvedConfig): ResolvedAdaptive | undefined {
  const on = options.adaptive ?? config.adaptive?.enabled ?? false;
  if (!on) return undefined;
  refuseWithAdaptive(options);
  return config.adaptive ?? { enabled: true, ...DEFAULT_ADAPTIVE };
}

/**
 * `--adaptive` with `--repeat`, `--resume` or `--shard`: the refusal of adaptiveChoice(), made
 * before the project is read (compare, ci). Adaptive repeats the config turns on are refused by
 * adaptiveChoice(), once the config is loaded.
 */
export function checkAdaptiveFlags(options: AdaptiveFlags): void {
  if (options.adaptive) refuseWithAdaptive(options);
}

function refuseWithAdaptive(options: AdaptiveFlags): void {
  const by = options.adaptive ? '--adaptive' : 'the config\'s `adaptive`';
  const refuse = (flag: string, why: string, hint: string) => inputError('USAGE', `${flag} cannot be used with adaptive repeats (${by}): ${why}`, { file: flag }, hint);
  const off = options.adaptive ? 'drop --adaptive' : 'add --no-adaptive';
  if (options.repeat !== undefined) throw refuse('--repeat', 'the rounds choose the repeats of each case', `set adaptive.startRepeats / maxRepeats / budget in the config, or ${off}`);
  if (options.resume !== undefined) throw refuse('--resume', 'each round is planned from the looks before it, which an interrupted run did not finish', 'run the comparison again');
  if (options.shard !== undefined) throw refuse('--shard', 'each look needs every case of the comparison', `run it unsharded, or ${off}`);
}

/**
 * Which cached answers a comparison may reuse (docs/compare-and-gate.md, "Fresh samples"): noisy sides are
 * drawn fresh; the baseline's cache is reused only when the user chose it (`--baseline-cache`,
 * else `gate.baselineCache`); `--no-cache` (and drift) read no cache at all. `by` names the choice.
 */
function samplingChoice(command: string, options: ComparisonOptions, config: ResolvedConfig): { baselineCache: boolean; by?: string } {
  checkSampling(options);
  if (options.noCache) return { baselineCache: false, by: command === 'drift' ? 'drift' : '--no-cache' };
  if (config.paths.cache === false) return { baselineCache: false, by: 'cache: false' };
  const chosen = options.baselineCache ?? config.gate.baselineCache;
  if (!chosen) return { baselineCache: false };
  return { baselineCache: true, by: options.baselineCache ? '--baseline-cache' : 'gate.baselineCache' };
}

/** run.json's description of one side: the spec, its label, the commit, and each suite's prompt version and hash. */
function sideInfo(spec: string, resolver: SideResolver, sources: Array<[SuitePlan, SideSource]>): ComparisonSideInfo {
  const prompts: ComparisonSidePrompt[] = sources.map(([plan, source]) => {
    if (source.kind === 'absent') return { suite: plan.name, id: plan.prompt.id, missing: true };
    const prompt = promptOf(source);
    const commit = source.kind === 'prompt' ? source.commit : undefined;
    return { suite: plan.name, id: prompt?.id ?? plan.prompt.id, ...(prompt ? { version: prompt.version, hash: prompt.hash } : {}), ...(commit ? { commit } : {}) };
  });
  const commits = new Set(prompts.map((p) => p.commit));
  const commit = resolver.commit ?? (commits.size === 1 ? [...commits][0] : undefined);
  return { spec, label: resolver.label, ...(commit ? { commit } : {}), prompts };
}
