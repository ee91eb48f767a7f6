/**
 * A static check for regexes likely to backtrack catastrophically, for `promptgate check`.
 *
 * Heuristic (star height with a little care): the pattern is parsed into groups, alternatives and
 * quantified items. A group repeated without bound (`*`, `+`, `{n,}`) is refused when
 * - one of its alternatives can match through variable-count items alone: every mandatory item is
 *   itself repeated a variable number of times (`a+`, `\w*`, `\d{1,3}`, or such a group) and
 *   everything else is optional. `(a+)+`, `(a*)*`, `(\w+\s?)+`, `(x+x+)+` are refused; `(\d+,)*`
 *   and `([a-z]+\.)+` are not, because a fixed separator makes each repetition unambiguous; or
 * - two of its alternatives are the same text: `(a|a)*`.
 * Overlapping but different alternatives (`(\w|\d)+`) and polynomial cases (`.*.*=`) pass the
 * check; the grader's run-time bound (REGEX_TIMEOUT_MS) still stops them.
 */

interface Item {
  min: number;
  max: number;
  /** Anchors and lookarounds match no text. */
  zeroWidth: boolean;
  /** Source span, for the message. */
  start: number;
  end: number;
  /** Present for groups: each alternative's items and source text. */
  alternatives?: Array<{ items: Item[]; text: string }>;
}

/** Why the pattern is likely catastrophic, or undefined. Assumes the pattern compiles. */
export function findCatastrophicRegex(pattern: string, flags = ''): string | undefined {
  const root = parsePattern(pattern, flags.includes('v'));
  const culprit = findRisky(root);
  if (!culprit) return undefined;
  const text = pattern.slice(culprit.item.start, culprit.item.end);
  return culprit.why === 'duplicate'
    ? `the repeated group ${JSON.stringify(text)} has two identical alternatives, so it can match the same text in exponentially many ways`
    : `the repeated group ${JSON.stringify(text)} holds a repeated item with no fixed separator (nested quantifiers), so it can match the same text in exponentially many ways`;
}

function findRisky(item: Item): { item: Item; why: 'nested' | 'duplicate' } | undefined {
  if (!item.alternatives) return undefined;
  if (item.max === Infinity) {
    if (item.alternatives.some((alternative) => isPumpable(alternative.items))) return { item, why: 'nested' };
    const texts = item.alternatives.map((alternative) => alternative.text);
    if (new Set(texts).size < texts.length) return { item, why: 'duplicate' };
  }
  for (const alternative of item.alternatives) {
    for (const child of alternative.items) {
      const found = findRisky(child);
      if (found) return found;
    }
  }
  return undefined;
}

function isNullable(item: Item): boolean {
  return item.zeroWidth || item.min === 0 || (item.alternatives?.some((alt) => alt.items.every(isNullable)) ?? false);
}

/** Matches a variable amount of text by repetition alone. */
function isVariable(item: Item): boolean {
  if (item.zeroWidth) return false;
  return item.max > item.min || (item.alternatives?.some((alt) => isPumpable(alt.items)) ?? false);
}

function isPumpable(items: Item[]): boolean {
  return items.some(isVariable) && items.every((item) => isNullable(item) || isVariable(item));
}

function parsePattern(pattern: string, nestedClasses: boolean): Item {
  let i = 0;

  const parseGroupBody = (start: number, zeroWidth: boolean): Item => {
    const alternatives: Array<{ items: Item[]; text: string }> = [];
    let items: Item[] = [];
    let altStart = i;
    const closeAlternative = () => alternatives.push({ items, text: pattern.slice(altStart, i) });
    while (i < pattern.length && pattern[i] !== ')') {
      const char = pattern[i];
      if (char === '|') {
        closeAlternative();
        i++;
        items = [];
        altStart = i;
        continue;
      }
      const itemStart = i;
      let item: Item;
      if (char === '(') {
        i++;
        let lookaround = false;
        if (pattern[i] === '?') {
          const rest = pattern.slice(i, i + 4);
          lookaround = /^\?(?:[=!]|<[=!])/.test(rest);
          if (rest.startsWith('?<') && !lookaround) i = pattern.indexOf('>', i) + 1;
          else i += rest.startsWith('?<') ? 3 : 2;
        }
        item = parseGroupBody(itemStart, lookaround);
        i++; // ')'
      } else if (char === '[') {
        i = skipClass(pattern, i, nestedClasses);
        item = atom(itemStart, false);
      } else if (char === '\\') {
        i = skipEscape(pattern, i);
        item = atom(itemStart, /[bB]/.test(pattern[itemStart + 1] ?? ''));
      } else {
        i++;
        item = atom(itemStart, char === '^' || char === '$');
      }
      readQuantifier(item);
      item.end = i;
      items.push(item);
    }
    closeAlternative();
    return { min: 1, max: 1, zeroWidth, start, end: i, alternatives };
  };

  const readQuantifier = (item: Item) => {
    const char = pattern[i];
    let bounds: [number, number] | undefined;
    if (char === '*') bounds = [0, Infinity];
    else if (char === '+') bounds = [1, Infinity];
    else if (char === '?') bounds = [0, 1];
    else if (char === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (match) {
        const min = Number(match[1]);
        bounds = [min, match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3])];
        i += match[0].length - 1;
      }
    }
    if (!bounds) return;
    i++;
    if (pattern[i] === '?') i++; // lazy
    [item.min, item.max] = bounds;
  };

  return parseGroupBody(0, false);
}

function atom(start: number, zeroWidth: boolean): Item {
  return { min: 1, max: 1, zeroWidth, start, end: start };
}

/** Index after the character class that starts at `start` (`[`). */
function skipClass(pattern: string, start: number, nested: boolean): number {
  let depth = 0;
  for (let i = start; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') i = skipEscape(pattern, i) - 1;
    else if (char === '[' && (depth === 0 || nested)) depth++;
    else if (char === ']' && --depth === 0) return i + 1;
  }
  return pattern.length;
}

/** Index after the escape that starts at `start` (`\`): `\x41`, `\u0041`, `\u{1F600}`, `\p{L}`, `\k<name>`, `\cA`, `\n`. */
function skipEscape(pattern: string, start: number): number {
  const kind = pattern[start + 1];
  const rest = pattern.slice(start + 2);
  const braced = /^\{[^}]*\}/.exec(rest);
  if ((kind === 'u' || kind === 'p' || kind === 'P') && braced) return start + 2 + braced[0].length;
  if (kind === 'k' && rest.startsWith('<')) return start + 2 + rest.indexOf('>') + 1;
  const fixed = kind === 'x' ? /^[0-9a-fA-F]{2}/ : kind === 'u' ? /^[0-9a-fA-F]{4}/ : kind === 'c' ? /^[a-zA-Z]/ : undefined;
  const tail = fixed?.exec(rest);
  return start + 2 + (tail ? tail[0].length : 0);
}
