import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { caseIdOf } from '../cases/case-build.js';
import { planColumns } from '../cases/csv-columns.js';
import { isPromptgateError } from '../errors.js';
import { type AssertContext, noteNeeds, readValueFile } from './assertions.js';
import { readPromptfooCell } from './promptfoo-cells.js';
import { type RewriteId, rewriteExpectedCell, rewriteNote } from './rewrites.js';
import type { CaseDefaults } from './test-cases.js';
import { expandVars, materializeVars } from './vars.js';

/** promptfoo's special CSV columns (anything else starting `__` is a variable to promptfoo). */
const PROMPTFOO_SPECIAL = /^(__expected.*|__prefix|__suffix|__description|__providerOutput|__metric|__threshold|__metadata(:.*)?|__config:.*)$/;

export interface CsvContext extends AssertContext {
  /** The file as messages name it. */
  file: string;
  /** Variables the prompts read (a case lacking one gets it as ""). */
  promptVars: string[];
  defaults: CaseDefaults;
  /** Case ids already used in the suite (hash of the variables unless set): duplicates get an `__id`. */
  ids: Set<string>;
}

/**
 * A promptfoo CSV test file as promptgate's CSV: the same bytes when promptgate reads every cell as
 * promptfoo does, else rewritten row by row (rewrites.ts: exact-match cells, file paths, variables
 * promptfoo reads from files or references, missing variables, columns promptgate refuses) with
 * defaultTest's variables, threshold, prefix and suffix as columns where the file lacks them.
 * Undefined when the file cannot be read (a problem is reported).
 */
export async function convertCsv(abs: string, context: CsvContext): Promise<string | Buffer | undefined> {
  const { findings, file } = context;
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch {
    findings.problem({ file }, 'the CSV file cannot be read; not converted');
    return undefined;
  }
  if (!isUtf8(bytes)) {
    findings.problem({ file }, 'the CSV file is not UTF-8; not converted');
    return undefined;
  }
  const records = await parseRecords(bytes.toString('utf8'));
  if (records.length === 0) {
    findings.problem({ file, line: 1 }, 'the CSV file has no header; not converted');
    return undefined;
  }
  const rewrites = new Set<RewriteId>();
  const header = records[0].fields.map((name) => name.trim());
  const keep = header.map(() => true);
  const expectedColumns = header.filter((name) => /^__expected\d*$/.test(name));
  header.forEach((name, index) => {
    if (!name.startsWith('__') || /^__expected\d*$/.test(name)) return;
    if (acceptedByPromptgate(name, expectedColumns)) return;
    const where = { file, line: records[0].line };
    if (name.startsWith('__expected')) {
      // promptfoo reads every column starting `__expected` as an assertion.
      let n = 2;
      while (header.includes(`__expected${n}`)) n++;
      header[index] = `__expected${n}`;
      expectedColumns.push(header[index]);
      rewrites.add('expected-column');
    } else if (name === '__metadata') {
      rewrites.add('metadata-without-key');
      keep[index] = false;
    } else if (!PROMPTFOO_SPECIAL.test(name) && !context.promptVars.includes(name)) {
      rewrites.add('dunder-variable');
      keep[index] = false;
    } else {
      findings.problem(where, `column '${name}' is not converted: promptgate does not read it as promptfoo does`);
      keep[index] = false;
    }
  });

  const varColumns = header.filter((name, index) => keep[index] && !name.startsWith('__'));
  const added: string[] = [];
  const addColumn = (name: string) => {
    if (!header.includes(name) && !added.includes(name)) added.push(name);
  };
  for (const name of Object.keys(context.defaults.vars)) addColumn(name);
  for (const name of context.promptVars) if (!varColumns.includes(name) && !(name in context.defaults.vars)) addColumn(name);
  if (context.defaults.threshold !== undefined) addColumn('__threshold');
  if (context.defaults.prefix !== undefined) addColumn('__prefix');
  if (context.defaults.suffix !== undefined) addColumn('__suffix');
  if (context.promptVars.some((name) => !varColumns.includes(name) && !(name in context.defaults.vars))) rewrites.add('missing-var');

  const out: string[][] = [];
  let needsId = false;
  const ids: Array<string | undefined> = [];
  for (const record of records.slice(1)) {
    const where = { file, line: record.line };
    if (record.fields.length !== header.length) {
      findings.problem(where, `row has ${record.fields.length} fields, the header ${header.length}: not converted`);
      continue;
    }
    const cells = [...record.fields];
    const vars: Record<string, unknown> = {};
    header.forEach((name, index) => {
      if (keep[index] && !name.startsWith('__')) vars[name] = cells[index];
    });
    const defaultsApplied = { ...context.defaults.vars, ...vars };
    const expansion = await expandVars(defaultsApplied, context.configDir, context.defaults.disableVarExpansion);
    if ('problem' in expansion) {
      findings.problem(where, `${expansion.problem}; row not converted`);
      continue;
    }
    let rowFailed = false;
    for (const combination of expansion.combinations) {
      const materialized = await materializeVars(combination, context.configDir);
      if ('problem' in materialized) {
        findings.problem(where, `${materialized.problem}; row not converted`, materialized.hint);
        rowFailed = true;
        break;
      }
      for (const id of materialized.rewrites) rewrites.add(id);
      const row = header.map((name, index) => {
        if (!keep[index]) return '';
        if (!name.startsWith('__')) return String(materialized.vars[name] ?? '');
        if (/^__expected/.test(name) && cells[index].trim() !== '') return cells[index];
        return cells[index];
      });
      for (const [index, name] of header.entries()) {
        if (keep[index] && /^__expected/.test(name) && cells[index].trim() !== '') row[index] = await convertCell(cells[index], where, context, rewrites);
      }
      for (const name of added) {
        if (name === '__threshold') row.push(String(context.defaults.threshold));
        else if (name === '__prefix') row.push(context.defaults.prefix ?? '');
        else if (name === '__suffix') row.push(context.defaults.suffix ?? '');
        else row.push(materialized.vars[name] === undefined ? '' : String(materialized.vars[name]));
      }
      const finalVars: Record<string, string> = {};
      [...header, ...added].forEach((name, index) => {
        if ((index >= header.length || keep[index]) && !name.startsWith('__')) finalVars[name] = row[index];
      });
      const explicit = header.includes('__id') ? row[header.indexOf('__id')].trim() : '';
      let id = explicit === '' ? caseIdOf(finalVars) : explicit;
      let assigned: string | undefined;
      if (context.ids.has(id)) {
        let n = 2;
        while (context.ids.has(`${id}-${n}`)) n++;
        assigned = `${id}-${n}`;
        id = assigned;
        needsId = true;
        rewrites.add('duplicate-case');
      }
      context.ids.add(id);
      ids.push(assigned);
      if (expansion.combinations.length > 1) rewrites.add('var-list');
      out.push(row);
    }
    if (rowFailed) continue;
  }
  const changed = rewrites.size > 0 || added.length > 0 || keep.includes(false) || needsId;
  for (const id of rewrites) findings.note({ file }, rewriteNote(id));
  if (!changed) return bytes;
  const columns = [...header, ...added];
  const idColumn = needsId && !header.includes('__id') ? columns.push('__id') - 1 : header.indexOf('__id');
  const lines = [columns.filter((_, index) => index >= header.length || keep[index])];
  out.forEach((row, index) => {
    if (needsId) {
      if (idColumn >= row.length) row.push(ids[index] ?? '');
      else if (ids[index] !== undefined) row[idColumn] = ids[index]!;
    }
    lines.push(row.filter((_, column) => column >= header.length || keep[column]));
  });
  return `${lines.map((line) => line.map(csvField).join(',')).join('\n')}\n`;
}

