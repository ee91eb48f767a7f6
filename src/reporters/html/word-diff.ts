import { diffWords } from 'diff';

/** One diff part: 0 common, -1 only in the baseline (deleted), 1 only in the candidate (inserted). */
export type DiffPart = [op: -1 | 0 | 1, text: string];

export interface WordDiff {
  /** Null when no diff was made: too different (`skipped` unset) or over the report's budget (`skipped`). */
  parts: DiffPart[] | null;
  /** True when either text was cut to `maxChars` before diffing. */
  capped: boolean;
  /** True when both texts are equal (parts is then empty, to keep reports small). */
  same: boolean;
  /** True when the diff was left out because the report's diff budget was used up. */
  skipped?: boolean;
}

export interface WordDiffOptions {
  /** Characters of each side that are diffed; the rest is left out. @default 5000 */
  maxChars?: number;
  /** Most word-level edits worth showing; beyond this the diff is given up. @default 200 */
  maxEdits?: number;
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not leave half a surrogate pair at the end.
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

const SPACE = /\s/;

/** Length of the common prefix that ends just after whitespace (so no word is split). */
function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === a.length && i === b.length) return i;
  while (i > 0 && !SPACE.test(a[i - 1])) i--;
  return i;
}

/** Length of the common suffix (not overlapping `start`) that begins with whitespace. */
function commonSuffix(a: string, b: string, start: number): number {
  const n = Math.min(a.length, b.length) - start;
  let k = 0;
  while (k < n && a.charCodeAt(a.length - 1 - k) === b.charCodeAt(b.length - 1 - k)) k++;
  while (k > 0 && !SPACE.test(a[a.length - k])) k--;
  return k;
}

/**
 * Word-level diff of a baseline and a candidate output (the `diff` package's diffWords), bounded in
 * input size and edit distance. A shared head and tail are set aside first: outputs that differ in a
 * few places diff in a fraction of the time. `cost` is the number of characters actually diffed.
 */
export function computeWordDiff(baseline: string, candidate: string, options: WordDiffOptions = {}): WordDiff & { cost: number } {
  if (baseline === candidate) return { parts: [], capped: false, same: true, cost: 0 };
  const maxChars = options.maxChars ?? 5000;
  const a = cut(baseline, maxChars);
  const b = cut(candidate, maxChars);
  const capped = a.length < baseline.length || b.length < candidate.length;
  const head = commonPrefix(a, b);
  const tail = commonSuffix(a, b, head);
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const cost = midA.length + midB.length;
  const changes = diffWords(midA, midB, { maxEditLength: options.maxEdits ?? 200 });
  if (!changes) return { parts: null, capped, same: false, cost };
  const parts: DiffPart[] = [];
  const push = (op: DiffPart[0], text: string) => {
    if (text === '') return;
    const last = parts[parts.length - 1];
    if (last && last[0] === op) last[1] += text;
    else parts.push([op, text]);
  };
  push(0, a.slice(0, head));
  for (const c of changes) push(c.added ? 1 : c.removed ? -1 : 0, c.value);
  push(0, a.slice(a.length - tail));
  return { parts, capped, same: false, cost };
}
