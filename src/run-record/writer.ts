import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import type { CaseResult, RunHeader } from './types.js';

export const RUN_FILE = 'run.json';
export const CALLS_FILE = 'calls.jsonl';
/** Case results as they finish; folded into run.json at the end, kept for --resume. */
export const CASES_PARTIAL_FILE = 'cases.partial.jsonl';

/**
 * An append-only JSON-lines file. Records written in one turn of the event loop go to disk as one
 * write of whole lines (one write per record was the runner's main cost at thousands of calls a
 * second); `close` flushes what is left.
 */
export interface LineLog<T> {
  write(record: T): void;
  close(): Promise<void>;
}

/** Flush early once this many characters are waiting, so a burst never builds one giant string. */
const LINE_LOG_CHUNK = 1 << 16;

export function openLineLog<T>(file: string, flags: 'a' | 'w' = 'a'): LineLog<T> {
  const stream: WriteStream = createWriteStream(file, { flags });
  let failed: Error | undefined;
  let pending = '';
  let scheduled = false;
  stream.on('error', (error) => {
    failed = error;
  });
  const flush = () => {
    scheduled = false;
    if (!pending || failed) return;
    stream.write(pending);
    pending = '';
  };
  return {
    write(record) {
      if (failed) throw failed;
      pending += `${JSON.stringify(record)}\n`;
      if (pending.length >= LINE_LOG_CHUNK) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    async close() {
      if (stream.closed) return;
      flush();
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
 * by one (in chunks of whole lines), to a temp file that is renamed into place (a crash never
 * leaves a corrupt run.json). A case given as a string is taken as its JSON text, already made
 * (e.g. a line of cases.partial.jsonl), and copied as is.
 */
export async function writeRunFile(runDir: string, header: RunHeader, cases: AsyncIterable<CaseResult | string> | Iterable<CaseResult | string>): Promise<string> {
  const target = join(runDir, RUN_FILE);
  const tmp = `${target}.${process.pid}.tmp`;
  const stream = createWriteStream(tmp);
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  try {
    const head = JSON.stringify(header, null, 2);
    let chunk = `${head.slice(0, head.lastIndexOf('}')).trimEnd()},\n  "cases": [`;
    let first = true;
    for await (const result of cases) {
      chunk += `${first ? '\n' : ',\n'}    ${typeof result === 'string' ? result : JSON.stringify(result)}`;
      first = false;
      if (chunk.length >= LINE_LOG_CHUNK) {
        await write(chunk);
        chunk = '';
      }
    }
    await write(`${chunk}${first ? ']\n}\n' : '\n  ]\n}\n'}`);
    stream.end();
    await once(stream, 'close');
  } catch (error) {
    // The earlier run.json stays as it was; the half-written temp file goes -- once the stream has
    // closed: it opens the file asynchronously, so removing it sooner could leave it behind.
    const closed = stream.closed ? Promise.resolve() : once(stream, 'close').catch(() => {});
    stream.destroy();
    await closed;
    await rm(tmp, { force: true });
    throw error;
  }
  await rename(tmp, target);
  return target;
}

/**
 * The lines of a JSON-lines file as text, without parsing them: for a file this process wrote and
 * closed (e.g. cases.partial.jsonl into run.json), where parsing and re-serialising every line
 * would only cost time. Blank lines and anything that is not a `{...}` line are skipped.
 */
export async function* readRawLines(file: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    const text = line.trim();
    if (text.startsWith('{') && text.endsWith('}')) yield text;
  }
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
