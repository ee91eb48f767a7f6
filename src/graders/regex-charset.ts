/**
 * Sets of characters with JavaScript's RegExp semantics, for translating a JS pattern into an RE2
 * pattern that gives the same verdicts (see regex-compile.ts).
 *
 * A set is a sorted list of disjoint, non-adjacent inclusive ranges, flat: `[lo0, hi0, lo1, hi1, …]`.
 * Its alphabet depends on the pattern's mode: without `u`/`v` a JS regex reads UTF-16 code units
 * (0..0xFFFF, surrogates included one by one); with `u`/`v` it reads code points (0..0x10FFFF,
 * a lone surrogate being a code point of its own).
 *
 * Whatever V8 alone defines (case-insensitive equivalence, Unicode properties) is asked of V8
 * itself, once per process, so the sets follow the Node.js that runs the grader, not a table of
 * another Unicode version.
 */

export type Ranges = number[];
export type Alphabet = 'units' | 'codepoints';

export const MAX_UNIT = 0xffff;
export const MAX_CODEPOINT = 0x10ffff;

export function maxOf(alphabet: Alphabet): number {
  return alphabet === 'units' ? MAX_UNIT : MAX_CODEPOINT;
}

/** Normalises any list of ranges (unsorted, overlapping) into a set. */
export function normalise(ranges: Ranges): Ranges {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i], ranges[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of pairs) {
    if (out.length > 0 && lo <= out[out.length - 1] + 1) out[out.length - 1] = Math.max(out[out.length - 1], hi);
    else out.push(lo, hi);
  }
  return out;
}

export function union(a: Ranges, b: Ranges): Ranges {
  return normalise([...a, ...b]);
}

export function complement(a: Ranges, max: number): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i] > next) out.push(next, a[i] - 1);
    next = a[i + 1] + 1;
  }
  if (next <= max) out.push(next, max);
  return out;
}

export function intersect(a: Ranges, b: Ranges): Ranges {
  const out: Ranges = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i], b[j]);
    const hi = Math.min(a[i + 1], b[j + 1]);
    if (lo <= hi) out.push(lo, hi);
    if (a[i + 1] < b[j + 1]) i += 2;
    else j += 2;
  }
  return out;
}

export function subtract(a: Ranges, b: Ranges, max: number): Ranges {
  return intersect(a, complement(b, max));
}

