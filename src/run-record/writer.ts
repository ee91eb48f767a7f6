import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { inputError } from '../errors.js';
import { RUN_FORMAT_VERSION, type CaseResult, type RunFile, type RunHeader } from './types.js';

export const RUN_FILE = 'run.json';
export const CALLS_FILE = 'calls.jsonl';
/** Case results as they finish; folded into run.json at the end, kept for --resume. */
export const CASES_PARTIAL_FILE = 'cases.partial.jsonl';

/** An append-only JSON-lines file. Each record is one write of one whole line. */
export interface LineLog<T> {
  write(record: T): void;
  close(): Promise<void>;
}

export function openLineLog<T>(file: string, flags: 'a' | 'w' = 'a'): LineLog<T> {
  const stream: WriteStream = createWriteStream(file, { flags });
  let failed: Error | undefined;
  stream.on('error', (error) => {
    failed = error;
  });
  return {
    write(record) {
      if (failed) throw failed;
      stream.write(`${JSON.stringify(record)}\n`);
    },
    async close() {
      if (stream.closed) return;
      stream.end();
      await once(stream, 'close');
      if (failed) throw failed;
    },
  };
}

/** Reads a JSON-lines file record by record; a torn last line (crash mid-write) is skipped. */
export async function* readLines<T>(file: string): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as T;
    } catch {
      // Only the last line can be torn; anything unparsable is dropped rather than trusted.
    }
  }
}

export async function ensureRunDir(reportsDir: string, runId: string): Promise<string> {
  const dir = join(reportsDir, runId);
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Writes run.json without building one giant string: header fields, then the cases streamed one
 * by one, to a temp file that is renamed into place (a crash never leaves a corrupt run.json).
 */
export async function writeRunFile(runDir: string, header: RunHeader, cases: AsyncIterable<CaseResult> | Iterable<CaseResult>): Promise<string> {
  const target = join(runDir, RUN_FILE);
  const tmp = `${target}.${process.pid}.tmp`;
  const stream = createWriteStream(tmp);
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  const head = JSON.stringify(header, null, 2);
  await write(`${head.slice(0, head.lastIndexOf('}')).trimEnd()},\n  "cases": [`);
  let first = true;
  for await (const result of cases) {
    await write(`${first ? '\n' : ',\n'}    ${JSON.stringify(result)}`);
    first = false;
  }
  await write(first ? ']\n}\n' : '\n  ]\n}\n');
  stream.end();
  await once(stream, 'close');
  await rename(tmp, target);
  return target;
}

/** Reads a stored run (a run folder or its run.json). Checks the format version. */
export async function readRunFile(path: string): Promise<{ run: RunFile; file: string }> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, RUN_FILE);
  } catch {
    throw inputError('FILE_MISSING', `no run found at ${path}`, { file: path });
  }
  let run: RunFile;
  try {
    run = JSON.parse(await readFile(file, 'utf8')) as RunFile;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'not valid JSON';
    throw inputError('RUN_INVALID', `cannot read run: ${reason}`, { file });
  }
  if (run?.format !== 'promptgate-run' || !Array.isArray(run.cases)) {
    throw inputError('RUN_INVALID', 'not a promptgate run.json', { file });
  }
  if (run.formatVersion !== RUN_FORMAT_VERSION) {
    throw inputError('RUN_INVALID', `run format version ${run.formatVersion} is not supported (expected ${RUN_FORMAT_VERSION})`, { file });
  }
  return { run, file };
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
