import type { Command } from 'commander';
import { baselineAccept, baselineShow } from '../api/baseline.js';
import { exitOf, type CliRuntime } from './runtime.js';

interface BaselineFlags {
  config?: string;
  reason?: string;
  json?: boolean;
  debug?: boolean;
}

/** `promptgate baseline accept <run> [--reason]` and `promptgate baseline show`: exit 0, or 2 with one line. */
export function registerBaseline(program: Command, cli: CliRuntime): void {
  const baseline = program.command('baseline').description('the stored baseline `drift` uses: accept a run as it, or show it');
  baseline
    .command('accept')
    .argument('<run>', 'a run folder (reports/<run id>) or its run.json: complete, decided, no errored case')
    .description('store a run as the baseline (reports/baseline/), recording who, when and why')
    .option('-r, --reason <text>', 'why this run is the new baseline (kept in baseline.json)')
    .option('-c, --config <file>', 'config file (where the reports folder is)')
    .option('--debug', 'print stack traces')
    .action(async (run: string, flags: BaselineFlags) => {
      cli.exit(exitOf(await baselineAccept({ run, reason: flags.reason, config: flags.config }, cli.context), flags.debug, cli.context.stderr));
    });
  baseline
    .command('show')
    .description('print the stored baseline: run id, when, who, why, prompts, models and model versions')
    .option('-c, --config <file>', 'config file (where the reports folder is)')
    .option('--json', 'print it as JSON')
    .option('--debug', 'print stack traces')
    .action(async (flags: BaselineFlags) => {
      const context = flags.json ? { ...cli.context, stdout: devNull() } : cli.context;
      const result = await baselineShow({ config: flags.config }, context);
      if (result.ok && flags.json) cli.context.stdout.write(`${JSON.stringify(result.baseline, null, 2)}\n`);
      cli.exit(exitOf(result, flags.debug, cli.context.stderr));
    });
}

function devNull(): NodeJS.WritableStream {
  return { write: () => true } as unknown as NodeJS.WritableStream;
}
