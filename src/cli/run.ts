import { Option, type Command } from 'commander';
import { run } from '../api/run.js';
import { addBatchFlags, addRunFlags, commonOptionsOf, type CommonFlags } from './options.js';
import { exitOf, withInterrupt, type CliRuntime } from './runtime.js';

export function registerRun(program: Command, cli: CliRuntime): void {
  addBatchFlags(addRunFlags(program.command('run').argument('[suite...]', 'suites to run (default: all)').description('run the cases of the working-tree prompts and write a run folder')))
    // Known, so that it is refused in one line (adaptive repeats are for compare and ci).
    .addOption(new Option('--adaptive').hideHelp())
    .action(async (suites: string[], flags: CommonFlags) => {
      cli.exit(await withInterrupt(cli.context, async (context) => exitOf(await run({ ...commonOptionsOf(flags), suites, adaptive: flags.adaptive }, context), flags.debug, context.stderr)));
    });
}
