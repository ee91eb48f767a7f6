import type { Command } from 'commander';
import { check } from '../api/check.js';
import { exitOf, type CliRuntime } from './runtime.js';

export interface CheckFlags {
  config?: string;
  debug?: boolean;
  /** Version discipline: the git revision prompts are compared with (default HEAD). */
  base?: string;
  json?: boolean;
}

/** Exit 0 valid · 1 a policy check failed (version not bumped, stale lock) · 2 invalid input. */
export function registerCheck(program: Command, cli: CliRuntime): void {
  program
    .command('check')
    .description('validate config, prompts and cases without calling any model; check version bumps and prompts.lock.json')
    .option('-c, --config <file>', 'config file')
    .option('--base <rev>', 'a changed prompt must have a higher version than at this git revision (default: HEAD; skipped outside git)')
    .option('--json', 'print the result (counts, warnings, problems, the cost estimate) as one JSON object')
    .option('--debug', 'print stack traces')
    .action(async (flags: CheckFlags) => {
      cli.exit(exitOf(await check({ config: flags.config, base: flags.base, json: flags.json }, cli.context), flags.debug, cli.context.stderr));
    });
}
