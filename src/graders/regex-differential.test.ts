import { RegExpParser, type AST } from '@eslint-community/regexpp';
import { describe, expect, it } from 'vitest';
import { CASED_PLANES_END, caseOrbit, has, type Ranges } from './regex-charset.js';
import { compileLinear, compileRegex } from './regex.js';
import { createSetOf, readFlags } from './regex-translate.js';
import { mulberry32 } from '../../test/helpers/fault-plan.js';

/**
 * Differential tests: the linear-time engine (re2js, fed a translated pattern) must give exactly
 * the verdicts of JavaScript's `new RegExp(pattern, flags).test(input)` — promptfoo's reference —
 * on the constructs where RE2 and JS differ: `\s`, `.`, line ends with `^`/`$`/`m`, `\b`, case
 * folding with `i` (with and without `u`), code units vs code points, `v` classes, lookbehinds.
 */

/** Characters where engines disagree: case-folding oddities, Unicode spaces and line ends, surrogates. */
const TRICKY = [
  'a', 'A', 'k', 'K', '\u212a', 's', 'S', '\u017f', 'ß', '\u1e9e', 'é', 'É', 'İ', 'ı', 'i', 'I', 'σ', 'ς', 'Σ', '\u0345', 'ι', '\u1fbe',
  '0', '9', '_', ' ', '\t', '\n', '\r', '\u2028', '\u2029', '\u00a0', '\ufeff', '\u3000', '\u000b', '-', '😀', '\ud83d', '\ude00',
  '\u{10400}', '\u{10428}', 'x', 'µ', 'Μ', 'μ',
];

/** A pattern's verdicts on the linear-time engine against V8's; inputs are short, so V8 cannot hang. */
async function mismatches(pattern: string, flags: string, inputs: string[]): Promise<string[]> {
  const matcher = await compileRegex({ pattern, flags });
  const v8 = new RegExp(pattern, flags);
  const out: string[] = [];
  for (const input of inputs) {
    v8.lastIndex = 0;
    const expected = v8.test(input);
    if (matcher.test(input) !== expected) out.push(`/${pattern}/${flags} on ${JSON.stringify(input)}: JS says ${expected}`);
  }
  return out;
}

