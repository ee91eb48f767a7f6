/**
 * The tool calls of two answers, baseline against candidate (compare, ci, drift): which calls were
 * added or removed (matched by tool name, in order), and for a call of the same tool on both sides,
 * which arguments changed, as paths: `refund.amount: 10 → 100`. One diff and one way to write it,
 * shared by every report (report.html gets its lines from data.ts).
 */
import { shorten } from '../util/text.js';
import { compactJson, formatToolCall, type Answer } from './format.js';
import type { ToolCall } from './types.js';
import { isRecord } from '../util/record.js';

/** One argument that differs: where (`refund.items[0].sku`), and its value on each side as compact JSON (null: absent). */
export interface ArgumentChange {
  path: string;
  before: string | null;
  after: string | null;
  /** The arguments of one side were not valid JSON: the raw texts are compared, `before` and `after` hold them. */
  raw?: true;
}

/** How the calls of two answers differ, in call order. */
export type ToolCallChange =
  | { kind: 'added'; call: ToolCall }
  | { kind: 'removed'; call: ToolCall }
  /** A call of the same tool on both sides whose arguments differ; `label` is the tool name (`refund#2` for its second call). */
  | { kind: 'arguments'; label: string; changes: ArgumentChange[] };

/** Argument changes kept per call; the rest are counted in one last change. */
const MAX_CHANGES = 50;
/** Nesting followed before a whole sub-value is compared as one. */
const MAX_DEPTH = 32;
/** Calls aligned by name on each side (a longer list is compared on its first calls, the rest added or removed). */
const MAX_ALIGNED = 500;

/**
 * The differences between the baseline's and the candidate's tool calls, empty when they are the
 * same calls with the same arguments. Call ids are ignored (the provider makes them up), and so
 * are key order and whitespace of valid JSON arguments; invalid ones are compared by raw text.
 */
export function diffToolCalls(baseline: readonly ToolCall[] = [], candidate: readonly ToolCall[] = []): ToolCallChange[] {
  const repeated = repeatedNames(baseline, candidate);
  const seen = new Map<string, number>();
  const labelOf = (name: string) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return repeated.has(name) ? `${name}#${n}` : name;
  };
  const out: ToolCallChange[] = [];
  for (const step of align(baseline, candidate)) {
    if (step.before && step.after) {
      const label = labelOf(step.after.name);
      const changes = diffArguments(step.before, step.after, label);
      if (changes.length > 0) out.push({ kind: 'arguments', label, changes });
    } else if (step.before) out.push({ kind: 'removed', call: step.before });
    else if (step.after) {
      labelOf(step.after.name);
      out.push({ kind: 'added', call: step.after });
    }
  }
  return out;
}

/** Whether two lists hold the same calls with the same arguments (ids aside). */
export function sameToolCalls(a: readonly ToolCall[] | undefined, b: readonly ToolCall[] | undefined): boolean {
  if ((a?.length ?? 0) === 0 && (b?.length ?? 0) === 0) return true;
  return (a?.length ?? 0) === (b?.length ?? 0) && diffToolCalls(a, b).length === 0;
}

/**
 * Whether two answers are the same answer: same text, same tool calls (by {@link sameToolCalls})
 * and the same refusal. Two answers with the text `''` that call different tools differ.
 */
export function sameAnswer(a: Answer, b: Answer): boolean {
  return a.output === b.output && a.refusal === b.refusal && sameToolCalls(a.toolCalls, b.toolCalls);
}

/** Characters of an argument value shown before it is cut with `…`. */
export const MAX_VALUE_SHOWN = 80;

/**
 * The diff as lines, one per added or removed call and per changed argument:
 * `refund.amount: 10 → 100`, `refund.note: (absent) → "late"`, `added call: escalate({"reason":"x"})`,
 * `removed call: lookup_order({"id":"A1"})`. At most `maxLines` lines (the last then counts the rest).
 */