export function has(set: Ranges, cp: number): boolean {
  let lo = 0;
  let hi = set.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < set[2 * mid]) hi = mid - 1;
    else if (cp > set[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Fixed sets (ECMA-262 CharacterClassEscape and LineTerminator).

export const DIGITS: Ranges = [0x30, 0x39];
export const WORD: Ranges = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
/** WhiteSpace and LineTerminator: what JS's `\s` matches (RE2's `\s` is ASCII only). */
export const SPACE: Ranges = normalise([
  0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f,
  0x3000, 0x3000, 0xfeff, 0xfeff,
]);
/** What `.` does not match without the `s` flag, and where `^`/`$` match with `m`. */
export const LINE_TERMINATORS: Ranges = [0x0a, 0x0a, 0x0d, 0x0d, 0x2028, 0x2029];

// ---------------------------------------------------------------------------------------------
// Sets asked of V8.

const SURROGATES: [number, number] = [0xd800, 0xdfff];
const BMP_WITHOUT_SURROGATES = MAX_UNIT + 1 - (SURROGATES[1] - SURROGATES[0] + 1);
let unitsText: string | undefined;
const codepointsText = new Map<number, string>();

/** Every code unit 0..0xFFFF once, in order (index = unit); lone surrogates are fine without `u`. */
function allUnits(): string {
  if (unitsText === undefined) {
    let text = '';
    const chunk = new Uint16Array(8192);
    for (let start = 0; start <= MAX_UNIT; start += chunk.length) {
      for (let i = 0; i < chunk.length; i++) chunk[i] = start + i;
      text += String.fromCharCode(...chunk);
    }
    unitsText = text;
  }
  return unitsText;
}

/** Every code point from 0 to `last` but the surrogates, in order, as UTF-16 (so no surrogate stands alone). */
function allCodepoints(last = MAX_CODEPOINT): string {
  let text = codepointsText.get(last);
  if (text === undefined) {
    const units = new Uint16Array(BMP_WITHOUT_SURROGATES + 2 * Math.max(0, last - 0xffff));
    let n = 0;
    for (let cp = 0; cp <= MAX_UNIT; cp++) if (cp < SURROGATES[0] || cp > SURROGATES[1]) units[n++] = cp;
    for (let cp = 0x10000; cp <= last; cp++) {
      const offset = cp - 0x10000;
      units[n++] = 0xd800 + (offset >> 10);
      units[n++] = 0xdc00 + (offset & 0x3ff);
    }
    // Well-formed UTF-16 (every surrogate is paired), so the decoder changes nothing.
    text = new TextDecoder('utf-16le').decode(units);
    codepointsText.set(last, text);
  }
  return text;
}

/** The code point at a UTF-16 index of allCodepoints(). */
function codepointAt(index: number): number {
  if (index < SURROGATES[0]) return index;
  if (index < BMP_WITHOUT_SURROGATES) return index + (SURROGATES[1] - SURROGATES[0] + 1);
  return 0x10000 + ((index - BMP_WITHOUT_SURROGATES) >> 1);
}

const scanned = new Map<string, Ranges>();

/**
 * The set of characters that the one-character pattern `source` (a class, an escape, a literal)
 * matches under `flags` (only `i`, `s`, `u`, `v` matter), by running V8 over the whole alphabet.
 * Costs a scan of about 2 million code units for `u`/`v` patterns; cached per process.
 */
export function scanSet(source: string, flags: string): Ranges {
  const relevant = [...flags].filter((flag) => 'isuv'.includes(flag)).sort().join('');
  const key = `${relevant}\u0000${source}`;
  const known = scanned.get(key);
  if (known) return known;
  const unicode = relevant.includes('u') || relevant.includes('v');
  const runs = new RegExp(`(?:${source})+`, `g${relevant}`);
  const out: Ranges = [];
  if (!unicode) {
    for (const match of allUnits().matchAll(runs)) out.push(match.index, match.index + match[0].length - 1);
  } else {
    for (const match of allCodepoints().matchAll(runs)) {
      out.push(codepointAt(match.index), codepointAt(match.index + match[0].length - 1));
    }
    // Lone surrogates, one at a time (next to each other two could pair up).
    const single = new RegExp(`^(?:${source})$`, relevant);
    for (let unit = SURROGATES[0]; unit <= SURROGATES[1]; unit++) if (single.test(String.fromCharCode(unit))) out.push(unit, unit);
  }
  const set = normalise(out);
  scanned.set(key, set);
  return set;
}

// ---------------------------------------------------------------------------------------------
// Case-insensitive matching (`i`): each character's orbit, the characters it matches.

interface Orbits {
  /** Characters that have a case mapping or folding, sorted: the only ones with a non-trivial orbit. */
  cased: number[];
  orbit: Map<number, number[]>;
}

const orbitsByMode = new Map<string, Orbits>();
/** Planes 0 and 1 hold every character that has a case (checked by the differential test). */
export const CASED_PLANES_END = 0x1ffff;

/**
 * Case orbits as V8 defines them under `i` (without `u`: ECMA-262's toUppercase-based Canonicalize;
 * with `u`/`v`: simple case folding). Only characters that change under a case mapping or folding
 * can be equivalent to another; they all lie in planes 0 and 1 (the differential test checks that
 * for the running Node.js), so the orbits are found by scanning those with V8 itself.
 */
function orbits(unicode: boolean): Orbits {
  const mode = unicode ? 'u' : '';
  const known = orbitsByMode.get(mode);
  if (known) return known;
  const cased: number[] = [];
  const casedClass = /[\p{Changes_When_Casemapped}\p{Changes_When_Casefolded}]/gu;
  for (const match of allCodepoints(unicode ? CASED_PLANES_END : MAX_UNIT).match(casedClass) ?? []) cased.push(match.codePointAt(0)!);
  const casedText = String.fromCodePoint(...cased);
  const orbit = new Map<number, number[]>();
  for (const cp of cased) {
    if (orbit.has(cp)) continue;
    const same = new RegExp(`[${escapeClassChar(cp)}]`, `g${unicode ? 'iu' : 'i'}`);
    const members = (casedText.match(same) ?? []).map((text) => text.codePointAt(0)!);
    if (!members.includes(cp)) members.push(cp);
    members.sort((a, b) => a - b);
    for (const member of members) orbit.set(member, members);
  }
  const result = { cased, orbit };
  orbitsByMode.set(mode, result);
  return result;
}

function escapeClassChar(cp: number): string {
  return `\\u{${cp.toString(16)}}`.replace(/^\\u\{([0-9a-f]{1,4})\}$/, (_, hex: string) => `\\u${hex.padStart(4, '0')}`);
}

/** Every character equivalent under `i` to some member of `set`. */
export function caseClosure(set: Ranges, unicode: boolean): Ranges {
  const { cased, orbit } = orbits(unicode);
  const extra: Ranges = [];
  for (const cp of cased) {
    if (!has(set, cp)) continue;
    for (const member of orbit.get(cp) ?? [cp]) extra.push(member, member);
  }
  return extra.length === 0 ? set : union(set, extra);
}

/** The orbit of one character under `i` (itself included). */
export function caseOrbit(cp: number, unicode: boolean): number[] {
  return orbits(unicode).orbit.get(cp) ?? [cp];
}
