import { inputError } from '../errors.js';
import { type CaseParts, parseCaseThreshold, splitTags } from './case-build.js';
import { parseGraderSpec } from './grader-spec.js';
import type { Assertion } from './types.js';

type Column =
  | { kind: 'var'; name: string }
  | { kind: 'id' | 'description' | 'tags' | 'threshold' | 'metric' | 'prefix' | 'suffix' }
  | { kind: 'expected'; name: string }
  | { kind: 'metadata'; key: string }
  | { kind: 'config'; name: string; target: string; key: 'threshold' | 'weight' };

/** What each column of a CSV header means, checked once per file. */
export interface CsvColumns {
  header: string[];
  columns: Column[];
}

const SIMPLE_RESERVED: Record<string, Column['kind']> = {
  __id: 'id',
  __description: 'description',
  __tags: 'tags',
  __threshold: 'threshold',
  __metric: 'metric',
  __prefix: 'prefix',
  __suffix: 'suffix',
};

const RESERVED_HINT =
  'reserved columns: __id, __expected, __expected<N>, __description, __tags, __threshold, __metric, __prefix, __suffix, __metadata:<key>, __config:__expected<N>:threshold|weight';

/**
 * Reads the header row: names are trimmed; an empty or duplicate name, or an unknown `__` column
 * (promptfoo's reserved columns are honoured, SPEC §3), is a CASE_INVALID error at the header line.
 */
export function planColumns(rawHeader: string[], file: string, line: number): CsvColumns {
  const fail = (message: string, hint?: string) => inputError('CASE_INVALID', message, { file, line }, hint);
  const header = rawHeader.map((name) => name.trim());
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name === '') throw fail(`column ${index + 1} of the header has no name`);
    if (seen.has(name)) throw fail(`duplicate column '${name}' in the header`);
    seen.add(name);
  });
  const columns = header.map((name): Column => {
    if (!name.startsWith('__')) return { kind: 'var', name };
    if (Object.hasOwn(SIMPLE_RESERVED, name)) return { kind: SIMPLE_RESERVED[name] } as Column;
    if (/^__expected\d*$/.test(name)) return { kind: 'expected', name };
    if (name.startsWith('__metadata:')) {
      const key = name.slice('__metadata:'.length).replace(/\[\]$/, '').trim();
      if (key === '') throw fail(`'${name}' needs a key: __metadata:<key>`);
      return { kind: 'metadata', key };
    }
    if (name.startsWith('__config:')) {
      const match = /^__config:(__expected\d*):(threshold|weight)$/.exec(name);
      if (!match) throw fail(`unsupported column '${name}'`, 'use __config:__expected:threshold or __config:__expected<N>:threshold (or :weight)');
      if (!seen.has(match[1])) throw fail(`'${name}' refers to a column '${match[1]}' the header does not have`);
      return { kind: 'config', name, target: match[1], key: match[2] as 'threshold' | 'weight' };
    }
    throw fail(`unknown reserved column '${name}'`, RESERVED_HINT);
  });
  return { header, columns };
}

/** Turns one data row into case parts. Grader specs are parsed here, so errors name the row's line. */
export function rowToParts(plan: CsvColumns, fields: string[], file: string, line: number): CaseParts {
  const where = { file, line };
  const parts: CaseParts = { vars: {}, assertions: [], tags: [], metadata: {}, source: where };
  const byColumn = new Map<string, Assertion>();
  let metric: string | undefined;
  const { columns } = plan;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    const value = fields[i];
    switch (column.kind) {
      case 'var':
        parts.vars[column.name] = value;
        break;
      case 'expected':
        if (value.trim() !== '') {
          const assertion = parseGraderSpec(value, where);
          parts.assertions.push(assertion);
          byColumn.set(column.name, assertion);
        }
        break;
      case 'id':
        if (value.trim() !== '') parts.id = value.trim();
        break;
      case 'description':
        if (value.trim() !== '') parts.description = value;
        break;
      case 'tags':
        parts.tags = splitTags(value);
        break;
      case 'threshold':
        parts.threshold = parseCaseThreshold(value, '__threshold', where);
        break;
      case 'metric':
        if (value.trim() !== '') metric = value.trim();
        break;
      case 'prefix':
      case 'suffix':
        if (value !== '') parts[column.kind] = value;
        break;
      case 'metadata':
        if (value.trim() !== '') parts.metadata[column.key] = value;
        break;
      case 'config':
        break; // applied below, once every __expected cell is parsed
    }
  }
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    if (column.kind !== 'config' || fields[i].trim() === '') continue;
    const number = Number(fields[i].trim());
    if (!Number.isFinite(number) || number < 0) {
      throw inputError('GRADER_INVALID', `${column.name} ${JSON.stringify(fields[i])} is not a number ≥ 0`, where);
    }
    const assertion = byColumn.get(column.target);
    if (assertion) assertion[column.key] = number;
  }
  if (metric !== undefined) for (const assertion of parts.assertions) assertion.metric = metric;
  return parts;
}
