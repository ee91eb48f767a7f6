import type { AST } from '@eslint-community/regexpp';
import {
  DIGITS,
  LINE_TERMINATORS,
  SPACE,
  WORD,
  caseClosure,
  caseOrbit,
  complement,
  intersect,
  maxOf,
  normalise,
  scanSet,
  subtract,
  union,
  type Alphabet,
  type Ranges,
} from './regex-charset.js';

/**
 * Translates a JavaScript regex (parsed by regexpp) into an RE2 pattern (re2js) that gives the same
 * `test()` verdict on every input: RE2 runs in linear time, so no verdict can depend on a timeout.
 *
 * RE2 and JS read the same syntax differently (`\s` is ASCII in RE2, `.` and `$` treat line ends
 * differently, `i` folds case differently, JS without `u` reads UTF-16 code units, ...). So nothing
 * is left to RE2's reading: every character-matching atom becomes an explicit set of code points
 * computed with JS's rules (regex-charset.ts), and every assertion an RE2 one with the JS meaning:
 * - `^`/`$` without `m` → `\A`/`\z`; with `m`, only where a match can be shifted by one character
 *   (the first thing of every path: `^` → `(?:\A|[line end])`; the last: `$` → `(?:\z|[line end])`),
 *   which is exact for a yes/no test;
 * - `\b`/`\B` as is (both ASCII), except with `i` and `u`/`v` where JS counts `ſ` and `K` as word
 *   characters, and `\B` with `u`/`v`, which V8 also tries between the halves of a surrogate pair;
 * - lookbehinds as RE2JS's linear-time lookbehinds; a positive lookahead at the very end of the
 *   pattern as plain text (same yes/no);
 * - `y` (sticky) → `\A` in front; `g` and `d` change nothing for a fresh test.
 * Without `u`/`v`, surrogate code units are mapped to private-use code points in both the pattern
 * and the input (see mapInput), because RE2 reads a surrogate pair as one character.
 *
 * What has no exact RE2 form (backreferences, other lookaheads, `m` anchors elsewhere, classes of
 * strings, counts above RE2's limit) throws NeedsBacktracking with the reason: such a pattern runs
 * on V8 if regex-safety.ts proves it linear, and is refused otherwise.
 */

export class NeedsBacktracking extends Error {
  constructor(readonly construct: string) {
    super(`the linear-time engine cannot run ${construct}`);
    this.name = 'NeedsBacktracking';
  }
}

export interface Translation {
  source: string;
  /** The pattern uses lookbehinds (re2js needs its LOOKBEHINDS flag). */
  lookbehinds: boolean;
}

export interface Mode {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
}

interface Position {
  /** Nothing can have been matched or asserted before this point on any path. */
  head: boolean;
  /** Nothing can be matched or asserted after this point on any path. */
  tail: boolean;
}

const RE2_MAX_REPEAT = 1000;
/** Where surrogate code units go when the pattern reads code units (plane 16, private use). */
const SURROGATE_BASE = 0x100000;

export interface JsFlags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
  unicode: boolean;
  unicodeSets: boolean;
  sticky: boolean;
}

export function readFlags(flags: string): JsFlags {
  return {
    ignoreCase: flags.includes('i'),
    multiline: flags.includes('m'),
    dotAll: flags.includes('s'),
    unicode: flags.includes('u'),
    unicodeSets: flags.includes('v'),
    sticky: flags.includes('y'),
  };
}

