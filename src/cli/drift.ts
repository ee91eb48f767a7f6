import type { Command } from 'commander';
import { drift } from '../api/drift.js';
import { addRunFlags, commonOptionsOf, type CommonFlags } from './options.js';
import { exitOf, withInterrupt, type CliRuntime } from './runtime.js';

export interface DriftFlags extends CommonFlags {
  /** `run:<path to run.json or run folder>`, or `run:baseline`; absent: the stored baseline. */
  baseline?: string;
  /** Copy the new run.json here when the run completes (e.g. baselines/nightly.json). */
  saveBaseline?: string;
}

/** Exit codes: 0 no regression · 1 the gate failed · 2 bad input (or the stored versions cannot be found) · 3 no verdict. */
export function registerDrift(program: Command, cli: CliRuntime): void {
  addRunFlags(
    program
      .command('drift')
      .argument('[suite...]', 'suites to check (default: every suite of the stored run)')
      .description("nightly check: re-run the stored run's prompt versions on today's models (no cache) and report score regressions, changed outputs, new errors and changed model versions")
      .option('-b, --baseline <spec>', 'the stored run: run:<path to run.json> (default: the baseline `promptgate baseline accept` stored, run:baseline)')
      .option('--save-baseline <path>', 'after the run, copy its run.json here when it may be a baseline (for --baseline run:<path>; `baseline accept` sets the stored one)'),
  ).action(async (suites: string[], flags: DriftFlags) => {
    cli.exit(
      await withInterrupt(cli.context, async (context) => {
        const { noCache: _ignored, ...common } = commonOptionsOf(flags);
        return exitOf(await drift({ ...common, suites, baseline: flags.baseline, saveBaseline: flags.saveBaseline }, context), flags.debug, context.stderr);
      }),
    );
  });
}
