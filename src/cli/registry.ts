import type { Command } from 'commander';
import { exitOf, type CliRuntime } from './runtime.js';

interface RegistryFlags {
  config?: string;
  store?: string;
  debug?: boolean;
  reason?: string;
}

const STORE_HELP = 'registry store: file:<dir>, postgres://…, https://… (read-only) (default: config registry.store, else $PROMPTGATE_STORE, else file:./registry)';

/**
 * The registry commands (one module, like report/show: each is a few lines over promptgate/node).
 * publish: 0 published (or unchanged) · 1 refused: no gate receipt, or the id@version holds other
 * content · 2 bad input, store unreachable or read-only. promote / rollback: 0 moved · 2 refused or
 * bad input. status: 0 · 1 a mismatch with the logs, or a tampered pointer · 2 bad input.
 */
export function registerRegistry(program: Command, cli: CliRuntime): void {
  const api = () => import('../api/registry.js');
  const common = (command: Command) => command.option('-c, --config <file>', 'config file').option('--store <url>', STORE_HELP).option('--debug', 'print stack traces');

  common(
    program
      .command('publish [id...]')
      .description('upload the working tree\'s prompt versions with their gate receipts (the passing run or compare for exactly that content) to the registry')
      .option('--force', 'publish a version without a passing gate receipt (needs --reason; recorded)')
      .option('--reason <text>', 'why a forced publish'),
  ).action(async (ids: string[], flags: RegistryFlags & { force?: boolean }) => {
    const result = await (await api()).publish({ ids, config: flags.config, store: flags.store, force: flags.force, reason: flags.reason }, cli.context);
    cli.exit(exitOf(result, flags.debug, cli.context.stderr));
  });

  common(
    program
      .command('promote <id@version>')
      .description('point a label (e.g. production) at a published version')
      .requiredOption('--label <label>', 'the label to move, e.g. production')
      .option('--reason <text>', 'why (recorded in the history)'),
  ).action(async (prompt: string, flags: RegistryFlags & { label: string }) => {
    const result = await (await api()).promote({ prompt, label: flags.label, reason: flags.reason, config: flags.config, store: flags.store }, cli.context);
    cli.exit(exitOf(result, flags.debug, cli.context.stderr));
  });

  common(
    program
      .command('rollback <id>')
      .description('move a label back to the version it pointed to before the current one')
      .requiredOption('--label <label>', 'the label to move back, e.g. production')
      .option('--reason <text>', 'why (recorded in the history)'),
  ).action(async (id: string, flags: RegistryFlags & { label: string }) => {
    const result = await (await api()).rollback({ id, label: flags.label, reason: flags.reason, config: flags.config, store: flags.store }, cli.context);
    cli.exit(exitOf(result, flags.debug, cli.context.stderr));
  });

  common(
    program
      .command('status')
      .description('which version and hash each label points to, since when, by whom, why, and its gate receipt')
      .option('--label <label>', 'only this label')
      .option('--log <file or glob>', 'production call logs (calls.jsonl): what served traffic, next to what the label says; exit 1 on a mismatch')
      .option('--json', 'print JSON instead of text'),
  ).action(async (flags: RegistryFlags & { label?: string; log?: string; json?: boolean }) => {
    const result = await (await api()).status({ label: flags.label, log: flags.log, json: flags.json, config: flags.config, store: flags.store }, cli.context);
    cli.exit(exitOf(result, flags.debug, cli.context.stderr));
  });
}
