import type { Assertion } from '../cases/types.js';
import { checkUnitThreshold, type CheckContext, type CheckProblem, type GraderDefinition, type ParseInput } from './definition.js';
import { finalVerdict } from './final-verdict.js';
import { GraderError } from './grader-error.js';
import type { GradeResult, Grader } from './types.js';
import { quote } from './values.js';

/** How `similar` compares two embeddings (promptfoo's `similar`, `similar:dot`, `similar:euclidean`). */
export type SimilarityMetric = 'cosine' | 'dot' | 'euclidean';

/** promptfoo's threshold when an assertion gives none (its `similar` handler). */
export const DEFAULT_SIMILARITY_THRESHOLD = 0.75;

/** promptfoo's tolerance at the threshold (`Number.EPSILON` either side). */
const EPSILON = Number.EPSILON;

/** Cosine of the angle between two vectors; 0 when either is all zeros. */
export function cosineSimilarity(a: number[], b: number[]): number {
  sameLength(a, b);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return normA === 0 || normB === 0 ? 0 : dot / (Math.sqrt(normA) * Math.sqrt(normB));
}

export function dotProduct(a: number[], b: number[]): number {
  sameLength(a, b);
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

export function euclideanDistance(a: number[], b: number[]): number {
  sameLength(a, b);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

function sameLength(a: number[], b: number[]): void {
  if (a.length !== b.length) throw new GraderError(`similar: the embeddings have different lengths (${a.length} and ${b.length})`);
}

/**
 * One expected value against the output, as promptfoo's matchesSimilarity decides it. Cosine and
 * dot: the similarity must reach the threshold (negated: stay at or under it); score the similarity
 * (negated 1 − it). Euclidean: the distance must stay within the threshold (negated: reach it);
 * score 1 / (1 + distance) (negated 1 − that). Scores are kept in 0..1 (a negative cosine scores 0).
 */
export function compareOne(metric: SimilarityMetric, expected: number[], output: number[], threshold: number, negate: boolean): GradeResult {
  if (metric === 'euclidean') {
    const distance = euclideanDistance(expected, output);
    const pass = negate ? distance >= threshold - EPSILON : distance <= threshold + EPSILON;
    const normalized = 1 / (1 + distance);
    const within = distance <= threshold + EPSILON;
    return { pass, score: unit(negate ? 1 - normalized : normalized), reason: `distance ${distance.toFixed(4)} ${within ? '≤' : '>'} ${threshold}` };
  }
  const similarity = metric === 'cosine' ? cosineSimilarity(expected, output) : dotProduct(expected, output);
  const pass = negate ? similarity <= threshold + EPSILON : similarity >= threshold - EPSILON;
  const reached = similarity >= threshold - EPSILON;
  return { pass, score: unit(negate ? 1 - similarity : similarity), reason: `${metric === 'cosine' ? 'cosine similarity' : 'dot product'} ${similarity.toFixed(4)} ${reached ? '≥' : '<'} ${threshold}` };
}

function unit(score: number): number {
  return Math.min(1, Math.max(0, score));
}

/**
 * `similar(t):<text>`: the output's embedding is close to the value's, on the config's `embedding`
 * model. A list value (JSONL) passes when the output is close to any item (negated: to none of them,
 * as promptfoo's handler). Both texts are embedded by the endpoint, each call cached and logged; an
 * endpoint failure is a grader error, never a verdict.
 */
function similarGrader(metric: SimilarityMetric): Grader {
  return async (output, assertion, context) => {
    const expected = expectedTexts(assertion);
    if (!context.embed) throw new GraderError(`${assertion.type} needs an embedding model: set \`embedding\` in the config to an openai model entry`);
    const threshold = assertion.threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
    const embedded = await context.embed([output, ...expected], context.signal);
    if (!embedded.ok) throw new GraderError(`${assertion.type}: the embeddings call failed: ${embedded.error.code}: ${embedded.error.message}`);
    const [outputVector, ...vectors] = embedded.vectors;
    if (!outputVector || vectors.length !== expected.length) throw new GraderError(`${assertion.type}: the embeddings endpoint returned ${embedded.vectors.length} vectors for ${expected.length + 1} texts`);
    const negate = assertion.negate;
    const results = vectors.map((vector) => compareOne(metric, vector, outputVector, threshold, negate));
    const via = ` (${embedded.model})`;
    const described = (result: GradeResult, at: number) => ({ ...result, reason: `${result.reason} for ${quote(expected[at])}${via}` });
    let final: GradeResult;
    if (results.length === 1) {
      final = described(results[0], 0);
    } else if (!negate) {
      // Any value close enough passes; otherwise the best score says how close the output came.
      const at = results.findIndex((result) => result.pass);
      final = at >= 0 ? described(results[at], at) : { pass: false, score: Math.max(...results.map((r) => r.score)), reason: `none of the ${results.length} values is similar enough${via}` };
    } else {
      // Negated: too close to any value fails (the first); otherwise the closest value's score.
      const at = results.findIndex((result) => !result.pass);
      const closest = results.reduce((best, result, i) => (result.score < results[best].score ? i : best), 0);
      final = at >= 0 ? described(results[at], at) : described(results[closest], closest);
    }
    return finalVerdict(negate, final);
  };
}

/** The value's texts: a string, or a non-empty list of strings (JSONL). */
function expectedTexts(assertion: Assertion): string[] {
  const { value } = assertion;
  if (typeof value === 'string' && value !== '') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) return value as string[];
  throw new GraderError(`${assertion.type} needs a text, or a list of texts, to compare with`);
}

function parseSimilar({ value, threshold, fail }: ParseInput): { value?: unknown; threshold?: number } {
  if (Array.isArray(value) && (value.length === 0 || !value.every((item) => typeof item === 'string'))) throw fail('a similar value must be a text or a non-empty list of texts');
  if (value !== undefined && typeof value !== 'string' && !Array.isArray(value)) throw fail('a similar value must be a text or a non-empty list of texts');
  return { value, threshold };
}

function checkSimilar(metric: SimilarityMetric) {
  return (assertion: Assertion, context: CheckContext): CheckProblem | undefined => {
    expectedTexts(assertion);
    if (!context.hasEmbedding) {
      return { why: 'no embedding model configured', hint: "set `embedding` in the config to an openai model entry, e.g. { provider: 'openai', model: 'text-embedding-3-small' }" };
    }
    // A cosine is at most 1; a dot product of unnormalised vectors and a distance have no such bound.
    return metric === 'cosine' ? checkUnitThreshold(assertion.threshold) : undefined;
  };
}

export const similarDefinitions: readonly GraderDefinition[] = [
  // A bare `similar` cell is the type (as in promptfoo), refused for want of a value.
  { type: 'similar', aliases: ['similar:cosine'], value: 'required', bare: true, grade: similarGrader('cosine'), parse: parseSimilar, check: checkSimilar('cosine') },
  { type: 'similar:dot', value: 'required', bare: true, grade: similarGrader('dot'), parse: parseSimilar, check: checkSimilar('dot') },
  { type: 'similar:euclidean', value: 'required', bare: true, grade: similarGrader('euclidean'), parse: parseSimilar, check: checkSimilar('euclidean') },
];
