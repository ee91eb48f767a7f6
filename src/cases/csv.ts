import { createReadStream } from 'node:fs';
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

/**
 * Streams the cases of a CSV file (RFC 4180 with a header row; UTF-8 with or without BOM; CRLF,
 * LF or CR, mixed too; quoted fields may hold newlines). Memory stays flat: rows are parsed and yielded one by
 * one. Every error is a PromptgateError naming the file and the line the record starts on:
 * unclosed quote, a row with a different number of fields than the header, a bad header
 * (see planColumns), invalid UTF-8, a record over 10 MB, a bad grader spec.
 */
export async function* readCsvCases(file: string, options: CaseReadOptions): AsyncGenerator<TestCase> {
  const rel = projectPath(file, options.rootDir);
  const lines = new LineIndex();
  let recordStart = 0;
  // Runs inside the parser as each record completes: `info.bytes` is the offset just past it.
  const onRecord = (record: string[], info: { bytes: number }): Row | null => {
    const start = recordStart;
    recordStart = info.bytes;
    const line = lines.lineAt(start);
    // Blank lines are skipped (a single empty field is what a blank line parses to).
    if (record.length === 1 && record[0].trim() === '') return null;
    return { fields: record, line };
  };
  const { parse } = await import('csv-parse'); // loaded on first use: start-up is a feature
  const parser = parse({
    bom: true,
    relax_quotes: true, // promptfoo's CSVs may hold bare quotes inside unquoted fields
    relax_column_count: true, // checked below, with a clearer message
    record_delimiter: ['\r\n', '\n', '\r'], // CRLF, LF and old Mac CR, even mixed in one file
    max_record_size: MAX_LINE_BYTES,
    on_record: onRecord as unknown as Options['on_record'],
  });
  pipeline(createReadStream(file), new Utf8Check(rel, lines, MAX_LINE_BYTES), parser, () => {
    // Errors surface through the parser's iterator below.
  });

  let plan: CsvColumns | undefined;
  try {
    for await (const row of parser as AsyncIterable<Row>) {
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
    throw toInputError(error, rel, () => lines.lineAt(recordStart));
  } finally {
    parser.destroy();
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
