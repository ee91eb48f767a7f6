import { writeFileAtomic } from '../util/write-atomic.js';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { inputError } from '../errors.js';
import { readLines } from '../run-record/writer.js';
import { casesFromLog, formatCasesCsv, formatCasesJsonl, skippedText } from '../runtime/log-cases.js';
import { reportError } from './errors.js';
import type { CliRuntime } from './runtime.js';
import { guardedJson } from '../util/output-guard.js';

export interface CasesFromLogFlags {
  prompt?: string;
  out?: string;
  expectOutput?: boolean;
  force?: boolean;
  debug?: boolean;
}

/** `promptgate cases from-log <calls.jsonl>`: regression cases from logged (production) calls. */
export function registerCases(program: Command, cli: CliRuntime): void {
  const cases = program.command('cases').description('make case files');
  cases
    .command('from-log <calls>')
    .description('turn logged calls (a calls.jsonl from production or a run) into a case file, one case per distinct set of variables and conversation')
    .option('-p, --prompt <id>', 'only calls of this prompt (needed when the log has several)')
    .option('-o, --out <file>', 'write a .jsonl or .csv case file (default: JSONL on stdout)')
    .option('--expect-output', 'assert each case equals its most recent logged output (and makes its tool calls)')
    .option('--force', 'overwrite --out when it exists')
    .option('--debug', 'print stack traces')
    .action(async (calls: string, flags: CasesFromLogFlags) => {
      cli.exit(await casesFromLogCommand(calls, flags, cli.context));
    });
}

export async function casesFromLogCommand(
  logFile: string,
  flags: CasesFromLogFlags,
  io: { cwd: string; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  try {
    const format = flags.out === undefined ? 'jsonl' : formatOf(flags.out);
    const info = await stat(resolve(io.cwd, logFile)).catch(() => undefined);
    if (!info?.isFile()) throw inputError('FILE_MISSING', `log file not found: ${logFile}`, { file: logFile });
    if (flags.out !== undefined && !flags.force && (await stat(resolve(io.cwd, flags.out)).catch(() => undefined))) {
      throw inputError('USAGE', `${flags.out} exists`, { file: flags.out }, 'use --force to overwrite it, or choose another --out');
    }
    const result = await casesFromLog(readLines<unknown>(resolve(io.cwd, logFile)), { prompt: flags.prompt, expectOutput: flags.expectOutput, source: logFile });
    const text = format === 'csv' ? formatCasesCsv(result.cases) : formatCasesJsonl(result.cases);
    if (flags.out === undefined) {
      io.stdout.write(guardedJson(text));
    } else {
      await writeAtomically(resolve(io.cwd, flags.out), text);
    }
    const where = flags.out === undefined ? '' : ` to ${flags.out}`;
    io.stderr.write(`wrote ${result.cases.length} case(s) for ${result.promptId}${where} from ${result.calls} call(s)\n`);
    for (const phrase of skippedText(result.skipped)) io.stderr.write(`warning: left out ${phrase}\n`);
    return 0;
  } catch (error) {
    return reportError(error, Boolean(flags.debug), io.stderr);
  }
}

function formatOf(out: string): 'jsonl' | 'csv' {
  const ext = extname(out).toLowerCase();
  if (ext === '.jsonl') return 'jsonl';
  if (ext === '.csv') return 'csv';
  throw inputError('USAGE', `--out ${out}: the case file must end in .jsonl or .csv`);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, text);
}
