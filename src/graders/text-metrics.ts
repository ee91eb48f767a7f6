import type { Assertion } from '../cases/types.js';
import type { GradeResult, Grader } from './types.js';
import type { CheckProblem, GraderDefinition, ParseInput } from './definition.js';
import { checkUnitThreshold } from './definition.js';
import { loadYaml } from '../prompts/lazy.js';
import { commonJs } from './common-js.js';
import { GraderError } from './grader-error.js';
import { isTemplate, quote, verdict } from './values.js';

/**
 * Text metrics with promptfoo's formulas and defaults: `word-count`, `levenshtein`, `rouge-n`,
 * `bleu`, `gleu`, `meteor`. A score metric passes when its score reaches the threshold and reports
 * the score (`not-` passes below it and scores 1 − score, as promptfoo).
 */

function scored(score: number, threshold: number, what: string): GradeResult {
  const shown = score.toFixed(4);
  return { pass: score >= threshold, score, reason: `${what} ${shown} ${score >= threshold ? '≥' : '<'} threshold ${threshold}` };
}

// ---------------------------------------------------------------- word-count

interface WordRange {
  min?: number;
  max?: number;
}

/** promptfoo's count: the trimmed output split on whitespace. */
export function countWords(text: string): number {
  return text
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0).length;
}

/**
 * The expected count (a number, or text `Number()` reads) or a `{min, max}` range (either may be
 * left out). In a cell the range is written as JSON or YAML: `word-count:{"min": 10, "max": 50}`.
 */
function wordTarget(value: unknown, fail: (message: string) => Error): number | WordRange {
  if (typeof value === 'string' && /^\s*\{/.test(value)) {
    let parsed: unknown;
    try {
      parsed = loadYaml().parse(value, { logLevel: 'error' });
    } catch (error) {
      throw fail(`word-count: invalid {min, max} range: ${(error as Error).message.split('\n')[0]}`);
    }
    return wordTarget(parsed, fail);
  }
  if (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '')) {
    const count = Number(value);
    if (Number.isNaN(count)) throw fail(`word-count needs a number or a {min, max} range, not ${JSON.stringify(value)}`);
    return count;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const { min, max, ...rest } = value as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw fail(`word-count: unknown key '${extra[0]}' in the range (allowed: min, max)`);
    const bound = (name: string, bound: unknown): number | undefined => {
      if (bound === undefined || bound === null) return undefined;
      const number = typeof bound === 'number' ? bound : typeof bound === 'string' && bound.trim() !== '' ? Number(bound) : Number.NaN;
      if (Number.isNaN(number)) throw fail(`word-count: ${name} must be a number`);
      return number;
    };
    const range: WordRange = { min: bound('min', min), max: bound('max', max) };
    if (range.min === undefined && range.max === undefined) throw fail('word-count: the range needs min and/or max');
    if (range.min !== undefined && range.max !== undefined && range.min > range.max) throw fail(`word-count: min (${range.min}) must be ≤ max (${range.max})`);
    return range;
  }
  throw fail('word-count needs a number or a {min, max} range');
}

const graderFail = (message: string) => new GraderError(message);

/** `word-count`: exactly `n` words, or within `{min, max}` (inclusive). */
export const wordCount: Grader = async (output, assertion) => {
  const target = wordTarget(assertion.value, graderFail);
  const count = countWords(output);
  if (typeof target === 'number') {
    return count === target ? verdict(true, `${count} words`) : verdict(false, `${count} words, expected ${target}`);
  }
  const { min, max } = target;
  const pass = (min === undefined || count >= min) && (max === undefined || count <= max);
  const range = min === undefined ? `at most ${max}` : max === undefined ? `at least ${min}` : `between ${min} and ${max}`;
  return verdict(pass, pass ? `${count} words (${range})` : `${count} words, expected ${range}`);
};

// ---------------------------------------------------------------- levenshtein

/** promptfoo's default for a `levenshtein` without a threshold in YAML/JSONL: an edit distance of at most 5. */
const LEVENSHTEIN_DEFAULT = 5;

