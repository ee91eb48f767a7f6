import type { AST } from '@eslint-community/regexpp';
import { maxOf, type Ranges } from './regex-charset.js';
import { containsStrings, createSetOf, modified, type JsFlags, type Mode } from './regex-translate.js';

/**
 * A static proof that V8's backtracking matcher runs a pattern in linear time, for the patterns
 * the linear-time engine cannot run (backreferences, lookaheads, …; see regex-translate.ts).
 *
 * `recheck` (its automaton checker: no fuzzing, no timeout, so the answer is the same on every
 * machine) decides it for pure regular patterns. Backreferences and lookarounds are first replaced
 * by a regular pattern that backtracks at least as much ("over-approximation"):
 * - a lookahead `(?=X)` / `(?!X)` becomes `(?:X[]|)`: V8 explores X (at most fully) and then goes on
 *   or not; the rewrite always explores X fully (`[]` never matches) and always goes on;
 * - a lookbehind whose body matches at most a bounded number of characters costs a bounded amount
 *   at each position and becomes `(?:)`; an unbounded one cannot be proven and is refused;
 * - a backreference `\k` becomes `(?:G|)`, G being the group's own pattern: the text a backreference
 *   matches is one the group can match, in one way, where G may match it in several;
 * - `^`, `$` and `\b` whose meaning the rewrite cannot keep (modifiers, `i` with `u`) are dropped:
 *   an assertion removed only adds paths.
 * If recheck finds the rewrite safe, the original is at most linear. `vulnerable` (exponential or
 * polynomial) and `unknown` (too large to analyse) are refusals: nothing is ever left to a clock.
 */

export type SafetyVerdict = { safe: true } | { safe: false; why: string };

/** Patterns too large to analyse in reasonable time (deterministic: a size, not a clock). */
const MAX_REWRITE_LENGTH = 20_000;

export async function proveLinear(pattern: AST.Pattern, flags: JsFlags): Promise<SafetyVerdict> {
  let rewrite: { source: string; flags: string };
  try {
    rewrite = rewriteRegular(pattern, flags);
  } catch (error) {
    if (error instanceof Unprovable) return { safe: false, why: error.message };
    throw error;
  }
  if (rewrite.source.length > MAX_REWRITE_LENGTH) return { safe: false, why: 'it is too large to analyse' };
  const { checkSync } = await loadRecheck();
  const result = checkSync(rewrite.source, rewrite.flags, { checker: 'automaton', timeout: null });
  if (result.status === 'safe') return { safe: true };
  if (result.status === 'unknown') return { safe: false, why: `its running time cannot be analysed (${result.error.kind}${'message' in result.error ? `: ${result.error.message}` : ''})` };
  const { complexity } = result;
  return {
    safe: false,
    why: complexity.type === 'exponential' ? 'it can take exponential time on some outputs' : `it can take polynomial time (degree ${complexity.degree}) on some outputs`,
  };
}

class Unprovable extends Error {}

interface RecheckModule {
  checkSync(source: string, flags: string, params: { checker: 'automaton'; timeout: null }): RecheckDiagnostics;
}
type RecheckDiagnostics =
  | { status: 'safe' }
  | { status: 'vulnerable'; complexity: { type: 'exponential' } | { type: 'polynomial'; degree: number } }
  | { status: 'unknown'; error: { kind: string; message?: string } };

let recheck: Promise<RecheckModule> | undefined;

/** The pure-JS build of recheck (no native binary, no worker, no child process), loaded on first use. */
function loadRecheck(): Promise<RecheckModule> {
  // @ts-expect-error recheck ships no types for this entry point; RecheckModule is its shape.
  recheck ??= import('recheck/lib/browser.js').then((module: { default?: RecheckModule } & RecheckModule) => module.default ?? module);
  return recheck;
}

