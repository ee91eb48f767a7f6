/**
 * The one reader of stored runs (run.json). `openStoredRun` streams: the header, then the cases one
 * at a time on demand (run.json as writeRunFile lays it out: one case per line), so merge, report
 * and the annotations of ci / drift never hold every case at once. `readRunFile` / `readRun` read a
 * run whole, for the few callers that index every case (a `run:` baseline, drift's stored run).
 * Every reader checks the format version and the shape against schemas/run.schema.json and throws
 * RUN_INVALID / FILE_MISSING (exit 2, naming the file) for anything else.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { inputError } from '../errors.js';
import { READABLE_FORMAT_VERSIONS, RUN_FORMAT_VERSION, type CaseResult, type RunFile, type RunHeader } from './types.js';
import { checkCaseShape, checkRunShape } from './validate.js';
import { RUN_FILE } from './writer.js';

/** A stored run read as a stream: its header, and its cases on demand (never all in memory). */
export interface StoredRun {
  dir: string;
  file: string;
  header: RunHeader;
  /** The cases in file order, each checked against the schema as it is read. */
  cases(): AsyncGenerator<CaseResult>;
}

const CASES_LINE = /^ {2}"cases": \[(\])?$/;

/**
 * Opens a run folder (or its run.json) for streaming. run.json as promptgate writes it (the header,
 * then one case per line) is read line by line; any other layout of valid JSON (e.g. a hand-edited, re-indented file) falls back to
 * reading the whole file. The header is checked on open; with `check`, every case is too, in one
 * streamed pass before this returns (for callers that must not start writing output from a run
 * that turns out to be broken half-way, e.g. `report`).
 */
export async function openStoredRun(path: string, options: { check?: boolean; trusted?: boolean } = {}): Promise<StoredRun> {
  const file = await locate(path);
  const dir = dirname(file);
  const header = await readStreamedHeader(file);
  // A run.json this process has just written (writeRunFile): not checked against the schema again,
  // whose compile is most of a small run's cost of its history line.
  if (header && options.trusted) return { dir, file, header, cases: () => streamCases(file, false) };
  if (!header) {
    const { run } = await readRunFile(file);
    const { cases, ...rest } = run;
    return {
      dir,
      file,
      header: rest,
      async *cases() {
        yield* cases;
      },
    };
  }
  await checkRunShape({ ...header, cases: [] }, file);
  const stored: StoredRun = { dir, file, header, cases: () => streamCases(file) };
  if (options.check) for await (const _ of stored.cases());
  return stored;
}

/** Reads a stored run whole (a run folder or its run.json). Checks the format version and the shape (RUN_INVALID). */
export async function readRunFile(path: string): Promise<{ run: RunFile; file: string }> {
  const file = await locate(path, false);
  let run: RunFile;
  try {
    run = JSON.parse(await readFile(file, 'utf8')) as RunFile;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'not valid JSON';
    throw inputError('RUN_INVALID', `cannot read run: ${reason}`, { file });
  }
  if (run === null || typeof run !== 'object' || !Array.isArray(run.cases)) throw inputError('RUN_INVALID', 'not a promptgate run.json', { file });
  checkFormat(run, file);
  await checkRunShape(run, file);
  return { run, file };
}

/**
 * A stored run in full (run.json with its cases), from a run folder or its run.json (`path` is
 * relative to `cwd`, default process.cwd()). Throws a PromptgateError (FILE_MISSING, RUN_INVALID)
 * for a missing or malformed file: a reader for results the API returned, not an input check.
 */
export async function readRun(path: string, cwd: string = process.cwd()): Promise<RunFile> {
  return (await readRunFile(resolve(cwd, path))).run;
}

/**
 * The header of a run.json in writeRunFile's layout, read without the cases and without the shape
 * check; undefined for a missing, foreign or torn file. For hints only (the cost estimate's last-run
 * averages), never for a verdict.
 */
export async function readRunHeader(file: string): Promise<RunHeader | undefined> {
  return readStreamedHeader(file).catch(() => undefined);
}

/** run.json of a run folder, or the file itself; FILE_MISSING when neither exists. */
async function locate(path: string, mustExist = true): Promise<string> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, RUN_FILE);
    if (mustExist) await stat(file);
  } catch {
    throw inputError('FILE_MISSING', `no run found at ${path}`, { file: path });
  }
  return file;
}

/** The header of a run.json in writeRunFile's layout, or undefined when the file has another layout. */
async function readStreamedHeader(file: string): Promise<RunHeader | undefined> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const head: string[] = [];
  let header: RunHeader | undefined;
  try {
    for await (const line of lines) {
      if (header) {
        // writeRunFile's layout has one whole case per line; a re-indented file is read whole.
        const text = line.trim();
        if (!text) continue;
        if (text !== ']') JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text);
        return header;
      }
      const match = CASES_LINE.exec(line);
      if (match) {
        const text = `${head.join('\n').replace(/,\s*$/, '')}\n}`;
        header = JSON.parse(text) as RunHeader;
        checkFormat(header, file);
        if (match[1]) return header;
        continue;
      }
      head.push(line);
      if (head.length > 100_000) return undefined;
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'RUN_INVALID') throw error;
    return undefined;
  } finally {
    lines.close();
    input.destroy();
  }
  return undefined;
}

async function* streamCases(file: string, check = true): AsyncGenerator<CaseResult> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let inCases = false;
  let lineNo = 0;
  let index = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (!inCases) {
        const match = CASES_LINE.exec(line);
        if (match) {
          if (match[1]) return;
          inCases = true;
        }
        continue;
      }
      const text = line.trim();
      if (text === ']') return;
      if (!text) continue;
      let value: unknown;
      try {
        value = JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text);
      } catch {
        throw inputError('RUN_INVALID', 'a case line of run.json is not valid JSON', { file, line: lineNo });
      }
      if (check) await checkCaseShape(value, index++, file);
      yield value as CaseResult;
    }
  } finally {
    lines.close();
    input.destroy();
  }
  throw inputError('RUN_INVALID', 'run.json ends inside its cases (a truncated file?)', { file });
}

function checkFormat(header: { format?: unknown; formatVersion?: unknown } | null, file: string): void {
  if (header?.format !== 'promptgate-run') throw inputError('RUN_INVALID', 'not a promptgate run.json', { file });
  if (!READABLE_FORMAT_VERSIONS.includes(header.formatVersion as RunHeader['formatVersion'])) {
    throw inputError('RUN_INVALID', `run format version ${header.formatVersion} is not supported (this promptgate reads ${READABLE_FORMAT_VERSIONS.join(', ')}; it writes ${RUN_FORMAT_VERSION})`, { file });
  }
}
