import type { Command } from 'commander';
import { compare } from '../api/compare.js';
import { addAdaptiveFlags, addBatchFlags, addRunFlags, addSamplingFlags, commonOptionsOf, type CommonFlags } from './options.js';
import { exitOf, withInterrupt, type CliRuntime } from './runtime.js';

export interface CompareFlags extends CommonFlags {
  baseline: string;
  candidate?: string;
}

export function registerCompare(program: Command, cli: CliRuntime): void {
  addBatchFlags(addAdaptiveFlags(addSamplingFlags(
    addRunFlags(
      program
        .command('compare')
        .argument('[suite...]', 'suites to compare (default: all)')
        .description('run candidate and baseline prompt versions on the same cases and models, and gate regressions')
        .requiredOption('-b, --baseline <spec>', 'git revision (main, HEAD~1, git:<rev>), prompt version (@1.2.0) or stored run (run:<path>)')
        .option('--candidate <spec>', 'same forms as --baseline (default: the working tree)'),
    ),
  ))).action(async (suites: string[], flags: CompareFlags) => {
    cli.exit(
      await withInterrupt(cli.context, async (context) => {
        const options = { ...commonOptionsOf(flags), suites, baseline: flags.baseline, candidate: flags.candidate, baselineCache: flags.baselineCache, adaptive: flags.adaptive };
        return exitOf(await compare(options, context), flags.debug, context.stderr);
      }),
    );
  });
}
