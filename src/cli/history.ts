import type { Command } from 'commander';
import { history, type HistoryOptions } from '../api/history.js';
import { exitOf, type CliRuntime } from './runtime.js';

/** The flags are the API's options, and --debug. */
type HistoryFlags = HistoryOptions & { debug?: boolean };

/** Exit codes: 0 written · 2 bad input (a bad --since, filters that keep no run, no runs yet). */
export function registerHistory(program: Command, cli: CliRuntime): void {
  program
    .command('history')
    .description('the runs over time: an HTML page (pass rate, cost, latency, cases × runs) and a Markdown summary, from reports/index.jsonl')
    .option('-c, --config <file>', 'config file (where the reports folder is)')
    .option('--reports <dir>', 'the folder of the run folders (default: the reports folder of the config)')
    .option('-s, --suite <name>', 'only this suite')
    .option('-m, --model <name>', 'only this model (its name in the config)')
    .option('--since <span|date>', 'only runs started since: 30d, 12h, 2w, or a date such as 2026-11-01')
    .option('-o, --out <file>', 'the HTML page to write; history.md goes beside it (default: reports/history.html)')
    .option('--rebuild', 'make reports/index.jsonl again from every run folder')
    .option('--debug', 'print stack traces')
    .action(async (flags: HistoryFlags) => {
      const { debug, ...options } = flags;
      cli.exit(exitOf(await history(options, cli.context), debug, cli.context.stderr));
    });
}