/** `levenshtein(n)`: the edit distance (UTF-16 code units, as fastest-levenshtein counts) is at most n. */
export const levenshtein: Grader = async (output, assertion) => {
  const expected = referenceText(assertion);
  const { distance } = commonJs(await import('fastest-levenshtein'));
  const limit = assertion.threshold ?? LEVENSHTEIN_DEFAULT;
  const edits = distance(output, expected);
  return verdict(edits <= limit, `edit distance ${edits} ${edits <= limit ? '≤' : '>'} ${limit} from ${quote(expected)}`);
};

// ---------------------------------------------------------------- references

/** A single reference text (levenshtein, rouge-n). */
function referenceText(assertion: Assertion): string {
  if (typeof assertion.value === 'string' && assertion.value !== '') return assertion.value;
  throw new GraderError(`${assertion.type} needs a reference text (${assertion.type}:<text>)`);
}

/** One reference text, or an array of them in JSONL / config (bleu, gleu, meteor). */
function referenceTexts(assertion: Assertion): string[] {
  const { value } = assertion;
  if (typeof value === 'string' && value !== '') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) return value as string[];
  throw new GraderError(`${assertion.type} needs a reference text or an array of them`);
}

// ---------------------------------------------------------------- n-grams

/** Contiguous n-grams of words, joined by a space. */
function nGrams(words: string[], n: number): string[] {
  if (n <= 0 || n > words.length) return [];
  const grams: string[] = [];
  for (let i = 0; i + n <= words.length; i++) grams.push(words.slice(i, i + n).join(' '));
  return grams;
}

function counts(grams: string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const gram of grams) map.set(gram, (map.get(gram) ?? 0) + 1);
  return map;
}

/** Σ min(count in candidate, count in reference): the clipped overlap. */
function overlap(candidate: Map<string, number>, reference: Map<string, number>): number {
  let total = 0;
  for (const [gram, count] of candidate) total += Math.min(count, reference.get(gram) ?? 0);
  return total;
}

// ---------------------------------------------------------------- bleu

/**
 * Sentence BLEU as promptfoo computes it: lower-cased whitespace tokens, clipped n-gram precisions
 * for n = 1..4 (the best reference for each n), orders the candidate is too short for left out and
 * the others' weights renormalised, a zero precision counted as 1e-7, and the brevity penalty
 * against the reference length closest to the candidate's (the shorter on a tie). An empty
 * candidate scores 0.
 */
export function bleuScore(candidate: string, references: string[]): number {
  if (candidate.trim() === '') return 0;
  const tokenize = (text: string) => text.toLowerCase().trim().split(/\s+/);
  const words = tokenize(candidate);
  const referenceWords = references.map(tokenize);
  const closest = referenceWords
    .map((ref) => ref.length)
    .reduce((best, length) => {
      const distance = Math.abs(length - words.length);
      const bestDistance = Math.abs(best - words.length);
      return distance < bestDistance || (distance === bestDistance && length < best) ? length : best;
    });
  const orders: Array<{ precision: number; weight: number }> = [];
  for (let n = 1; n <= 4; n++) {
    const grams = nGrams(words, n);
    if (grams.length === 0) continue;
    const candidateCounts = counts(grams);
    const best = Math.max(...referenceWords.map((ref) => overlap(candidateCounts, counts(nGrams(ref, n)))));
    orders.push({ precision: best / grams.length, weight: 0.25 });
  }
  const brevity = words.length > closest ? 1 : Math.exp(1 - closest / words.length);
  const weights = orders.reduce((sum, order) => sum + order.weight, 0);
  if (weights === 0) return 0;
  const logSum = orders.reduce((sum, { precision, weight }) => sum + (weight / weights) * Math.log(precision === 0 ? 1e-7 : precision), 0);
  return brevity * Math.exp(logSum);
}

// ---------------------------------------------------------------- gleu

/**
 * Google-BLEU as promptfoo computes it: lower-cased whitespace tokens without trailing dots;
 * identical token lists score 1; else min(precision, recall) of the clipped 1..4-gram matches
 * pooled over all orders; the best reference counts.
 */