export function translatePattern(pattern: AST.Pattern, flags: JsFlags): Translation {
  const alphabet: Alphabet = flags.unicode || flags.unicodeSets ? 'codepoints' : 'units';
  const unicode = alphabet === 'codepoints';
  const setOf = createSetOf(flags);
  let lookbehinds = false;

  const alternatives = (alts: AST.Alternative[], mode: Mode, at: Position, inLookbehind: boolean): string => {
    const parts = alts.map((alt) => sequence(alt.elements, mode, at, inLookbehind));
    return parts.length === 1 ? parts[0] : parts.join('|');
  };

  const sequence = (elements: AST.Element[], mode: Mode, at: Position, inLookbehind: boolean): string =>
    elements
      .map((element, index) => element_(element, mode, { head: at.head && index === 0, tail: at.tail && index === elements.length - 1 }, inLookbehind))
      .join('');

  const element_ = (node: AST.Element, mode: Mode, at: Position, inLookbehind: boolean): string => {
    switch (node.type) {
      case 'Character':
      case 'CharacterSet':
      case 'CharacterClass':
      case 'ExpressionCharacterClass':
        return emitSet(setOf(node, mode));
      case 'CapturingGroup':
        return `(?:${alternatives(node.alternatives, mode, at, inLookbehind)})`;
      case 'Group':
        return `(?:${alternatives(node.alternatives, node.modifiers ? modified(mode, node.modifiers) : mode, at, inLookbehind)})`;
      case 'Quantifier':
        return quantifier(node, mode, at, inLookbehind);
      case 'Backreference':
        throw new NeedsBacktracking(`a backreference (${node.raw})`);
      case 'Assertion':
        return assertion(node, mode, at, inLookbehind);
    }
  };

  const quantifier = (node: AST.Quantifier, mode: Mode, at: Position, inLookbehind: boolean): string => {
    const { min, max: most } = node;
    if (min > RE2_MAX_REPEAT || (most !== Infinity && most > RE2_MAX_REPEAT)) throw new NeedsBacktracking(`a repeat count above ${RE2_MAX_REPEAT} (${node.raw})`);
    // One pass at most keeps head/tail; more passes put one pass after another.
    const inner = element_(node.element, mode, most <= 1 ? at : { head: false, tail: false }, inLookbehind);
    const body = `(?:${inner})`;
    if (most === Infinity) return min === 0 ? `${body}*` : min === 1 ? `${body}+` : `${body}{${min},}`;
    if (min === 0 && most === 1) return `${body}?`;
    return min === most ? `${body}{${min}}` : `${body}{${min},${most}}`;
  };

  const assertion = (node: AST.Assertion, mode: Mode, at: Position, inLookbehind: boolean): string => {
    switch (node.kind) {
      case 'start':
        if (!mode.multiline) return '\\A';
        if (inLookbehind) throw new NeedsBacktracking('`^` with the m flag inside a lookbehind');
        if (!at.head) throw new NeedsBacktracking('`^` with the m flag after the start of the pattern');
        // A sticky match starts at 0, where `^` holds.
        return flags.sticky ? '' : `(?:\\A|${emitSet(LINE_TERMINATORS)})`;
      case 'end':
        if (!mode.multiline) return '\\z';
        if (inLookbehind) throw new NeedsBacktracking('`$` with the m flag inside a lookbehind');
        if (!at.tail) throw new NeedsBacktracking('`$` with the m flag before the end of the pattern');
        return `(?:\\z|${emitSet(LINE_TERMINATORS)})`;
      case 'word':
        if (mode.ignoreCase && unicode) throw new NeedsBacktracking('`\\b` or `\\B` with the i and u/v flags');
        // V8 also tries `\B` between the two halves of a surrogate pair with u/v; RE2 cannot.
        if (node.negate && unicode) throw new NeedsBacktracking('`\\B` with the u/v flag');
        return node.negate ? '\\B' : '\\b';
      case 'lookahead':
        if (node.negate || !at.tail || inLookbehind) throw new NeedsBacktracking(`a lookahead (${node.raw})`);
        // At the very end of the pattern, "followed by X" and "then X" give the same yes/no.
        return `(?:${alternatives(node.alternatives, mode, at, inLookbehind)})`;
      case 'lookbehind':
        lookbehinds = true;
        return `(?<${node.negate ? '!' : '='}${alternatives(node.alternatives, mode, { head: false, tail: false }, true)})`;
    }
  };

  const emitSet = (set: Ranges): string => renderSet(alphabet === 'units' ? mapSurrogates(set) : set);

  const source = alternatives(pattern.alternatives, flags, { head: true, tail: true }, false);
  return { source: flags.sticky ? `\\A(?:${source})` : source, lookbehinds };
}

/** A character-matching node's set under a mode, with JS's rules (ECMA-262 CompileToCharSet, CharacterSetMatcher). */
export type SetOf = (node: AST.Character | AST.CharacterSet | AST.CharacterClass | AST.ExpressionCharacterClass, mode: Mode) => Ranges;

