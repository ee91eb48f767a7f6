import { inputError } from '../errors.js';
import { type CaseParts, parseCaseThreshold, splitTags } from './case-build.js';
import { readConversation, readExpectedToolCalls, readMaxSteps, readToolResults } from './conversation.js';
import { parseGraderSpec } from './grader-spec.js';
import type { Assertion } from './types.js';

type ConfigKey = 'threshold' | 'weight' | 'metric';

type Column =
  | { kind: 'var'; name: string }
  | { kind: 'id' | 'description' | 'tags' | 'threshold' | 'metric' | 'prefix' | 'suffix' | 'providerOutput' }
  | { kind: 'messages' | 'expectedToolCalls' | 'toolResults' | 'maxSteps' }
  | { kind: 'expected'; name: string }
  | { kind: 'metadata'; key: string; list: boolean }
  | { kind: 'config'; name: string; index: number; key: ConfigKey };

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
  __providerOutput: 'providerOutput',
  __messages: 'messages',
  __expected_tool_calls: 'expectedToolCalls',
  __tool_results: 'toolResults',
  __max_steps: 'maxSteps',
};

const RESERVED_HINT =
  'reserved columns: __id, __expected…, __description, __tags, __threshold, __metric, __prefix, __suffix, __providerOutput, __metadata:<key>, __config:__expected<N>:threshold|weight|metric, __messages, __expected_tool_calls, __tool_results, __max_steps';

/**
 * Reads the header row as promptfoo's testCaseFromCsvRow does: names are trimmed; every column
 * whose name starts with `__expected` holds a grader (`__expected`, `__expected2`,
 * `__expected_answer`); `__config:__expected<N>:<key>` sets a key of the row's N-th grader
 * (`__expected` is the first); `__metadata:<key>` (`<key>[]` for a comma-separated list) is case
 * metadata. An empty or duplicate name, an unknown `__` column, a bare `__metadata` (promptfoo
 * ignores it with a warning) or a malformed `__config` column is a CASE_INVALID error at the
 * header line.
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
    // promptfoo: every `__expected…` column is a grader; `__expected_tool_calls` is promptgate's own (a JSON list).
    if (name.startsWith('__expected')) return { kind: 'expected', name };
    if (name === '__metadata') throw fail("'__metadata' needs a key: __metadata:<key> (promptfoo ignores this column; promptgate ignores no input)");
    if (name.startsWith('__metadata:')) {
      const written = name.slice('__metadata:'.length);
      const list = written.endsWith('[]');
      const key = (list ? written.slice(0, -2) : written).trim();
      if (key === '') throw fail(`'${name}' needs a key: __metadata:<key>`);
      return { kind: 'metadata', key, list };
    }
    if (name.startsWith('__config:')) return configColumn(name, fail);
    throw fail(`unknown reserved column '${name}'`, RESERVED_HINT);
  });
  return { header, columns };
}

/** `__config:__expected<N>:<key>` → the row's grader N − 1 (`__expected` and `__expected1` are the first). */
function configColumn(name: string, fail: (message: string, hint?: string) => Error): Column {
  const hint = 'use __config:__expected:threshold or __config:__expected<N>:threshold (or :weight, :metric)';
  const parts = name.slice('__config:'.length).split(':');
  if (parts.length !== 2) throw fail(`unsupported column '${name}'`, hint);
  const [target, key] = parts;
  const number = /^__expected(\d*)$/.exec(target);
  if (!number || (number[1] !== '' && Number(number[1]) < 1)) throw fail(`'${name}': '${target}' is not __expected or __expected<N> with N ≥ 1`, hint);
  if (key !== 'threshold' && key !== 'weight' && key !== 'metric') throw fail(`'${name}': unsupported key '${key}'`, hint);
  return { kind: 'config', name, index: number[1] === '' ? 0 : Number(number[1]) - 1, key };
}

/**
 * Turns one data row into case parts. Grader specs are parsed here, so errors name the row's line.
 * A `__config:__expected<N>` column applies, as in promptfoo, to the row's N-th non-empty grader
 * cell in header order; a blank config cell sets nothing.
 */
export function rowToParts(plan: CsvColumns, fields: string[], file: string, line: number): CaseParts {
  const where = { file, line };
  const parts: CaseParts = { vars: {}, assertions: [], tags: [], metadata: {}, source: where };
  let metric: string | undefined;
  /** `__expected_tool_calls`: appended after the `__config` columns applied, which count `__expected…` cells only. */
  let toolCalls: Assertion[] = [];
  const { columns } = plan;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    const value = fields[i];
    switch (column.kind) {
      case 'var':
        parts.vars[column.name] = value;
        break;
      case 'expected':
        if (value.trim() !== '') parts.assertions.push(parseGraderSpec(value, where));
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
      case 'providerOutput':
        // promptfoo: an empty cell means no given output (the provider is called).
        if (value !== '') parts.providerOutput = value;
        break;
      case 'messages':
        if (value.trim() !== '') parts.messages = readConversation(jsonCell(value, '__messages', where), '__messages', where);
        break;
      case 'expectedToolCalls':
        if (value.trim() !== '') toolCalls = readExpectedToolCalls(jsonCell(value, '__expected_tool_calls', where), '__expected_tool_calls', where);
        break;
      case 'toolResults':
        if (value.trim() !== '') parts.toolResults = readToolResults(jsonCell(value, '__tool_results', where), '__tool_results', where);
        break;
      case 'maxSteps':
        if (value.trim() !== '') parts.maxSteps = readMaxSteps(value.trim(), '__max_steps', where);
        break;
      case 'metadata':
        if (value.trim() === '') break;
        parts.metadata[column.key] = column.list ? splitMetadataList(value) : value;
        break;
      case 'config':
        break; // applied below, once every __expected cell is parsed
    }
  }
  if (metric !== undefined) for (const assertion of parts.assertions) assertion.metric = metric;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    if (column.kind !== 'config' || fields[i].trim() === '') continue;
    applyConfig(parts.assertions[column.index], column, fields[i], where);
  }
  for (const assertion of toolCalls) {
    if (metric !== undefined) assertion.metric = metric;
    parts.assertions.push(assertion);
  }
  return parts;
}

/** A cell holding JSON (`__messages`, `__expected_tool_calls`, `__tool_results`). */
function jsonCell(value: string, column: string, where: { file: string; line: number }): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw inputError('CASE_INVALID', `${column} is not valid JSON: ${(error as Error).message.split('\n')[0].replace(/ in JSON at position \d+.*$/, '')}`, where, 'in CSV, write the JSON in a quoted cell with every " doubled ("")');
  }
}

function applyConfig(assertion: Assertion | undefined, column: Extract<Column, { kind: 'config' }>, cell: string, where: { file: string; line: number }): void {
  const text = cell.trim();
  if (column.key === 'metric') {
    if (assertion) assertion.metric = text;
    return;
  }
  const number = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(number) || number < 0) {
    throw inputError('GRADER_INVALID', `${column.name} ${JSON.stringify(cell)} is not a number ≥ 0`, where);
  }
  // promptfoo ignores a config for a grader the row does not have (fewer non-empty __expected cells).
  if (assertion) assertion[column.key] = number;
}

/** promptfoo's `__metadata:<key>[]`: comma-separated, `\,` for a comma inside an item, items trimmed. */
function splitMetadataList(value: string): string[] {
  return value
    .split(/(?<!\\),/)
    .map((item) => item.trim().replace(/\\,/g, ','));
}