export function gleuScore(candidate: string, references: string[]): number {
  const tokenize = (text: string) =>
    text
      .toLowerCase()
      .trim()
      .split(/\s+/)
      .map((word) => word.replace(/\.+$/, ''));
  const words = tokenize(candidate);
  return Math.max(
    ...references.map((reference) => {
      const ref = tokenize(reference);
      if (ref.length === words.length && ref.every((word, i) => word === words[i])) return 1;
      let matches = 0;
      let candidateTotal = 0;
      let referenceTotal = 0;
      for (let n = 1; n <= 4; n++) {
        const grams = nGrams(words, n);
        const refGrams = nGrams(ref, n);
        matches += overlap(counts(grams), counts(refGrams));
        candidateTotal += grams.length;
        referenceTotal += refGrams.length;
      }
      if (candidateTotal === 0 || referenceTotal === 0) return 0;
      return Math.min(matches / candidateTotal, matches / referenceTotal);
    }),
  );
}

// ---------------------------------------------------------------- rouge-n

/**
 * ROUGE-1 F-measure as promptfoo computes it: both texts lower-cased and tokenized by js-rouge's
 * Treebank tokenizer, clipped unigram overlap, F1 of precision and recall.
 */
export async function rougeNScore(candidate: string, reference: string): Promise<number> {
  const rouge = await import('js-rouge');
  const candidateTokens = rouge.treeBankTokenize(candidate.toLowerCase());
  const referenceTokens = rouge.treeBankTokenize(reference.toLowerCase());
  if (candidateTokens.length < 1 || referenceTokens.length < 1) return 0;
  const candidateGrams = rouge.nGram(candidateTokens, 1);
  const referenceGrams = rouge.nGram(referenceTokens, 1);
  const common = overlap(counts(candidateGrams), counts(referenceGrams));
  if (common === 0) return 0;
  return rouge.fMeasure(common / candidateGrams.length, common / referenceGrams.length, 1);
}

// ---------------------------------------------------------------- meteor

type Indexed = Array<[number, string]>;
type Match = [number, number];

/** Pairs equal words, taking candidates from the last and, for each, the last equal reference word. */
function matchEqual(candidate: Indexed, reference: Indexed): [Match[], Indexed, Indexed] {
  const left = [...candidate];
  const right = [...reference];
  const matches: Match[] = [];
  for (let i = left.length - 1; i >= 0; i--) {
    for (let j = right.length - 1; j >= 0; j--) {
      if (left[i][1] === right[j][1]) {
        matches.push([left[i][0], right[j][0]]);
        left.splice(i, 1);
        right.splice(j, 1);
        break;
      }
    }
  }
  return [matches, left, right];
}

/** Pairs a candidate word with a reference word among its WordNet synonyms (the word itself included). */
async function matchSynonyms(candidate: Indexed, reference: Indexed): Promise<Match[]> {
  const { wordnetSynonyms } = await import('./wordnet.js');
  const left = [...candidate];
  const right = [...reference];
  const matches: Match[] = [];
  for (let i = left.length - 1; i >= 0; i--) {
    const word = left[i][1];
    const synonyms = new Set([word, ...(await wordnetSynonyms(word)).filter((synonym) => !synonym.includes('_'))]);
    for (let j = right.length - 1; j >= 0; j--) {
      if (synonyms.has(right[j][1])) {
        matches.push([left[i][0], right[j][0]]);
        left.splice(i, 1);
        right.splice(j, 1);
        break;
      }
    }
  }
  return matches;
}

/**
 * METEOR against one reference, as promptfoo computes it (alpha 0.9, beta 3, gamma 0.5): tokens
 * split on whitespace with trailing dots dropped and lower-cased; exact matches, then Porter stems,
 * then WordNet synonyms (of the remaining stems); Fmean = PR / (αP + (1−α)R), times the
 * fragmentation penalty 1 − γ(chunks/matches)^β.
 */