async function convertCell(cell: string, where: { file: string; line: number }, context: CsvContext, rewrites: Set<RewriteId>): Promise<string> {
  const outcome = rewriteExpectedCell(cell, where);
  if ('problem' in outcome) {
    context.findings.problem(where, `cell ${JSON.stringify(cell.trim())} is not converted: ${outcome.problem}`, outcome.hint);
    return '';
  }
  if (outcome.rewrite) rewrites.add(outcome.rewrite);
  if (outcome.note) context.findings.note(where, outcome.note);
  const reading = readPromptfooCell(outcome.cell);
  if (!reading.exact) noteNeeds(reading.type, context);
  if (reading.exact || typeof reading.value !== 'string' || !reading.value.startsWith('file://')) return outcome.cell;
  const read = await readValueFile(reading.value, context);
  if ('problem' in read) {
    context.findings.problem(where, `cell ${JSON.stringify(cell.trim())} is not converted: ${read.problem}`);
    return '';
  }
  rewrites.add(read.rewrite);
  const text = typeof read.value === 'string' ? read.value : JSON.stringify(read.value);
  const at = outcome.cell.lastIndexOf(reading.value);
  return `${outcome.cell.slice(0, at)}${text}${outcome.cell.slice(at + reading.value.length)}`;
}

function acceptedByPromptgate(name: string, expectedColumns: string[]): boolean {
  try {
    planColumns([...expectedColumns, name], 'x.csv', 1);
    return true;
  } catch (error) {
    if (isPromptgateError(error)) return false;
    throw error;
  }
}

/** A field as RFC 4180 writes it: quoted when it holds a comma, quote, line break or edge whitespace. */
function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV's records with the line each starts on (promptfoo's csv-parse options: BOM, lenient quotes). */
async function parseRecords(text: string): Promise<Array<{ fields: string[]; line: number }>> {
  const { parse } = await import('csv-parse/sync');
  const rows = parse(text, { bom: true, relax_quotes: true, relax_column_count: true, skip_empty_lines: true, raw: true, info: true }) as unknown as Array<{ record: string[]; raw: string; info: { lines: number } }>;
  return rows.map(({ record, raw, info }) => {
    const inner = raw.replace(/^[\r\n]+/, '').replace(/(\r\n|\n|\r)$/, '');
    const breaks = (inner.match(/\r\n|\n|\r/g) ?? []).length;
    return { fields: record, line: info.lines - breaks };
  });
}
