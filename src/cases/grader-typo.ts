/**
 * Grader type typos. A cell such as `startswith:ship` or `contians:foo` names no known type, so by
 * promptfoo's grammar it is an exact match of the whole cell and fails for a confusing reason.
 * promptgate refuses it instead when its prefix is a near miss of a type name, and leaves every
 * other cell an exact match (`Answer: 42`, `Note: see above`, `yes`, `error: none`, `score: 8/10`).
 *
 * The rule, chosen so that plausible expected answers are never refused (grader-typo.test.ts holds
 * both lists):
 * - Only a prefix that looks like a type is considered: it starts with a lowercase ASCII letter
 *   and holds only letters, digits, `-` and `_`, up to a `:` or a `(<threshold>)` (`Answer: 42`
 *   starts with a capital, `step 1: …` has a space). A cell with neither `:` nor `(…)` is
 *   considered only against compound names that may stand alone (`isjson`, `is_json`).
 * - Names are compared case-insensitively with `-` and `_` removed, so a missing, extra or wrong
 *   separator is always a near miss (`startswith`, `starts_with`, `llmrubric`, `notcontains`).
 * - Otherwise the edit distance (insertions, deletions, substitutions, swaps of neighbours) must be
 *   at most 1 for names of 6 to 8 letters and 2 for 9 or more; names of 5 letters or fewer (`cost`,
 *   `grade`, `regex`, `js`) allow none, because too many words are one letter away from them
 *   (`cast`, `trade`, `grace`). The first letter must match: typing slips rarely hit it, while
 *   words like `score` (`f-score`) and `actuality` (`factuality`) differ there.
 * - `not-` (or `not_`, `not`) followed by a near miss is a near miss of the negated type.
 * - English words within those distances that read as answers (`scheme` ≈ `schema`, `meter` ≈
 *   `meteor`, `moderator` ≈ `moderation`, …: the list below was made by running the rule over a
 *   dictionary) stay exact matches.
 */

/** Words the rule would otherwise take for typos but that read as answers. */
const NOT_TYPOS = new Set([
  'classier', 'classified', 'classifieds', 'classifies', 'factually', 'fatality', 'meter', 'meters', 'moderating', 'moderator',
  'moderators', 'modulation', 'perplexing', 'rouge', 'rouged', 'rouges', 'roughen', 'scheme', 'schemes',
]);

/** `prefix` then `(threshold)` or not, then `:` or the end of the cell. */
const TYPE_LIKE = /^([a-z][A-Za-z0-9_-]*)(\([^)]*\))?(:|$)/;

export interface TypeTypo {
  /** The prefix as written. */
  written: string;
  /** The type name it is a near miss of (with `not-` when written negated). */
  suggestion: string;
}

/**
 * The near miss of a known type name that a grader spec cell starts with, or undefined. `known`
 * lists every type name and alias (supported or not); exact names are the caller's business.
 */
export function findTypeTypo(cell: string, known: readonly string[]): TypeTypo | undefined {
  const match = TYPE_LIKE.exec(cell);
  if (!match) return undefined;
  const [, written, threshold, colon] = match;
  const bare = threshold === undefined && colon === '';
  return nearMiss(written, known, { bare, strict: true });
}

/**
 * The type a `type` field of an assertion object (JSONL `assert`, suite `assert`) probably meant.
 * An unknown type there is an error anyway, so the rule is looser: any first letter, no word list.
 */
export function suggestType(written: string, known: readonly string[]): string | undefined {
  return nearMiss(written, known, { bare: false, strict: false })?.suggestion;
}

function nearMiss(written: string, known: readonly string[], options: { bare: boolean; strict: boolean }): TypeTypo | undefined {
  const lower = written.toLowerCase();
  const negation = /^not[-_]?/.exec(lower);
  const attempts: Array<{ core: string; prefix: string }> = [{ core: lower, prefix: '' }];
  if (negation && lower.length > negation[0].length) attempts.push({ core: lower.slice(negation[0].length), prefix: 'not-' });
  for (const { core, prefix } of attempts) {
    const name = nearestName(core, known, options);
    if (name !== undefined && prefix + name !== written) return { written, suggestion: prefix + name };
  }
  return undefined;
}

function nearestName(core: string, known: readonly string[], { bare, strict }: { bare: boolean; strict: boolean }): string | undefined {
  const written = squash(core);
  if (written === '') return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    if (bare && !name.includes('-')) continue;
    const target = squash(name);
    let distance: number;
    if (written === target) distance = 0;
    else if (strict && (written[0] !== target[0] || NOT_TYPOS.has(written))) continue;
    else distance = editDistance(written, target);
    if (distance > allowance(target)) continue;
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best?.name;
}

/** How many edits a name of this (squashed) length tolerates. */
function allowance(name: string): number {
  return name.length >= 9 ? 2 : name.length >= 6 ? 1 : 0;
}

function squash(text: string): string {
  return text.toLowerCase().replace(/[-_]/g, '');
}

/** Optimal string alignment distance: Levenshtein plus swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2] + 1);
      row.push(value);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length];
}
