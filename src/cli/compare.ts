import type { Command } from 'commander';
import { buildComparison, compareRows } from '../compare/index.js';
import { createSideResolver, parseSideSpec } from '../compare/side-spec.js';
import type { ResolvedConfig } from '../config/types.js';
import { createReporters } from '../reporters/index.js';
import type { Reporter } from '../reporters/types.js';
import type { RunHeader } from '../run-record/types.js';
import type { EngineResult, SuiteRun } from '../runner/engine.js';
import { resolveSuites, type SuitePlan } from '../runner/plan.js';
import { exitCodeOf, runSession } from '../runner/session.js';
import { reportError } from './errors.js';
import { addRunFlags, loadConfigWithFlags, shardOf, type CommonFlags } from './options.js';
import { interruptSignal } from './signals.js';

export interface CompareFlags extends CommonFlags {
  baseline: string;
  candidate?: string;
}

export function registerCompare(program: Command): void {
  addRunFlags(
    program
      .command('compare')
      .argument('[suite...]', 'suites to compare (default: all)')
      .description('run candidate and baseline prompt versions on the same cases and models, and gate regressions')
      .requiredOption('-b, --baseline <spec>', 'git revision (main, HEAD~1, git:<rev>), prompt version (@1.2.0) or stored run (run:<path>)')
      .option('--candidate <spec>', 'same forms as --baseline (default: the working tree)'),
  ).action(async (suites: string[], flags: CompareFlags) => {
    process.exitCode = await compareCommand(suites, flags);
  });
}

export async function compareCommand(only: string[], flags: CompareFlags): Promise<number> {
  const interrupt = interruptSignal();
  try {
    const config = await loadConfigWithFlags(flags);
    const plans = (await resolveSuites(config, { only, models: flags.model, repeat: flags.repeat })).filter((plan) => plan.caseFiles.length > 0);
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
}): Promise<{ header: RunHeader; runDir: string }> {
  const { config, flags } = input;
  const baselineSpec = parseSideSpec(flags.baseline);
  const candidateSpec = parseSideSpec(flags.candidate ?? 'working tree');
  const [baseline, candidate] = await Promise.all([createSideResolver(baselineSpec, config), createSideResolver(candidateSpec, config)]);
  const suites: SuiteRun[] = [];
  for (const plan of input.plans) {
    suites.push({ plan, candidate: await candidate.sourceFor(plan), baseline: await baseline.sourceFor(plan) });
  }
  for (const note of [...baseline.notes, ...candidate.notes]) (input.stderr ?? process.stderr).write(`promptgate: note: ${note}\n`);
  const result = await runSession({
    config,
    suites,
    command: input.command,
    flags: { concurrency: config.concurrency, filter: flags.filter, shard: shardOf(flags), noCache: !flags.cache, record: flags.record, resume: flags.resume, out: flags.out, models: flags.model },
    reporters: input.reporters,
    signal: input.signal,
    stderr: input.stderr,
    decide: (engine) => {
      const rows = compareRows(engine.slimCases, { repeat: Math.max(1, ...input.plans.map((p) => p.repeat)), gate: config.gate });
      const comparison = buildComparison(rows, { spec: baselineSpec.text, label: baseline.label }, { spec: candidateSpec.text, label: candidate.label }, config.gate, engine.summary.totals);
      return { comparison, gate: comparison.gate, ...input.extend?.(engine) };
    },
  });
  return { header: result.header, runDir: result.runDir };
}
