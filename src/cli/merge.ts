import type { Command } from 'commander';
import type { ReporterName } from '../config/types.js';
import type { RunHeader } from '../run-record/types.js';
import { createReporters } from '../reporters/index.js';
import { mergeRuns } from '../runner/merge.js';
import { exitCodeOf } from '../runner/session.js';
import { reportError } from './errors.js';
import { addReporterOption, loadConfigWithFlags } from './options.js';
import type { CliRuntime } from './runtime.js';

interface MergeFlags {
  config?: string;
  out?: string;
  reporter?: ReporterName[];
  debug?: boolean;
}


export function registerMerge(program: Command, cli: CliRuntime): void {
  const command = program
    .command('merge')
    .argument('<run...>', 'run folders (or run.json files) of the shards of one `--shard i/n` split')
    .description('combine shard runs into one run folder, and decide the gate on all their cases')
    .option('-c, --config <file>', 'config file (gate rules and reporters)')
    .option('-o, --out <dir>', 'folder for the merged run folder (default: reports/)');
  addReporterOption(command, "the config's `reporters`")
    .option('--debug', 'print stack traces')
    .action(async (runs: string[], flags: MergeFlags) => {
      cli.exit(await mergeCommand(runs, flags, cli.context));
    });
}

/** `promptgate merge`: exit code as for the command that made the shards (SPEC §7), 2 for shards that do not fit together. */
export async function mergeCommand(runs: string[], flags: MergeFlags, io: { cwd: string; env: NodeJS.ProcessEnv; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  try {
    const config = await loadConfigWithFlags({ config: flags.config, cache: true, reporter: flags.reporter }, io.cwd);
    const reporters = await createReporters(config.reporters, { rootDir: config.rootDir, progress: false, stream: io.stdout, stderr: io.stderr, env: io.env });
    const configFor = (options: RunHeader['options']) =>
      loadConfigWithFlags({ config: flags.config, reporter: flags.reporter, concurrency: options.concurrency, cache: options.cache, repeat: options.repeat === config.repeat ? undefined : options.repeat }, io.cwd);
    const { header, runDir } = await mergeRuns({ runs, config, out: flags.out, reporters, configFor, stderr: io.stderr });
    if (!config.reporters.includes('console')) io.stdout.write(`Merged ${runs.length} run(s) into ${runDir}\n`);
    return exitCodeOf(header);
  } catch (error) {
    return reportError(error, Boolean(flags.debug), io.stderr);
  }
}
