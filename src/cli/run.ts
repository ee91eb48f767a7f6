import { Option, type Command } from 'commander';
import { inputError } from '../errors.js';
import { createReporters } from '../reporters/index.js';
import { decideRunFloor } from '../runner/floor.js';
import { resolveSuites } from '../runner/plan.js';
import { exitCodeOf, runSession } from '../runner/session.js';
import { reportError } from './errors.js';
import { addRunFlags, loadConfigWithFlags, shardOf, type CommonFlags } from './options.js';
import { interruptSignal } from './signals.js';

export function registerRun(program: Command): void {
  addRunFlags(program.command('run').argument('[suite...]', 'suites to run (default: all)').description('run the cases of the working-tree prompts and write a run folder'))
    // Known, so that it is refused in one line (adaptive repeats are for compare and ci).
    .addOption(new Option('--adaptive').hideHelp())
    .action(async (suites: string[], flags: CommonFlags) => {
      process.exitCode = await runCommand(suites, flags);
    });
}

export async function runCommand(only: string[], flags: CommonFlags): Promise<number> {
  const interrupt = interruptSignal();
  try {
    if (flags.adaptive) {
      throw inputError('USAGE', 'adaptive repeats add repeats where a baseline and the candidate disagree, and run has no baseline', { file: '--adaptive' }, 'use `promptgate compare --baseline <rev> --adaptive`, or --repeat <n> for a fixed number of repeats');
    }
    const config = await loadConfigWithFlags(flags);
    const plans = await resolveSuites(config, { only, models: flags.model, repeat: flags.repeat, orphans: true });
    const runnable = plans.filter((plan) => plan.caseFiles.length > 0);
    if (runnable.length === 0) {
      process.stderr.write('promptgate: no suite has cases (put them in evals/<prompt id>.csv, .jsonl or evals/<prompt id>/)\n');
      return 2;
    }
    const reporters = await createReporters(config.reporters, { rootDir: config.rootDir });
    const { header } = await runSession({
      config,
      suites: runnable.map((plan) => ({ plan, candidate: { kind: 'prompt', prompt: plan.prompt } })),
      command: 'run',
      flags: { concurrency: config.concurrency, filter: flags.filter, shard: shardOf(flags), noCache: !flags.cache, record: flags.record, resume: flags.resume, out: flags.out, models: flags.model },
      reporters,
      signal: interrupt.signal,
      decide: (engine) => ({ gate: decideRunFloor(engine.summary.rows, engine.summary.totals, config.gate) }),
    });
    return exitCodeOf(header);
  } catch (error) {
    return reportError(error, Boolean(flags.debug));
  } finally {
    interrupt.dispose();
  }
}
