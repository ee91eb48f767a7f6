import { isUtf8 } from 'node:buffer';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream';
import type { Options } from 'csv-parse';
import { inputError, isPromptgateError, type PromptgateError } from '../errors.js';
import { MAX_LINE_BYTES, finishCase, projectPath } from './case-build.js';
import { type CsvColumns, planColumns, rowToParts } from './csv-columns.js';
import type { CaseReadOptions, TestCase } from './types.js';
import { LineIndex, LongLineError, Utf8Check } from './utf8-check.js';

interface Row {
  fields: string[];
  /** Line the record starts on (a quoted field may span lines). */
  line: number;
}

/** The parser's options, the same for a file read at once and a streamed one. */
const PARSE_OPTIONS = {
  bom: true,
  relax_quotes: true, // promptfoo's CSVs may hold bare quotes inside unquoted fields
  relax_column_count: true, // checked below, with a clearer message
  record_delimiter: ['\r\n', '\n', '\r'], // CRLF, LF and old Mac CR, even mixed in one file
  max_record_size: MAX_LINE_BYTES,
} satisfies Options;

/** Files up to this size (one read chunk of a stream) are read and parsed at once, without streams. */
export const SMALL_CSV_BYTES = 64 * 1024;

/**
 * Streams the cases of a CSV file (RFC 4180 with a header row; UTF-8 with or without BOM; CRLF,
 * LF or CR, mixed too; quoted fields may hold newlines). Memory stays flat: rows are parsed and yielded one by
 * one. Every error is a PromptgateError naming the file and the line the record starts on:
 * unclosed quote, a row with a different number of fields than the header, a bad header
 * (see planColumns), invalid UTF-8, a record over 10 MB, a bad grader spec.
 *
 * A regular file of at most `smallFileBytes` is read with one call and parsed with csv-parse's
 * synchronous API, the same parser on the same bytes (~1 ms less per file than a read stream, a
 * transform and a parser stream); when that read or parse fails in any way (missing file, invalid
 * UTF-8, a CSV error), the file is streamed instead, so every error is the streamed path's.
 */
export async function* readCsvCases(file: string, options: CaseReadOptions, smallFileBytes = SMALL_CSV_BYTES): AsyncGenerator<TestCase> {
  const rel = projectPath(file, options.rootDir);
  const whole = await parseSmallCsv(file, smallFileBytes);
  const lines = new LineIndex();
  const records = rowsOf(lines);
  let streamed: Parser | undefined;
  if (!whole) {
    const { parse } = await import('csv-parse'); // loaded on first use: start-up is a feature
    streamed = parse({ ...PARSE_OPTIONS, on_record: records.onRecord });
    pipeline(createReadStream(file), new Utf8Check(rel, lines, MAX_LINE_BYTES), streamed, () => {
      // Errors surface through the parser's iterator below.
    });
  }

  let plan: CsvColumns | undefined;
  try {
    for await (const row of whole?.rows ?? (streamed as AsyncIterable<Row>)) {
      if (!plan) {
        plan = planColumns(row.fields, rel, row.line);
        continue;
      }
      if (row.fields.length !== plan.header.length) {
        throw inputError('CASE_INVALID', `row has ${row.fields.length} field${row.fields.length === 1 ? '' : 's'}, the header has ${plan.header.length}`, { file: rel, line: row.line }, 'quote fields that contain commas');
      }
      yield finishCase(rowToParts(plan, row.fields, rel, row.line), options);
    }
    // An empty (or BOM-only) file is a mistake, not a suite with no cases.
    if (!plan) throw inputError('CASE_INVALID', 'empty case file: no header row', { file: rel, line: 1 }, 'the first line names the columns, e.g. "question,__expected"');
  } catch (error) {
    throw toInputError(error, rel, () => lines.lineAt(records.start()));
  } finally {
    streamed?.destroy();
  }
}

type Parser = ReturnType<typeof import('csv-parse')['parse']>;

/**
 * csv-parse's `on_record` for a file whose line starts `lines` indexes: each record as a Row with the
 * line it starts on, or null for a blank line (a single empty field is what a blank line parses
 * to). `start()`: the byte offset where the record being parsed began (for an error's line).
 */
function rowsOf(lines: LineIndex): { onRecord: Options['on_record']; start(): number } {
  let recordStart = 0;
  // Runs inside the parser as each record completes: `info.bytes` is the offset just past it.
  const onRecord = (record: string[], info: { bytes: number }): Row | null => {
    const line = lines.lineAt(recordStart);
    recordStart = info.bytes;
    if (record.length === 1 && record[0].trim() === '') return null;
    return { fields: record, line };
  };
  return { onRecord: onRecord as unknown as Options['on_record'], start: () => recordStart };
}

/**
 * The rows of a small regular file read and parsed at once, or undefined when the file is not
 * one (too big, missing, unreadable, not a regular file) or its bytes are not valid UTF-8 or not
 * valid CSV: the streamed path then reads it and reports the error.
 */
async function parseSmallCsv(file: string, maxBytes: number): Promise<{ rows: Row[] } | undefined> {
  let data: Buffer;
  try {
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  if (data.length > maxBytes || !isUtf8(data)) return undefined;
  const lines = new LineIndex();
  lines.add(data, 0);
  lines.finish();
  const { parse } = await import('csv-parse/sync');
  try {
    const rows = parse(data, { ...PARSE_OPTIONS, on_record: rowsOf(lines).onRecord }) as unknown as Row[];
    return { rows };
  } catch {
    return undefined;
  }
}

function toInputError(error: unknown, file: string, failingLine: () => number): PromptgateError | unknown {
  if (isPromptgateError(error)) return error;
  // A physical line over the limit: its record is at least that long (caught before the parser walks it).
  if (error instanceof LongLineError) return inputError('CASE_INVALID', `record is larger than ${MAX_LINE_BYTES / 1024 / 1024} MB`, { file, line: failingLine() }, 'is a quote left open?');
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return inputError('FILE_MISSING', 'case file not found', { file });
  if (typeof code !== 'string' || !code.startsWith('CSV_')) {
    return typeof code === 'string' && code.startsWith('E') ? inputError('CASE_INVALID', `cannot read the file: ${code}`, { file }) : error;
  }
  const line = failingLine();
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return inputError('CASE_INVALID', 'unclosed quote: a quoted field that starts in this record never ends', { file, line });
    case 'CSV_MAX_RECORD_SIZE':
      return inputError('CASE_INVALID', `record is larger than ${MAX_LINE_BYTES / 1024 / 1024} MB`, { file, line }, 'is a quote left open?');
    case 'CSV_INVALID_CLOSING_QUOTE':
      return inputError('CASE_INVALID', 'characters after a closing quote', { file, line }, 'inside a quoted field, write a quote as ""');
    default:
      return inputError('CASE_INVALID', `CSV: ${message.replace(/ (?:at|on) line \d+.*$/s, '')}`, { file, line });
  }
}
