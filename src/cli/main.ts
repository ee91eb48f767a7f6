import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Context } from '../api/context.js';
import type { CliRuntime } from './runtime.js';

/**
 * What bin.ts wraps main() in, from the same module instance: the test harness that runs the
 * bundled main() in-process (test/helpers/cli-in-process.ts) guards its streams with these, and
 * the guard recognises its own workflow-command writes only within one module instance.
 */
export { escapeControlChars, guardOutput } from '../util/output-guard.js';

/**
 * Entry of the `promptgate` command: `argv` as process.argv (node, script, args…), run in
 * `context` (defaults: the process's cwd, env and streams; no signal: SIGINT / SIGTERM interrupt a
 * run). Returns the exit code; never sets process.exitCode or exits (bin.ts does). Command modules
 * are imported only when their command runs.
 */
export async function main(argv: string[], context: Context = {}): Promise<number> {
  const stdout = context.stdout ?? process.stdout;
  const stderr = context.stderr ?? process.stderr;
  const version = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;
  const args = argv.slice(2);
  // `--version` is answered before anything else loads: start-up time is a feature.
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    stdout.write(`${version}\n`);
    return 0;
  }
  // commander is imported after the `--version` shortcut: that path loads nothing but this file.
  const commander = await import('commander');
  const { resolveContext } = await import('../api/context.js');
  let exitCode = 0;
  const cli: CliRuntime = { context: resolveContext({ ...context, stdout, stderr }), exit: (code) => (exitCode = code) };
  const program = new commander.Command('promptgate')
    .description('Prompts as code: run, compare and gate prompt versions on test cases')
    .version(version)
    .showHelpAfterError()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) })
    .exitOverride();
  const commands: Record<string, () => Promise<(p: Command, cli: CliRuntime) => void>> = {
    run: async () => (await import('./run.js')).registerRun,
    check: async () => (await import('./check.js')).registerCheck,
    list: async () => (await import('./list.js')).registerList,
    cases: async () => (await import('./cases-from-log.js')).registerCases,
    compare: async () => (await import('./compare.js')).registerCompare,
    ci: async () => (await import('./ci.js')).registerCi,
    drift: async () => (await import('./drift.js')).registerDrift,
    baseline: async () => (await import('./baseline.js')).registerBaseline,
    comment: async () => (await import('./comment.js')).registerComment,
    lock: async () => (await import('./lock.js')).registerLock,
    init: async () => (await import('./init.js')).registerInit,
    import: async () => (await import('./import.js')).registerImport,
    report: async () => (await import('./report.js')).registerReport,
    show: async () => (await import('./report.js')).registerReport,
    merge: async () => (await import('./merge.js')).registerMerge,
    history: async () => (await import('./history.js')).registerHistory,
    publish: async () => (await import('./registry.js')).registerRegistry,
    promote: async () => (await import('./registry.js')).registerRegistry,
    rollback: async () => (await import('./registry.js')).registerRegistry,
    status: async () => (await import('./registry.js')).registerRegistry,
  };
  const name = args.find((a) => !a.startsWith('-'));
  const toRegister = name && commands[name] ? [commands[name]] : Object.values(commands);
  // Several names may share one module (report/show): register each once.
  const registrars = new Set(await Promise.all(toRegister.map((load) => load())));
  for (const register of registrars) register(program, cli);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { exitCode?: number; code?: string }).exitCode;
    if ((error as { code?: string }).code === 'commander.helpDisplayed' || (error as { code?: string }).code === 'commander.version') return 0;
    return typeof code === 'number' && code !== 0 ? 2 : 0;
  }
  return exitCode;
}
