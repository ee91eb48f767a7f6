import type { Command } from 'commander';
import { relative } from 'node:path';
import { resolveSuites } from '../runner/plan.js';
import { buildLock, readLockFile, writeLockFile } from '../runtime/lock.js';
import { diffLocks, lockablePrompts, lockPathOf } from '../workflows/lock-staleness.js';
import { reportError } from './errors.js';
import { loadConfigWithFlags } from './options.js';
import type { CliRuntime } from './runtime.js';

export interface LockFlags {
  config?: string;
  debug?: boolean;
}

export function registerLock(program: Command, cli: CliRuntime): void {
  program
    .command('lock')
    .description('write prompts.lock.json (prompt id → version, hash, path) from the working-tree prompts')
    .option('-c, --config <file>', 'config file')
    .option('--debug', 'print stack traces')
    .action(async (flags: LockFlags) => {
      cli.exit(await lockCommand(flags, cli.context));
    });
}

/** Writes `<project root>/prompts.lock.json`; prints what changed against the previous lock. */
export async function lockCommand(flags: LockFlags, io: { cwd: string; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const out = io.stdout;
  try {
    const config = await loadConfigWithFlags({ config: flags.config, cache: true }, io.cwd);
    const plans = await resolveSuites(config);
    const lock = buildLock(await lockablePrompts(config, plans));
    const file = lockPathOf(config);
    // A malformed previous lock is replaced, not an error: this command is how it gets fixed.
    const previous = await readLockFile(file).catch(() => undefined);
    await writeLockFile(file, lock);
    const count = Object.keys(lock.prompts).length;
    out.write(`✓ wrote ${relative(io.cwd, file) || file} (${count} prompt${count === 1 ? '' : 's'})\n`);
    if (previous) for (const d of diffLocks(previous, lock)) out.write(`  ${d.id}: ${d.detail.replace(/^not locked/, 'added')}\n`);
    return 0;
  } catch (error) {
    return reportError(error, Boolean(flags.debug), io.stderr);
  }
}