async function meteorAgainst(candidate: string[], reference: string[]): Promise<number> {
  const { stemmer } = await import('stemmer');
  const enumerate = (words: string[]): Indexed => words.map((word, i) => [i, word.toLowerCase()]);
  const [exact, leftCandidate, leftReference] = matchEqual(enumerate(candidate), enumerate(reference));
  const stem = (words: Indexed): Indexed => words.map(([i, word]) => [i, word.length < 3 ? word : stemmer(word)]);
  const [stemmed, stemCandidate, stemReference] = matchEqual(stem(leftCandidate), stem(leftReference));
  const synonyms = await matchSynonyms(stemCandidate, stemReference);
  const matches = [...exact, ...stemmed, ...synonyms].sort((a, b) => a[0] - b[0]);
  if (matches.length === 0 || candidate.length === 0 || reference.length === 0) return 0;
  const precision = matches.length / candidate.length;
  const recall = matches.length / reference.length;
  const alpha = 0.9;
  const denominator = alpha * precision + (1 - alpha) * recall;
  if (denominator === 0) return 0;
  let chunks = 1;
  for (let i = 0; i + 1 < matches.length; i++) {
    if (matches[i + 1][0] !== matches[i][0] + 1 || matches[i + 1][1] !== matches[i][1] + 1) chunks++;
  }
  return (1 - 0.5 * (chunks / matches.length) ** 3) * ((precision * recall) / denominator);
}

/** METEOR of the candidate: the best over the references. */
export async function meteorScore(candidate: string, references: string[]): Promise<number> {
  const words = (text: string) => text.split(/\s+/).map((word) => word.replace(/\.+$/, ''));
  const scores = await Promise.all(references.map((reference) => meteorAgainst(words(candidate), words(reference))));
  return Math.max(...scores);
}

// ---------------------------------------------------------------- graders

export const rougeN: Grader = async (output, assertion) => scored(await rougeNScore(output, referenceText(assertion)), assertion.threshold ?? 0.75, 'ROUGE-N');

export const bleu: Grader = async (output, assertion) => scored(bleuScore(output, referenceTexts(assertion)), assertion.threshold ?? 0.5, 'BLEU');

/** An empty output has no GLEU or METEOR in promptfoo (it throws): no verdict. */
function nonEmpty(output: string, type: string): string {
  if (output === '') throw new GraderError(`${type} cannot score an empty output`);
  return output;
}

export const gleu: Grader = async (output, assertion) => scored(gleuScore(nonEmpty(output, 'gleu'), referenceTexts(assertion)), assertion.threshold ?? 0.5, 'GLEU');

export const meteor: Grader = async (output, assertion) =>
  scored(await meteorScore(nonEmpty(output, 'meteor'), referenceTexts(assertion)), assertion.threshold ?? 0.5, 'METEOR');

// ---------------------------------------------------------------- definitions

/** `check` reads the value as the grader will, and a score threshold must be in 0..1. */
function checkScore(read: (assertion: Assertion) => unknown) {
  return (assertion: Assertion): CheckProblem | undefined => {
    if (!isTemplate(assertion.value)) read(assertion);
    return checkUnitThreshold(assertion.threshold);
  };
}

function parseWordCount({ value, fail }: ParseInput): { value?: unknown } {
  if (isTemplate(value)) return { value };
  return { value: wordTarget(value, fail) };
}

async function checkMeteor(assertion: Assertion): Promise<CheckProblem | undefined> {
  const problem = checkScore(referenceTexts)(assertion);
  if (problem) return problem;
  const { wordnetDir } = await import('./wordnet.js');
  wordnetDir();
  return undefined;
}

export const textMetricDefinitions: readonly GraderDefinition[] = [
  {
    type: 'word-count',
    value: 'required',
    grade: wordCount,
    parse: parseWordCount,
    check: (assertion) => {
      if (!isTemplate(assertion.value)) wordTarget(assertion.value, graderFail);
      return undefined;
    },
  },
  {
    type: 'levenshtein',
    value: 'required',
    grade: levenshtein,
    check: (assertion) => {
      if (!isTemplate(assertion.value)) referenceText(assertion);
      return undefined;
    },
  },
  { type: 'rouge-n', value: 'required', grade: rougeN, check: checkScore(referenceText) },
  { type: 'bleu', value: 'required', grade: bleu, check: checkScore(referenceTexts) },
  { type: 'gleu', value: 'required', grade: gleu, check: checkScore(referenceTexts) },
  { type: 'meteor', value: 'required', grade: meteor, check: checkMeteor },
];
