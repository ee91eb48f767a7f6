import { caseIdOf } from '../cases/case-build.js';
import { inputError } from '../errors.js';
import { literalTemplate } from '../prompts/nunjucks-env.js';
import type { Message } from '../prompts/types.js';
import type { ExpectedToolCall, ToolCall } from '../tools/types.js';
import { shortHash, stableStringify } from '../util/hash.js';
import { asLoggedRecord, timeOf } from './log-records.js';
import { loggedToolCallsOf, loggedTurnsOf, type LoggedTurns } from './log-turns.js';

/** One case made from logged calls (JSONL case format, SPEC §3). */
export interface LogCase {
  id: string;
  description: string;
  vars: Record<string, unknown>;
  /** The conversation the app added to the prompt's messages (user / assistant turns, tool calls and results). */
  messages?: Message[];
  /** Only with `expectOutput`, when a call with these variables succeeded with a non-empty output. */
  assert?: Array<{ type: 'equals'; value: string }>;
  /** Only with `expectOutput`, when the most recent successful answer called tools: each call, arguments as parsed. */
  expected_tool_calls?: ExpectedToolCall[];
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
  /** Calls of the prompt left out, by why (see LoggedTurns), with the time of the first. */
  skipped: Partial<Record<SkipReason, { calls: number; firstAt: string }>>;
}

/** Why a logged call makes no case. */
export type SkipReason = Exclude<LoggedTurns['kind'], 'none' | 'conversation'>;

interface Group {
  vars: Record<string, unknown>;
  messages?: Message[];
  calls: number;
  versions: Set<string>;
  lastAt: string;
  answer?: { text: string; toolCalls?: ToolCall[]; at: number };
}

interface PromptCalls {
  groups: Map<string, Group>;
  skipped: LogCasesResult['skipped'];
}

/**
 * Turns logged calls into regression cases: one case per distinct set of variables and
 * conversation (the id is their hash, as a case file's default id for variables alone), in order
 * of first appearance. A call whose conversation cannot be made a case's (see LoggedTurns) is
 * left out and counted in `skipped`. Throws USAGE when the log holds several prompts and none was
 * chosen, CASE_INVALID when no call qualifies.
 */
export async function casesFromLog(lines: AsyncIterable<unknown>, options: LogCasesOptions): Promise<LogCasesResult> {
  const byPrompt = new Map<string, PromptCalls>();
  let count = 0;
  let calls = 0;
  for await (const line of lines) {
    count++;
    const record = asLoggedRecord(line);
    if (!record || (options.prompt !== undefined && record.promptId !== options.prompt)) continue;
    let prompt = byPrompt.get(record.promptId);
    if (!prompt) {
      prompt = { groups: new Map(), skipped: {} };
      byPrompt.set(record.promptId, prompt);
    }
    const raw = line as Record<string, unknown>;
    const turns = loggedTurnsOf(raw);
    if (turns.kind !== 'none' && turns.kind !== 'conversation') {
      let skip = prompt.skipped[turns.kind];
      if (!skip) {
        skip = { calls: 0, firstAt: record.startedAt };
        prompt.skipped[turns.kind] = skip;
      }
      skip.calls++;
      if (timeOf(record.startedAt) < timeOf(skip.firstAt)) skip.firstAt = record.startedAt;
      continue;
    }
    calls++;
    const messages = turns.kind === 'conversation' ? turns.messages : undefined;
    const id = messages ? shortHash(stableStringify({ vars: record.vars, messages })) : caseIdOf(record.vars);
    let group = prompt.groups.get(id);
    if (!group) {
      group = { vars: record.vars, ...(messages && { messages }), calls: 0, versions: new Set(), lastAt: '' };
      prompt.groups.set(id, group);
    }
    group.calls++;
    group.versions.add(`${record.promptId}@${record.promptVersion}`);
    if (timeOf(record.startedAt) >= timeOf(group.lastAt)) group.lastAt = record.startedAt;
    const at = timeOf(record.startedAt);
    if (options.expectOutput && !record.error && (!group.answer || at >= group.answer.at)) {
      const toolCalls = loggedToolCallsOf(raw.toolCalls);
      // An answer whose tool calls cannot be read is no answer to assert.
      if (toolCalls !== null && (record.output || toolCalls)) group.answer = { text: record.output ?? '', ...(toolCalls && { toolCalls }), at };
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
  const [[promptId, { groups, skipped }]] = byPrompt;
  if (groups.size === 0) {
    throw inputError('CASE_INVALID', `${options.source}: no call of ${JSON.stringify(promptId)} can be made a case: ${skippedText(skipped).join('; ')}`, { file: options.source });
  }
  const cases: LogCase[] = [];
  for (const [id, group] of groups) {
    const versions = [...group.versions].sort().join(', ');
    const item: LogCase = {
      id,
      description: `from ${options.source}: ${group.calls} call${group.calls === 1 ? '' : 's'} (${versions}), last ${group.lastAt || 'unknown'}`,
      vars: group.vars,
      ...(group.messages && { messages: group.messages }),
      tags: ['from-log'],
    };
    // Assertion values are Nunjucks templates (promptfoo's rule): a logged `{{…}}` must stay text.
    if (group.answer?.text) item.assert = [{ type: 'equals', value: literalTemplate(group.answer.text) }];
    if (group.answer?.toolCalls) item.expected_tool_calls = group.answer.toolCalls.map(expectedCallOf);
    cases.push(item);
  }
  return { promptId, cases, lines: count, calls, skipped };
}

/** An expected call: the tool and the arguments as the model sent them (none when they were not a JSON object). */
function expectedCallOf(call: ToolCall): ExpectedToolCall {
  return call.arguments === undefined ? { name: call.name } : { name: call.name, arguments: call.arguments as Record<string, unknown> };
}

const SKIP_REASONS: Record<SkipReason, string> = {
  unknown: 'which of their messages are the app\'s conversation is not known (the app changed or reordered the prompt\'s messages, or redact kept its turns out of the log)',
  elsewhere: 'the app put its conversation where a case\'s messages do not go (after the prompt\'s leading system messages)',
  unfit: 'their conversation is not one a case can hold (a system turn, a tool call without an id, or a tool result that answers no call of the turn right before it)',
  'later-step': 'they continue a tool loop after the prompt\'s messages (the loop\'s first call, when logged, is the case)',
};

/** One phrase per reason calls were left out: `2 calls: <why> (first at <time>)`. */
export function skippedText(skipped: LogCasesResult['skipped']): string[] {
  return (Object.keys(SKIP_REASONS) as SkipReason[]).flatMap((reason) => {
    const entry = skipped[reason];
    if (!entry) return [];
    // The time comes from the log (untrusted text): shown only as a parsed date.
    const at = timeOf(entry.firstAt);
    const first = Number.isFinite(at) ? new Date(at).toISOString() : 'unknown';
    return [`${entry.calls} call${entry.calls === 1 ? '' : 's'}: ${SKIP_REASONS[reason]} (first at ${first})`];
  });
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
  const chat = cases.find((item) => item.messages || item.expected_tool_calls);
  if (chat) throw csvRefusal(`case ${chat.id} has ${chat.messages ? 'a conversation' : 'expected tool calls'}, which this CSV writer does not put in cells`);
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