const ENGINE_CASES: Array<{ pattern: string; flags: string; inputs: string[]; engine?: 're2' | 'v8' }> = [
  // \s is Unicode in JS, ASCII in RE2
  { pattern: '^\\s+$', flags: '', inputs: ['\u00a0', '\u2028', '\ufeff', '\u3000', ' \t', '\u000b', 'x'], engine: 're2' },
  { pattern: '\\S', flags: 'u', inputs: ['\u00a0', '\u1680', 'x', ''], engine: 're2' },
  // `.` stops at \n, \r, \u2028, \u2029 in JS (only \n in RE2); reads code units without u
  { pattern: '^.$', flags: '', inputs: ['\r', '\u2028', '\n', 'x', '😀', '\ud83d'], engine: 're2' },
  { pattern: '^.$', flags: 'u', inputs: ['😀', '\ud83d', '\ud83d\ude00x'], engine: 're2' },
  { pattern: '^.$', flags: 's', inputs: ['\r', '\n', '😀'], engine: 're2' },
  { pattern: '^[^a]{2}$', flags: '', inputs: ['😀', 'bb', '\ud83d\ud83d'], engine: 're2' },
  // ^ and $: without m only the ends of the input (RE2's $ never matches before a final \n here either)
  { pattern: 'yes$', flags: '', inputs: ['yes\n', 'yes', 'yes\r'], engine: 're2' },
  { pattern: '^yes$', flags: 'm', inputs: ['no\r\nyes\r\n', 'x\u2028yes\u2029', 'x\ryes', 'yesx', 'ayes'], engine: 're2' },
  { pattern: '^$', flags: 'm', inputs: ['a\r\rb', 'a\nb', '', '\n', 'a\u2028'], engine: 're2' },
  { pattern: '^- .*$', flags: 'm', inputs: ['intro\r- item', '- ', 'x - y'], engine: 're2' },
  { pattern: '^a|b$', flags: 'm', inputs: ['x\ra', 'b\rx', 'xa', 'bx'], engine: 're2' },
  { pattern: '^a', flags: 'my', inputs: ['a', 'x\na'], engine: 're2' },
  // \b: ASCII in both, except JS's i+u counts ſ and K as word characters
  { pattern: '\\bfoo\\b', flags: '', inputs: ['a foo b', 'afoo', 'éfooé', 'foo_'], engine: 're2' },
  { pattern: 's\\b', flags: 'iu', inputs: ['s\u017f', 'S', 'sK'], engine: 'v8' },
  // case folding: JS without u maps through toUpperCase and never to ASCII from outside it
  { pattern: 'k', flags: 'i', inputs: ['K', '\u212a'], engine: 're2' },
  { pattern: 'k', flags: 'iu', inputs: ['K', '\u212a'], engine: 're2' },
  { pattern: 's', flags: 'i', inputs: ['\u017f', 'S'], engine: 're2' },
  { pattern: 'ß', flags: 'i', inputs: ['\u1e9e', 'SS'], engine: 're2' },
  { pattern: 'ß', flags: 'iu', inputs: ['\u1e9e'], engine: 're2' },
  { pattern: '[a-z]+', flags: 'i', inputs: ['\u212a', 'K', '\u017f'], engine: 're2' },
  { pattern: '[^k]', flags: 'iu', inputs: ['K', '\u212a', 'k'], engine: 're2' },
  { pattern: '\\w', flags: 'iu', inputs: ['\u017f', '\u212a'], engine: 're2' },
  { pattern: '\\W', flags: 'iu', inputs: ['\u017f', '\u212a', 'S'], engine: 're2' },
  { pattern: '\\W', flags: 'i', inputs: ['\u017f', '\u212a'], engine: 're2' },
  { pattern: 'σ', flags: 'i', inputs: ['ς', 'Σ'], engine: 're2' },
  { pattern: '\u{10400}', flags: 'iu', inputs: ['\u{10428}'], engine: 're2' },
  { pattern: '\\p{Lu}', flags: 'iu', inputs: ['a', '1'], engine: 're2' },
  { pattern: '\\P{Ll}', flags: 'iu', inputs: ['a', 'A'], engine: 're2' },
  { pattern: '\\P{Ll}', flags: 'iv', inputs: ['a', 'A', '1'], engine: 're2' },
  { pattern: '[\\p{L}--[a-z]]', flags: 'v', inputs: ['a', 'B', 'é'], engine: 're2' },
  { pattern: '[[a-z]&&[^aeiou]]', flags: 'iv', inputs: ['B', 'E', '\u212a'], engine: 're2' },
  // surrogates: JS without u sees two code units, RE2 one code point
  { pattern: '\\ud83d', flags: '', inputs: ['😀', '\ud83d', 'x'], engine: 're2' },
  { pattern: '[\\ud83d]', flags: 'u', inputs: ['😀', '\ud83d'], engine: 're2' },
  { pattern: '😀+$', flags: '', inputs: ['😀\ude00', '😀😀'], engine: 're2' },
  { pattern: '😀+$', flags: 'u', inputs: ['😀\ude00', '😀😀'], engine: 're2' },
  // lookbehinds run on re2js's linear lookbehinds; a trailing lookahead is plain text
  { pattern: '(?<=\\$)\\d+', flags: '', inputs: ['$12', '12'], engine: 're2' },
  { pattern: '(?<!no )way', flags: 'i', inputs: ['No way', 'one way'], engine: 're2' },
  { pattern: 'foo(?=bar|baz$)', flags: '', inputs: ['foobar', 'foobaz', 'foobazz'], engine: 're2' },
  // named groups, annex B syntax, sticky
  { pattern: '(?<year>\\d{4})-\\k<year>', flags: '', inputs: ['2024-2024', '2024-2025'], engine: 'v8' },
  { pattern: '\\k<x>{', flags: '', inputs: ['k<x>{'], engine: 're2' },
  { pattern: '\\1(a)', flags: '', inputs: ['a'], engine: 'v8' },
  { pattern: '\\8\\c', flags: '', inputs: ['8\\c'], engine: 're2' },
  { pattern: 'b', flags: 'y', inputs: ['ab', 'b'], engine: 're2' },
  { pattern: '(?<y>a)|b', flags: 'g', inputs: ['b'], engine: 're2' },
  // counts RE2 cannot hold
  { pattern: 'a{1001}', flags: '', inputs: ['a'], engine: 'v8' },
  { pattern: '(?:a{100}){100}', flags: '', inputs: ['a'], engine: 'v8' },
];

