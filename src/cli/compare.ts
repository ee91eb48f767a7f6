import type { Command } from 'commander';
import { buildComparison, compareRows } from '../compare/index.js';
import { createSideResolver, parseSideSpec, type SideResolver } from '../compare/side-spec.js';
import type { ResolvedConfig } from '../config/types.js';
import { createReporters } from '../reporters/index.js';
import type { Reporter } from '../reporters/types.js';
import type { ComparisonSideInfo, ComparisonSidePrompt, RunHeader } from '../run-record/types.js';
import type { EngineResult, SuiteRun } from '../runner/engine.js';
import { resolveSuites, type SuitePlan } from '../runner/plan.js';
import { exitCodeOf, runSession } from '../runner/session.js';
import { promptOf, type SideSource } from '../runner/sides.js';
import { reportError } from './errors.js';
import { addRunFlags, addSamplingFlags, checkSamplingFlags, loadConfigWithFlags, shardOf, type CommonFlags } from './options.js';
import { interruptSignal } from './signals.js';

export interface CompareFlags extends CommonFlags {
  baseline: string;
  candidate?: string;
}

export function registerCompare(program: Command): void {
  addSamplingFlags(
    addRunFlags(
      program
        .command('compare')
        .argument('[suite...]', 'suites to compare (default: all)')
        .description('run candidate and baseline prompt versions on the same cases and models, and gate regressions')
        .requiredOption('-b, --baseline <spec>', 'git revision (main, HEAD~1, git:<rev>), prompt version (@1.2.0) or stored run (run:<path>)')
        .option('--candidate <spec>', 'same forms as --baseline (default: the working tree)'),
    ),
  ).action(async (suites: string[], flags: CompareFlags) => {
    process.exitCode = await compareCommand(suites, flags);
  });
}

export async function compareCommand(only: string[], flags: CompareFlags): Promise<number> {
  const interrupt = interruptSignal();
  try {
    checkSamplingFlags(flags);
    const config = await loadConfigWithFlags(flags);
    const plans = (await resolveSuites(config, { only, models: flags.model, repeat: flags.repeat, orphans: true })).filter((plan) => plan.caseFiles.length > 0);
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
    warn: (line) => (input.stderr ?? process.stderr).write(`${line}\n`),
    stderr: input.stderr,
    decide: (engine) => {
      const rows = compareRows(engine.slimCases, { repeat: Math.max(1, ...input.plans.map((p) => p.repeat)), gate: config.gate });
      const comparison = buildComparison(rows, baselineInfo, candidateInfo, config.gate, engine.summary.totals);
      if (engine.sampling) comparison.sampling = engine.sampling;
      return { comparison, gate: comparison.gate, ...input.extend?.(engine) };
    },
  });
  return { header: result.header, runDir: result.runDir };
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
