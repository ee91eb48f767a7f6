import { caseIdOf } from '../cases/case-build.js';
import { inputError } from '../errors.js';
import { literalTemplate } from '../prompts/nunjucks-env.js';
import { asLoggedRecord, timeOf } from './log-records.js';

/** One case made from logged calls (JSONL case format, SPEC §3). */
export interface LogCase {
  id: string;
  description: string;
  vars: Record<string, unknown>;
  /** Only with `expectOutput`, when a call with these variables succeeded with a non-empty output. */
  assert?: Array<{ type: 'equals'; value: string }>;
  tags: string[];
}

export interface LogCasesOptions {
  /** Only calls of this prompt id; required when the log holds several prompts. */
  prompt?: string;
  /** Assert the most recent successful logged output for each case. */
  expectOutput?: boolean;
  /** The log's name, for messages and descriptions. */
  source: string;
}

export interface LogCasesResult {
  promptId: string;
  cases: LogCase[];
  /** Lines read (qualifying or not). */
  lines: number;
  /** Calls of the prompt that were used. */
  calls: number;
}

interface Group {
  vars: Record<string, unknown>;
  calls: number;
  versions: Set<string>;
  lastAt: string;
  output?: { text: string; at: number };
}

/**
 * Turns logged calls into regression cases: one case per distinct set of variables (the id is the
 * variables' hash, as a case file's default id), in order of first appearance. Throws USAGE when
 * the log holds several prompts and none was chosen, CASE_INVALID when no call qualifies.
 */
export async function casesFromLog(lines: AsyncIterable<unknown>, options: LogCasesOptions): Promise<LogCasesResult> {
  const byPrompt = new Map<string, Map<string, Group>>();
  let count = 0;
  let calls = 0;
  for await (const line of lines) {
    count++;
    const record = asLoggedRecord(line);
    if (!record || (options.prompt !== undefined && record.promptId !== options.prompt)) continue;
    calls++;
    let groups = byPrompt.get(record.promptId);
    if (!groups) {
      groups = new Map();
      byPrompt.set(record.promptId, groups);
    }
    const id = caseIdOf(record.vars);
    let group = groups.get(id);
    if (!group) {
      group = { vars: record.vars, calls: 0, versions: new Set(), lastAt: '' };
      groups.set(id, group);
    }
    group.calls++;
    group.versions.add(`${record.promptId}@${record.promptVersion}`);
    if (timeOf(record.startedAt) >= timeOf(group.lastAt)) group.lastAt = record.startedAt;
    const at = timeOf(record.startedAt);
    if (options.expectOutput && !record.error && record.output && (!group.output || at >= group.output.at)) {
      group.output = { text: record.output, at };
    }
  }
  if (byPrompt.size === 0) {
    const which = options.prompt === undefined ? 'no logged prompt calls' : `no calls of prompt ${JSON.stringify(options.prompt)}`;
    throw inputError('CASE_INVALID', `${options.source}: ${which} (read ${count} line${count === 1 ? '' : 's'})`, { file: options.source });
  }
  if (byPrompt.size > 1) {
    const ids = [...byPrompt.keys()].sort();
    throw inputError('USAGE', `${options.source} has calls of ${ids.length} prompts (${ids.join(', ')}): choose one with --prompt <id>`);
  }
  const [[promptId, groups]] = byPrompt;
  const cases: LogCase[] = [];
  for (const [id, group] of groups) {
    const versions = [...group.versions].sort().join(', ');
    const item: LogCase = {
      id,
      description: `from ${options.source}: ${group.calls} call${group.calls === 1 ? '' : 's'} (${versions}), last ${group.lastAt || 'unknown'}`,
      vars: group.vars,
      tags: ['from-log'],
    };
    // Assertion values are Nunjucks templates (promptfoo's rule): a logged `{{…}}` must stay text.
    if (group.output) item.assert = [{ type: 'equals', value: literalTemplate(group.output.text) }];
    cases.push(item);
  }
  return { promptId, cases, lines: count, calls };
}

/** JSONL case file text: one case a line. */
export function formatCasesJsonl(cases: LogCase[]): string {
  return cases.map((item) => `${JSON.stringify(item)}\n`).join('');
}

/**
 * CSV case file text (`__id`, the variables, `__description`, `__tags`, and `__expected` when any
 * case asserts), which the case reader turns back into exactly the same cases. A CSV cell can
 * only hold a string, so anything it would change is refused with USAGE ("write JSONL instead"):
 * a variable that is not a string (`false`, `3`, `null`, objects: the template would see text,
 * and `{{#if vip}}` would render differently), a variable some cases lack (it would become ''),
 * a `__` or blank-edged variable name, an expected output starting or ending with whitespace (the
 * `__expected` cell is trimmed). Values are written as they are: no spreadsheet-formula prefix,
 * since `'-5 degrees` is another prompt than `-5 degrees` (a case file is an input, not a sheet).
 */
export function formatCasesCsv(cases: LogCase[]): string {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const item of cases) {
    for (const [name, value] of Object.entries(item.vars)) {
      if (name.startsWith('__')) throw csvRefusal(`variable ${JSON.stringify(name)} starts with "__" (reserved in CSV case files)`);
      if (name.trim() !== name || name === '') throw csvRefusal(`variable name ${JSON.stringify(name)} is empty or starts or ends with blanks (CSV headers are trimmed)`);
      if (typeof value !== 'string') {
        const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value} (${String(value)})`;
        throw csvRefusal(`variable ${JSON.stringify(name)} of case ${item.id} is ${kind}, and a CSV cell holds only text`);
      }
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
    }
  }
  for (const item of cases) {
    const missing = names.find((name) => !Object.hasOwn(item.vars, name));
    if (missing !== undefined) throw csvRefusal(`case ${item.id} has no variable ${JSON.stringify(missing)}, which a CSV row would give as ''`);
    const expected = item.assert?.[0].value;
    // `equals` does not trim the output (promptfoo's semantics), so an output ending in a newline cannot be a trimmed cell either.
    if (expected !== undefined && /^\s|\s$/.test(expected)) throw csvRefusal(`the logged output of case ${item.id} starts or ends with whitespace, which a CSV __expected cell drops`);
  }
  const withExpected = cases.some((item) => item.assert);
  const header = ['__id', ...names, '__description', '__tags', ...(withExpected ? ['__expected'] : [])];
  const rows = cases.map((item) => [
    item.id,
    ...names.map((name) => item.vars[name] as string),
    item.description,
    item.tags.join(','),
    ...(withExpected ? [item.assert ? `equals:${item.assert[0].value}` : ''] : []),
  ]);
  return [header, ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}

function csvRefusal(why: string) {
  return inputError('USAGE', `cannot write a CSV case file: ${why}`, undefined, 'write JSONL instead (--out cases.jsonl), which keeps every value as logged');
}

/** One RFC 4180 cell, the value unchanged: quoted when it holds a comma, quote or line break. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