export function formatToolCallDiff(diff: readonly ToolCallChange[], options: { maxLines?: number; maxValue?: number } = {}): string[] {
  const maxValue = options.maxValue ?? MAX_VALUE_SHOWN;
  const value = (text: string | null) => (text === null ? '(absent)' : shorten(text, maxValue));
  const lines: string[] = [];
  for (const change of diff) {
    if (change.kind === 'added') lines.push(`added call: ${formatToolCall(change.call, maxValue)}`);
    else if (change.kind === 'removed') lines.push(`removed call: ${formatToolCall(change.call, maxValue)}`);
    else for (const c of change.changes) lines.push(`${c.path}${c.raw ? ' (raw arguments)' : ''}: ${value(c.before)} → ${value(c.after)}`);
  }
  const max = options.maxLines ?? Number.POSITIVE_INFINITY;
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, Math.max(0, max - 1));
  return [...kept, `… and ${lines.length - kept.length} more tool call changes`];
}

// ── alignment: the longest common subsequence of tool names ─────────────────────────────────

interface Step {
  before?: ToolCall;
  after?: ToolCall;
}

function align(baseline: readonly ToolCall[], candidate: readonly ToolCall[]): Step[] {
  const a = baseline.slice(0, MAX_ALIGNED);
  const b = candidate.slice(0, MAX_ALIGNED);
  // lcs[i][j]: the longest common name subsequence of a[i..] and b[j..].
  const lcs: Uint16Array[] = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i].name === b[j].name ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const steps: Step[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i].name === b[j].name) steps.push({ before: a[i++], after: b[j++] });
    else if (j >= b.length || (i < a.length && lcs[i + 1][j] >= lcs[i][j + 1])) steps.push({ before: a[i++] });
    else steps.push({ after: b[j++] });
  }
  for (const call of baseline.slice(MAX_ALIGNED)) steps.push({ before: call });
  for (const call of candidate.slice(MAX_ALIGNED)) steps.push({ after: call });
  return steps;
}

/** Names called more than once on either side: their calls are labelled `name#n` (the n-th call of that tool). */
function repeatedNames(baseline: readonly ToolCall[], candidate: readonly ToolCall[]): Set<string> {
  const repeated = new Set<string>();
  for (const list of [baseline, candidate]) {
    const seen = new Set<string>();
    for (const call of list) {
      if (seen.has(call.name)) repeated.add(call.name);
      seen.add(call.name);
    }
  }
  return repeated;
}

// ── arguments ───────────────────────────────────────────────────────────────────────────────

function diffArguments(before: ToolCall, after: ToolCall, label: string): ArgumentChange[] {
  if (before.arguments === undefined || after.arguments === undefined) {
    if (before.rawArguments === after.rawArguments) return [];
    const side = (call: ToolCall) => (call.arguments === undefined ? call.rawArguments : compactJson(call.arguments));
    return [{ path: label, before: side(before), after: side(after), raw: true }];
  }
  const changes: ArgumentChange[] = [];
  diffValues(before.arguments, after.arguments, label, changes, 0);
  if (changes.length > MAX_CHANGES) {
    const more = changes.length - MAX_CHANGES;
    changes.length = MAX_CHANGES;
    changes.push({ path: `${label} …`, before: null, after: `${more} more changed argument${more === 1 ? '' : 's'}` });
  }
  return changes;
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

function keyPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function diffValues(before: unknown, after: unknown, path: string, out: ArgumentChange[], depth: number): void {
  if (out.length > MAX_CHANGES) return;
  if (Object.is(before, after) || (typeof before === 'number' && before === after)) return;
  if (depth < MAX_DEPTH && isRecord(before) && isRecord(after)) {
    for (const key of Object.keys(before)) {
      if (Object.hasOwn(after, key)) diffValues(before[key], after[key], keyPath(path, key), out, depth + 1);
      else out.push({ path: keyPath(path, key), before: compactJson(before[key]), after: null });
    }
    for (const key of Object.keys(after)) if (!Object.hasOwn(before, key)) out.push({ path: keyPath(path, key), before: null, after: compactJson(after[key]) });
    return;
  }
  if (depth < MAX_DEPTH && Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const at = `${path}[${i}]`;
      if (i >= after.length) out.push({ path: at, before: compactJson(before[i]), after: null });
      else if (i >= before.length) out.push({ path: at, before: null, after: compactJson(after[i]) });
      else diffValues(before[i], after[i], at, out, depth + 1);
    }
    return;
  }
  const a = compactJson(before);
  const b = compactJson(after);
  if (a !== b) out.push({ path, before: a, after: b });
}
