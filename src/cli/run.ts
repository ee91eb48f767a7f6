import type { Command } from 'commander';
import { run } from '../api/run.js';
import { addRunFlags, commonOptionsOf, type CommonFlags } from './options.js';
import { exitOf, withInterrupt, type CliRuntime } from './runtime.js';

export function registerRun(program: Command, cli: CliRuntime): void {
  addRunFlags(program.command('run').argument('[suite...]', 'suites to run (default: all)').description('run the cases of the working-tree prompts and write a run folder')).action(
    async (suites: string[], flags: CommonFlags) => {
      cli.exit(await withInterrupt(cli.context, async (context) => exitOf(await run({ ...commonOptionsOf(flags), suites }, context), flags.debug, context.stderr)));
    },
  );
}
