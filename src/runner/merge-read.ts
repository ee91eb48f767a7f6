import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { inputError } from '../errors.js';
import { RUN_FILE, readRunFile } from '../run-record/writer.js';
import { READABLE_FORMAT_VERSIONS, RUN_FORMAT_VERSION, type CaseResult, type RunHeader } from '../run-record/types.js';

/** A stored run read as a stream: its header, and its cases on demand (never all in memory). */
export interface StoredRun {
  dir: string;
  file: string;
  header: RunHeader;
  cases(): AsyncGenerator<CaseResult>;
}

const CASES_LINE = /^ {2}"cases": \[(\])?$/;

/**
 * Opens a run folder (or its run.json) for streaming. run.json as promptgate writes it (writeRunFile:
 * the header, then one case per line) is read line by line; any other layout of valid JSON falls
 * back to reading the whole file (readRunFile). Throws RUN_INVALID / FILE_MISSING like readRunFile.
 */
export async function openStoredRun(path: string): Promise<StoredRun> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, RUN_FILE);
    await stat(file);
  } catch {
    throw inputError('FILE_MISSING', `no run found at ${path}`, { file: path });
  }
  const dir = dirname(file);
  const header = await readStreamedHeader(file);
  if (header) return { dir, file, header, cases: () => streamCases(file) };
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

/** The header of a run.json in writeRunFile's layout, or undefined when the file has another layout. */
async function readStreamedHeader(file: string): Promise<RunHeader | undefined> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const head: string[] = [];
  try {
    for await (const line of lines) {
      if (CASES_LINE.test(line)) {
        const text = `${head.join('\n').replace(/,\s*$/, '')}\n}`;
        const header = JSON.parse(text) as RunHeader;
        checkFormat(header, file);
        return header;
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

async function* streamCases(file: string): AsyncGenerator<CaseResult> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let inCases = false;
  let lineNo = 0;
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
      try {
        yield JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text) as CaseResult;
      } catch {
        throw inputError('RUN_INVALID', 'a case line of run.json is not valid JSON', { file, line: lineNo });
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
  throw inputError('RUN_INVALID', 'run.json ends inside its cases (a truncated file?)', { file });
}

function checkFormat(header: RunHeader, file: string): void {
  if (header?.format !== 'promptgate-run') throw inputError('RUN_INVALID', 'not a promptgate run.json', { file });
  if (!READABLE_FORMAT_VERSIONS.includes(header.formatVersion)) {
    throw inputError('RUN_INVALID', `run format version ${header.formatVersion} is not supported (this promptgate reads ${READABLE_FORMAT_VERSIONS.join(' and ')}; it writes ${RUN_FORMAT_VERSION})`, { file });
  }
}