export function createSetOf(flags: JsFlags): SetOf {
  const unicode = flags.unicode || flags.unicodeSets;
  const max = maxOf(unicode ? 'codepoints' : 'units');
  const jsFlags = (mode: Mode) => `${mode.ignoreCase ? 'i' : ''}${mode.dotAll ? 's' : ''}${flags.unicodeSets ? 'v' : unicode ? 'u' : ''}`;
  const wordSet = (mode: Mode): Ranges => (mode.ignoreCase && unicode ? caseClosure(WORD, true) : WORD);

  /** A class atom's own set, before `i` closure. */
  const atomSet = (node: AST.Node, mode: Mode): Ranges => {
    switch (node.type) {
      case 'Character':
        return [node.value, node.value];
      case 'CharacterClassRange':
        return [node.min.value, node.max.value];
      case 'CharacterSet': {
        if (node.kind === 'any') return mode.dotAll ? [0, max] : complement(LINE_TERMINATORS, max);
        if (node.kind === 'property') {
          if (node.strings) throw new NeedsBacktracking(`a property of strings (${node.raw})`);
          return scanSet(node.raw, jsFlags({ ...mode, ignoreCase: false }));
        }
        const base = node.kind === 'digit' ? DIGITS : node.kind === 'space' ? SPACE : wordSet(mode);
        return node.negate ? complement(base, max) : base;
      }
      default:
        throw new Error(`unexpected class element ${node.type}`);
    }
  };

  /** A `v` class without `i`: plain set algebra. */
  const setExpression = (node: AST.Node, mode: Mode): Ranges => {
    switch (node.type) {
      case 'CharacterClass': {
        let set: Ranges = [];
        for (const element of node.elements) set = union(set, setExpression(element, mode));
        return node.negate ? complement(set, max) : set;
      }
      case 'ExpressionCharacterClass': {
        const set = setExpression(node.expression, mode);
        return node.negate ? complement(set, max) : set;
      }
      case 'ClassIntersection':
        return intersect(setExpression(node.left, mode), setExpression(node.right, mode));
      case 'ClassSubtraction':
        return subtract(setExpression(node.left, mode), setExpression(node.right, mode), max);
      case 'ClassStringDisjunction':
        return normalise(node.alternatives.flatMap((alternative) => [alternative.elements[0].value, alternative.elements[0].value]));
      default:
        return atomSet(node, mode);
    }
  };

  return (node, mode) => {
    if (node.type === 'Character') {
      if (!mode.ignoreCase) return [node.value, node.value];
      return normalise(caseOrbit(node.value, unicode).flatMap((cp) => [cp, cp]));
    }
    if (node.type === 'CharacterSet') {
      // With `v` and `i`, escapes complement and fold differently from `u`: ask V8.
      if (flags.unicodeSets && mode.ignoreCase) return scanSet(node.raw, jsFlags(mode));
      const set = atomSet(node, mode);
      return mode.ignoreCase ? caseClosure(set, unicode) : set;
    }
    if (node.type === 'ExpressionCharacterClass' || node.unicodeSets) {
      // `v` classes (nesting, `&&`, `--`, `\q{}`): strings have no set; with `i` V8 is asked (how it folds operands is subtle).
      if (containsStrings(node)) throw new NeedsBacktracking(`a class of strings (${node.raw})`);
      return mode.ignoreCase ? scanSet(node.raw, jsFlags(mode)) : setExpression(node, mode);
    }
    let set: Ranges = [];
    for (const element of node.elements) set = union(set, atomSet(element, mode));
    if (mode.ignoreCase) set = caseClosure(set, unicode);
    return node.negate ? complement(set, max) : set;
  };
}

/** The mode inside a modifier group `(?i:…)` / `(?-i:…)`. */
export function modified(mode: Mode, modifiers: AST.Modifiers): Mode {
  const next = { ...mode };
  const apply = (flags: AST.ModifierFlags | null, value: boolean) => {
    if (!flags) return;
    if (flags.ignoreCase) next.ignoreCase = value;
    if (flags.multiline) next.multiline = value;
    if (flags.dotAll) next.dotAll = value;
  };
  apply(modifiers.add, true);
  apply(modifiers.remove, false);
  return next;
}

/** Whether a `v`-flag class can match strings of more than one character (`[\q{abc}]`, `\p{RGI_Emoji}`). */
export function containsStrings(node: AST.Node): boolean {
  switch (node.type) {
    case 'ClassStringDisjunction':
      return node.alternatives.some((alternative) => alternative.elements.length !== 1);
    case 'CharacterSet':
      return node.kind === 'property' && node.strings;
    case 'CharacterClass':
      return node.elements.some(containsStrings);
    case 'ExpressionCharacterClass':
      return containsStrings(node.expression);
    case 'ClassIntersection':
    case 'ClassSubtraction':
      return containsStrings(node.left) || containsStrings(node.right);
    default:
      return false;
  }
}

/** Code-unit sets: surrogates move to plane 16, where RE2 reads them one by one (see mapInput). */
function mapSurrogates(set: Ranges): Ranges {
  const out: Ranges = [];
  for (let i = 0; i < set.length; i += 2) {
    const [lo, hi] = [set[i], set[i + 1]];
    if (lo < 0xd800) out.push(lo, Math.min(hi, 0xd7ff));
    const surrogateLo = Math.max(lo, 0xd800);
    const surrogateHi = Math.min(hi, 0xdfff);
    if (surrogateLo <= surrogateHi) out.push(SURROGATE_BASE + surrogateLo - 0xd800, SURROGATE_BASE + surrogateHi - 0xd800);
    if (hi > 0xdfff) out.push(Math.max(lo, 0xe000), hi);
  }
  return normalise(out);
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * The input as the RE2 pattern of a pattern without `u`/`v` must read it: each surrogate code unit
 * (paired or not) becomes one plane-16 code point, so RE2 sees the same characters JS does.
 * Other input, and every input of a `u`/`v` pattern, is unchanged.
 */
export function mapInput(input: string, unicode: boolean): string {
  if (unicode || !SURROGATE.test(input)) return input;
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const unit = input.charCodeAt(i);
    out += unit >= 0xd800 && unit <= 0xdfff ? String.fromCodePoint(SURROGATE_BASE + unit - 0xd800) : input[i];
  }
  return out;
}

function hex(cp: number): string {
  return `\\x{${cp.toString(16)}}`;
}

/** An RE2 class for the set (or one escaped character). */
export function renderSet(set: Ranges): string {
  if (set.length === 0) return '[^\\x{0}-\\x{10ffff}]';
  if (set.length === 2 && set[0] === set[1]) return hex(set[0]);
  let out = '[';
  for (let i = 0; i < set.length; i += 2) out += set[i] === set[i + 1] ? hex(set[i]) : `${hex(set[i])}-${hex(set[i + 1])}`;
  return `${out}]`;
}
