import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ReporterName } from '../config/types.js';
import { createReporters } from '../reporters/index.js';
import { openStoredRun } from '../run-record/read.js';
import { reportError } from './errors.js';
import { addReporterOption, loadConfigWithFlags } from './options.js';
import type { CliRuntime } from './runtime.js';


interface ReportFlags {
  reporter?: ReporterName[];
  open?: boolean;
  debug?: boolean;
}

export function registerReport(program: Command, cli: CliRuntime): void {
  const report = program
    .command('report')
    .argument('<run>', 'a run folder or its run.json')
    .description('rebuild reports from a stored run (no model calls)');
  addReporterOption(report, 'html')
    .option('--open', 'print the path of the HTML report')
    .option('--debug', 'print stack traces')
    .action(async (run: string, flags: ReportFlags) => {
      cli.exit(await reportCommand(run, flags, cli.context));
    });
  program
    .command('show')
    .argument('[run]', 'a run folder (default: the newest in reports/)')
    .description('print where the HTML report of a run is (building it when missing)')
    .option('-c, --config <file>', 'config file')
    .option('--debug', 'print stack traces')
    .action(async (run: string | undefined, flags: { config?: string; debug?: boolean }) => {
      cli.exit(await showCommand(run, flags, cli.context));
    });
}

type Io = { cwd: string; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

export async function reportCommand(runPath: string, flags: ReportFlags, io: Io): Promise<number> {
  const out = io.stdout;
  try {
    // Checked whole (one streamed pass) before any report is written; then streamed again per reporter.
    const stored = await openStoredRun(resolve(io.cwd, runPath), { check: true });
    const runDir = stored.dir;
    const names = flags.reporter?.length ? flags.reporter : ['html' as const];
    const reporters = await createReporters(names, { rootDir: io.cwd, progress: false, stream: out, stderr: io.stderr });
    const written: string[] = [];
    for (const reporter of reporters) {
      const files = await reporter.onRunEnd?.(stored.header, () => stored.cases(), runDir);
      if (files) written.push(...files);
    }
    for (const path of written) out.write(`${path}\n`);
    if (flags.open) {
      const html = join(runDir, 'report.html');
      if (existsSync(html)) out.write(`open: file://${html}\n`);
    }
    return 0;
  } catch (error) {
    return reportError(error, Boolean(flags.debug), io.stderr);
  }
}

export async function showCommand(runPath: string | undefined, flags: { config?: string; debug?: boolean }, io: Io): Promise<number> {
  const out = io.stdout;
  try {
    let runDir = runPath ? resolve(io.cwd, runPath) : undefined;
    if (!runDir) {
      const config = await loadConfigWithFlags({ config: flags.config, cache: true }, io.cwd);
      const names = existsSync(config.paths.reports) ? (await readdir(config.paths.reports, { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(join(config.paths.reports, e.name, 'run.json'))).map((e) => e.name).sort() : [];
      if (names.length === 0) {
        io.stderr.write(`promptgate: no runs in ${config.paths.reports} yet (run \`promptgate run\` first)\n`);
        return 2;
      }
      runDir = join(config.paths.reports, names[names.length - 1]);
    }
    const html = join(runDir, 'report.html');
    if (!existsSync(html)) {
      const code = await reportCommand(runDir, { reporter: ['html'] }, { ...io, stdout: { write: () => true } as unknown as NodeJS.WritableStream });
      if (code !== 0) return code;
    }
    out.write(`file://${html}\n`);
    return 0;
  } catch (error) {
    return reportError(error, Boolean(flags.debug), io.stderr);
  }
}