/** The over-approximating regular pattern, in `u` syntax with explicit character sets. */
function rewriteRegular(pattern: AST.Pattern, flags: JsFlags): { source: string; flags: string } {
  const unicode = flags.unicode || flags.unicodeSets;
  const max = maxOf(unicode ? 'codepoints' : 'units');
  const setOf = createSetOf(flags);
  const expanding = new Set<AST.CapturingGroup>();

  const alternatives = (alts: AST.Alternative[], mode: Mode): string => alts.map((alt) => alt.elements.map((e) => element(e, mode)).join('')).join('|');

  const element = (node: AST.Element, mode: Mode): string => {
    switch (node.type) {
      case 'Character':
      case 'CharacterSet':
      case 'CharacterClass':
      case 'ExpressionCharacterClass':
        if (node.type === 'CharacterClass' && node.unicodeSets && containsStrings(node)) throw new Unprovable('it uses a class of strings');
        if (node.type === 'CharacterSet' && node.kind === 'property' && node.strings) throw new Unprovable('it uses a property of strings');
        return renderSet(setOf(node, mode));
      case 'CapturingGroup':
        return `(?:${alternatives(node.alternatives, mode)})`;
      case 'Group':
        return `(?:${alternatives(node.alternatives, node.modifiers ? modified(mode, node.modifiers) : mode)})`;
      case 'Quantifier': {
        const body = `(?:${element(node.element, mode)})`;
        const lazy = node.greedy ? '' : '?';
        if (node.max === Infinity) return `${body}${node.min === 0 ? '*' : node.min === 1 ? '+' : `{${node.min},}`}${lazy}`;
        return `${body}{${node.min},${node.max}}${lazy}`;
      }
      case 'Backreference': {
        const groups = Array.isArray(node.resolved) ? node.resolved : [node.resolved];
        const copies = groups.filter((group) => !expanding.has(group)).map((group) => {
          expanding.add(group);
          try {
            const copy = alternatives(group.alternatives, mode);
            if (copy.length > MAX_REWRITE_LENGTH) throw new Unprovable('it is too large to analyse');
            return copy;
          } finally {
            expanding.delete(group);
          }
        });
        return `(?:${[...copies, ''].join('|')})`;
      }
      case 'Assertion':
        switch (node.kind) {
          case 'start':
          case 'end':
            return mode.multiline === flags.multiline ? (node.kind === 'start' ? '^' : '$') : '';
          case 'word':
            return mode.ignoreCase && unicode ? '' : node.negate ? '\\B' : '\\b';
          case 'lookahead':
            return `(?:(?:${alternatives(node.alternatives, mode)})[]|)`;
          case 'lookbehind':
            if (maxLength(node.alternatives) === Infinity) throw new Unprovable(`its lookbehind ${node.raw} can reach back without bound`);
            return '';
        }
    }
  };

  const renderSet = (set: Ranges): string => {
    if (set.length === 0) return '[]';
    const full = set.length === 2 && set[0] === 0 && set[1] === max;
    if (full) return '[\\s\\S]';
    let out = '[';
    for (let i = 0; i < set.length; i += 2) out += set[i] === set[i + 1] ? esc(set[i]) : `${esc(set[i])}-${esc(set[i + 1])}`;
    return `${out}]`;
  };

  const source = alternatives(pattern.alternatives, flags);
  return { source: flags.sticky ? `^(?:${source})` : source, flags: `u${flags.multiline ? 'm' : ''}` };
}

function esc(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** The most characters the alternatives can match (Infinity when unbounded or when backreferences go round in a circle). */
function maxLength(alts: AST.Alternative[], visiting = new Set<AST.CapturingGroup>()): number {
  let most = 0;
  for (const alt of alts) {
    let sum = 0;
    for (const node of alt.elements) sum += elementLength(node, visiting);
    most = Math.max(most, sum);
  }
  return most;
}

function elementLength(node: AST.Element, visiting: Set<AST.CapturingGroup>): number {
  switch (node.type) {
    case 'Character':
    case 'CharacterSet':
    case 'CharacterClass':
    case 'ExpressionCharacterClass':
      return 1;
    case 'CapturingGroup':
    case 'Group':
      return maxLength(node.alternatives, visiting);
    case 'Quantifier': {
      const inner = elementLength(node.element, visiting);
      return inner === 0 ? 0 : node.max === Infinity ? Infinity : inner * node.max;
    }
    case 'Backreference': {
      // A backreference inside its own group matches nothing yet; otherwise at most what the group does.
      const groups = (Array.isArray(node.resolved) ? node.resolved : [node.resolved]).filter((group) => !isInside(node, group));
      let most = 0;
      for (const group of groups) {
        if (visiting.has(group)) return Infinity;
        visiting.add(group);
        most = Math.max(most, maxLength(group.alternatives, visiting));
        visiting.delete(group);
      }
      return most;
    }
    case 'Assertion':
      return 0;
  }
}


function isInside(node: AST.Node, group: AST.Node): boolean {
  for (let parent = node.parent; parent; parent = parent.parent) if (parent === group) return true;
  return false;
}