describe('re2js with translated patterns gives V8 verdicts', () => {
  it.each(ENGINE_CASES)('/$pattern/$flags', async ({ pattern, flags, inputs, engine }) => {
    expect(await mismatches(pattern, flags, inputs)).toEqual([]);
    if (engine) expect((await compileRegex({ pattern, flags })).engine).toBe(engine);
  });

  it('agrees with V8 on 1,000 random patterns × 25 random inputs', { timeout: 120_000 }, async () => {
    const random = mulberry32(12);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    // `iv` is left to the cases above: each of its classes is asked of V8 (slow to build).
    const flagSets = ['', 'i', 'm', 's', 'u', 'y', 'im', 'iu', 'mu', 'su', 'imsu', 'iy', 'v', 'ms'];
    const failures: string[] = [];
    let onRe2 = 0;
    let tried = 0;
    for (let n = 0; n < 1000; n++) {
      const flags = pick(flagSets);
      const pattern = randomPattern(random, 3);
      try {
        new RegExp(pattern, flags);
      } catch {
        continue;
      }
      tried++;
      // 25 inputs of 0-6 tricky characters (plain loops: the same draws in the same order as nested Array.from, for less CPU).
      const inputs: string[] = [];
      for (let i = 0; i < 25; i++) {
        let input = '';
        for (let length = Math.floor(random() * 7); length > 0; length--) input += pick(TRICKY);
        inputs.push(input);
      }
      const linear = await compileLinear({ pattern, flags });
      if (!linear.ok) continue;
      onRe2++;
      const v8 = new RegExp(pattern, flags);
      for (const input of inputs) {
        v8.lastIndex = 0;
        const expected = v8.test(input);
        if (linear.test(input) !== expected) failures.push(`/${pattern}/${flags} on ${JSON.stringify(input)}: JS says ${expected}`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(tried).toBeGreaterThan(900);
    expect(onRe2 / tried).toBeGreaterThan(0.8);
  });
});

describe('character sets follow V8 for every code unit', () => {
  const ATOMS = ['\\s', '\\S', '\\w', '\\W', '\\d', '\\D', '.', '[^a]', '[a-z]', '[^\\W\\d]', '[k-s]', '[^\\s\\S]', '[ſK]', 'k', 'S', 'ǅ'];
  const MODES = ['', 'i', 's', 'u', 'iu', 'is', 'v', 'iv'];
  /** Every code unit as a one-character string, and the astral code points the unicode modes add; built once, read by 8 × 16 sweeps. */
  let UNITS: string[] | undefined;
  const ASTRAL = [0x10400, 0x10428, 0x1f600, 0x10ffff, 0x1d400];
  it.each(MODES)('flags %j', (flags) => {
    const setOf = createSetOf(readFlags(flags));
    const unicode = /[uv]/.test(flags);
    const parser = new RegExpParser({ ecmaVersion: 2025 });
    UNITS ??= Array.from({ length: 0x10000 }, (_, cp) => String.fromCodePoint(cp));
    const units = UNITS;
    for (const atom of ATOMS) {
      const node = parser.parsePattern(atom, 0, atom.length, { unicode: flags.includes('u'), unicodeSets: flags.includes('v') }).alternatives[0].elements[0];
      const set: Ranges = setOf(node as AST.Character, { ignoreCase: flags.includes('i'), dotAll: flags.includes('s'), multiline: false });
      const v8 = new RegExp(`^(?:${atom})$`, flags);
      const wrong: number[] = [];
      for (let cp = 0; cp <= 0xffff; cp++) if (v8.test(units[cp]) !== has(set, cp)) wrong.push(cp);
      if (unicode) for (const cp of ASTRAL) if (v8.test(String.fromCodePoint(cp)) !== has(set, cp)) wrong.push(cp);
      expect(wrong.slice(0, 5), `${atom} /${flags}`).toEqual([]);
    }
  });
});

describe('case orbits under i', () => {
  it.each([false, true])('unicode %s: every cased character matches exactly its orbit, and nothing beyond plane 1 has a case', (unicode) => {
    const unitEscape = (cp: number) => (unicode ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`);
    const text = codePoints(0, unicode ? CASED_PLANES_END : 0xffff);
    const cased = text.match(/[\p{Changes_When_Casemapped}\p{Changes_When_Casefolded}]/gu) ?? [];
    // Every character of the text that V8 matches with any cased character's class under i: a
    // character outside it matches no single one of those classes (a class matches a character when
    // one of its members does), so each orbit below is searched for in it, not in the whole text.
    const matchedByAny = (text.match(new RegExp(`[${cased.map((char) => unitEscape(char.codePointAt(0)!)).join('')}]`, unicode ? 'giu' : 'gi')) ?? []).join('');
    const wrong: string[] = [];
    for (const char of cased) {
      const cp = char.codePointAt(0)!;
      const same = new RegExp(`[${unitEscape(cp)}]`, unicode ? 'giu' : 'gi');
      const v8 = (matchedByAny.match(same) ?? []).map((match) => match.codePointAt(0)!).sort((a, b) => a - b);
      if (v8.join() !== caseOrbit(cp, unicode).join()) wrong.push(`${cp.toString(16)}: ${v8.join()} vs ${caseOrbit(cp, unicode).join()}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    if (unicode) expect(codePoints(CASED_PLANES_END + 1, 0x10ffff).match(/[\p{Changes_When_Casemapped}\p{Changes_When_Casefolded}]/gu)).toBeNull();
  });
});

/** Every code point from `first` to `last` but the surrogates, in order, as one string (built a block at a time: a million `+=` is slow). */
function codePoints(first: number, last: number): string {
  const blocks: string[] = [];
  for (let start = first; start <= last; start += 4096) {
    const block: number[] = [];
    for (let cp = start; cp <= Math.min(last, start + 4095); cp++) if (cp < 0xd800 || cp > 0xdfff) block.push(cp);
    blocks.push(String.fromCodePoint(...block));
  }
  return blocks.join('');
}

/** A small random regex over tricky characters: literals, escapes, classes, groups, quantifiers, anchors, lookbehinds. */
function randomPattern(random: () => number, depth: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const literal = () => {
    const char = pick(TRICKY);
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '-') return '\\-';
    return char.length === 1 && /[\ud800-\udfff]/.test(char) ? `\\u${char.charCodeAt(0).toString(16)}` : char;
  };
  const classItem = () => pick([literal, () => 'a-z', () => 'A-Z', () => '\\s', () => '\\w', () => '\\d', () => '\\W', () => '0-9', () => 'j-t'])();
  const atom = (d: number): string => {
    const roll = random();
    if (roll < 0.35) return literal();
    if (roll < 0.5) return pick(['.', '\\s', '\\S', '\\w', '\\W', '\\d', '\\D']);
    if (roll < 0.62) return `[${random() < 0.3 ? '^' : ''}${Array.from({ length: 1 + Math.floor(random() * 3) }, classItem).join('')}]`;
    if (roll < 0.72) return pick(['^', '$', '\\b', '\\B']);
    if (roll < 0.8 && d > 0) return `(?<${random() < 0.5 ? '=' : '!'}${sequence(d - 1)})`;
    if (d > 0) return `(${random() < 0.5 ? '?:' : ''}${alternation(d - 1)})`;
    return literal();
  };
  const quantified = (d: number) => {
    const base = atom(d);
    if (/^(\^|\$|\\b|\\B|\(\?<[=!])/.test(base) || random() < 0.55) return base;
    return base + pick(['*', '+', '?', '{2}', '{0,2}', '{1,}', '*?', '+?']);
  };
  const sequence = (d: number) => Array.from({ length: 1 + Math.floor(random() * 3) }, () => quantified(d)).join('');
  const alternation = (d: number) => Array.from({ length: 1 + Math.floor(random() * 2) }, () => sequence(d)).join('|');
  let pattern = alternation(depth);
  if (random() < 0.1) pattern += `(?=${literal()})`;
  return pattern;
}

