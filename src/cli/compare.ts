import type { Command } from 'commander';
import { createAdaptiveGate, type AdaptiveGate } from '../compare/adaptive.js';
import { buildComparison, compareRows } from '../compare/index.js';
import { createSideResolver, parseSideSpec, type SideResolver } from '../compare/side-spec.js';
import { DEFAULT_ADAPTIVE } from '../config/defaults.js';
import type { ResolvedAdaptive, ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { createReporters } from '../reporters/index.js';
import type { Reporter } from '../reporters/types.js';
import type { ComparisonSideInfo, ComparisonSidePrompt, RunHeader } from '../run-record/types.js';
import type { EngineResult, SuiteRun } from '../runner/engine.js';
import { resolveSuites, type SuitePlan } from '../runner/plan.js';
import { exitCodeOf, runSession } from '../runner/session.js';
import { promptOf, type SideSource } from '../runner/sides.js';
import { reportError } from './errors.js';
import { addAdaptiveFlags, addRunFlags, addSamplingFlags, checkSamplingFlags, loadConfigWithFlags, shardOf, type CommonFlags } from './options.js';
import { interruptSignal } from './signals.js';

export interface CompareFlags extends CommonFlags {
  baseline: string;
  candidate?: string;
}

export function registerCompare(program: Command): void {
  addAdaptiveFlags(addSamplingFlags(
    addRunFlags(
      program
        .command('compare')
        .argument('[suite...]', 'suites to compare (default: all)')
        .description('run candidate and baseline prompt versions on the same cases and models, and gate regressions')
        .requiredOption('-b, --baseline <spec>', 'git revision (main, HEAD~1, git:<rev>), prompt version (@1.2.0) or stored run (run:<path>)')
        .option('--candidate <spec>', 'same forms as --baseline (default: the working tree)'),
    ),
  )).action(async (suites: string[], flags: CompareFlags) => {
    process.exitCode = await compareCommand(suites, flags);
  });
}

export async function compareCommand(only: string[], flags: CompareFlags): Promise<number> {
  const interrupt = interruptSignal();
  try {
    checkSamplingFlags(flags);
    const config = await loadConfigWithFlags(flags);
    const adaptive = adaptiveChoice(flags, config);
    const plans = (await resolveSuites(config, { only, models: flags.model, repeat: adaptive?.startRepeats ?? flags.repeat, orphans: true })).filter((plan) => plan.caseFiles.length > 0);
    if (plans.length === 0) {
      process.stderr.write('promptgate: no suite has cases to compare\n');
      return 2;
    }
    const reporters = await createReporters(config.reporters, { rootDir: config.rootDir });
    const { header } = await runComparison({ config, plans, flags, reporters, signal: interrupt.signal, command: 'compare' });
    return exitCodeOf(header);
  } catch (error) {
    return reportError(error, Boolean(flags.debug));
  } finally {
    interrupt.dispose();
  }
}

/** Shared by compare, ci and drift: resolve both sides of every suite, run them on one scheduler and cache, gate. */
export async function runComparison(input: {
  config: ResolvedConfig;
  plans: SuitePlan[];
  flags: CompareFlags;
  reporters: Reporter[];
  signal: AbortSignal;
  command: string;
  stderr?: NodeJS.WritableStream;
  /** drift: more run.json header fields, decided with the comparison (after every case is done). */
  extend?: (engine: EngineResult) => Pick<RunHeader, 'drift'>;
  /**
   * A suite with no baseline (its prompt is not at the revision, or the stored run lacks it):
   * `error` exits 2 naming it (compare, drift); `absent` runs it with its cases decided by the
   * floor only (ci: a pull request may add a prompt). @default 'error'
   */
  missingBaseline?: 'error' | 'absent';
}): Promise<{ header: RunHeader; runDir: string }> {
  const { config, flags } = input;
  const sampling = samplingChoice(input.command, flags, config);
  const adaptiveSettings = input.command === 'drift' ? undefined : adaptiveChoice(flags, config);
  const baselineSpec = parseSideSpec(flags.baseline);
  const candidateSpec = parseSideSpec(flags.candidate ?? 'working tree');
  const [baseline, candidate] = await Promise.all([
    createSideResolver(baselineSpec, config, { flag: '--baseline', missing: input.missingBaseline }),
    createSideResolver(candidateSpec, config, { flag: '--candidate' }),
  ]);
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
  for (const note of [...baseline.notes, ...candidate.notes]) (input.stderr ?? process.stderr).write(`promptgate: note: ${note}\n`);
  const result = await runSession({
    config,
    suites,
    command: input.command,
    specs: { baseline: baselineSpec.text, candidate: candidateSpec.text },
    flags: { concurrency: config.concurrency, filter: flags.filter, shard: shardOf(flags), noCache: !flags.cache, record: flags.record, resume: flags.resume, out: flags.out, models: flags.model },
    reporters: input.reporters,
    signal: input.signal,
    sampling,
    ...(adaptive ? { adaptive } : {}),
    warn: (line) => (input.stderr ?? process.stderr).write(`${line}\n`),
    stderr: input.stderr,
    decide: (engine) => {
      // Adaptive: the last look decided (round 1 for the mean test, every repeat for the per-case test, at the design's alphas).
      const last = engine.adaptive?.last;
      const rows = last ? last.analysis.rows : compareRows(engine.slimCases, { repeat: Math.max(1, ...input.plans.map((p) => p.repeat)), gate: config.gate });
      const comparison = buildComparison(rows, baselineInfo, candidateInfo, config.gate, engine.summary.totals);
      if (engine.sampling) comparison.sampling = engine.sampling;
      if (engine.adaptive) {
        comparison.adaptive = engine.adaptive.record;
        if (comparison.familyWise) comparison.familyWise = { ...comparison.familyWise, alphaMean: engine.adaptive.record.alphaMean, alphaCase: engine.adaptive.record.alphaCase };
      }
      return { comparison, gate: comparison.gate, ...input.extend?.(engine) };
    },
  });
  return { header: result.header, runDir: result.runDir };
}

/**
 * Adaptive repeats (compare, ci; docs/adaptive.md): `--adaptive` / `--no-adaptive`, else the
 * config's `adaptive`. Refused (exit 2, before anything runs) with `--repeat` (the rounds set the
 * repeats), `--resume` (a round's plan depends on the looks before it) and `--shard` (each look
 * needs every case). Undefined: off.
 */
export function adaptiveChoice(flags: CommonFlags, config: ResolvedConfig): ResolvedAdaptive | undefined {
  const on = flags.adaptive ?? config.adaptive?.enabled ?? false;
  if (!on) return undefined;
  const by = flags.adaptive ? '--adaptive' : 'the config\'s `adaptive`';
  const refuse = (flag: string, why: string, hint: string) => inputError('USAGE', `${flag} cannot be used with adaptive repeats (${by}): ${why}`, { file: flag }, hint);
  const off = flags.adaptive ? 'drop --adaptive' : 'add --no-adaptive';
  if (flags.repeat !== undefined) throw refuse('--repeat', 'the rounds choose the repeats of each case', `set adaptive.startRepeats / maxRepeats / budget in the config, or ${off}`);
  if (flags.resume !== undefined) throw refuse('--resume', 'each round is planned from the looks before it, which an interrupted run did not finish', 'run the comparison again');
  if (flags.shard !== undefined) throw refuse('--shard', 'each look needs every case of the comparison', `run it unsharded, or ${off}`);
  return config.adaptive ?? { enabled: true, ...DEFAULT_ADAPTIVE };
}

/**
 * Which cached answers a comparison may reuse (docs/compare-and-gate.md, "Fresh samples"): noisy sides are
 * drawn fresh; the baseline's cache is reused only when the user chose it (`--baseline-cache`,
 * else `gate.baselineCache`); `--no-cache` (and drift) read no cache at all. `by` names the choice.
 */
function samplingChoice(command: string, flags: CompareFlags, config: ResolvedConfig): { baselineCache: boolean; by?: string } {
  checkSamplingFlags(flags);
  if (!flags.cache) return { baselineCache: false, by: command === 'drift' ? 'drift' : '--no-cache' };
  if (config.paths.cache === false) return { baselineCache: false, by: 'cache: false' };
  const chosen = flags.baselineCache ?? config.gate.baselineCache;
  if (!chosen) return { baselineCache: false };
  return { baselineCache: true, by: flags.baselineCache ? '--baseline-cache' : 'gate.baselineCache' };
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
