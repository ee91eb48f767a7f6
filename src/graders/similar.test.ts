import { describe, expect, it } from 'vitest';
import { assertionFromConfig, parseGraderSpec, type AssertionInput } from '../cases/grader-spec.js';
import type { Assertion } from '../cases/types.js';
import { definitionOf } from './catalog.js';
import { gradeAssertion } from './grade.js';
import { cosineSimilarity, dotProduct, euclideanDistance } from './similar.js';
import { makeContext } from './test-context.js';
import type { EmbeddingResult, GraderContext } from './types.js';

const source = { file: 'evals/t.csv', line: 2 };
const OUTPUT = 'Paris is the capital';

/** 2-d embeddings with exact values: output·paris = 0.8, output·berlin = 0.6, output·rome = −0.8. */
const VECTORS: Record<string, number[]> = { [OUTPUT]: [0.8, 0.6], paris: [1, 0], berlin: [0, 1], rome: [-1, 0], short: [1] };

function context(extra: Partial<GraderContext> = {}): GraderContext & { asked: string[][] } {
  const asked: string[][] = [];
  const embed = async (texts: string[]): Promise<EmbeddingResult> => {
    asked.push(texts);
    return { ok: true, vectors: texts.map((text) => VECTORS[text]), model: 'emb-test' };
  };
  return Object.assign(makeContext({ embed, ...extra }), { asked });
}

const cell = (spec: string) => parseGraderSpec(spec, source);
const object = (input: AssertionInput) => assertionFromConfig(input, source);

/** promptfoo's verdict and score for each (its similar handler and matchesSimilarity). */
const ROWS: Array<[string, Assertion, boolean, number]> = [
  ['similar(0.75): 0.8 reaches it', cell('similar(0.75):paris'), true, 0.8],
  ['similar (default 0.75): 0.6 does not', object({ type: 'similar', value: 'berlin' }), false, 0.6],
  ['similar(0.6): at exactly the threshold passes', cell('similar(0.6):berlin'), true, 0.6],
  ['not-similar(0.6): at exactly the threshold passes too (promptfoo)', cell('not-similar(0.6):berlin'), true, 0.4],
  ['not-similar (default 0.75): too similar fails', object({ type: 'not-similar', value: 'paris' }), false, 0.2],
  ['not-similar: dissimilar enough passes', cell('not-similar:berlin'), true, 0.4],
  ['similar: a negative cosine scores 0', cell('similar:rome'), false, 0],
  ['not-similar: its negation scores 1', cell('not-similar:rome'), true, 1],
  ['similar:cosine is similar', object({ type: 'similar:cosine', value: 'paris', threshold: 0.75 }), true, 0.8],
  ['a list passes on any value (the passing one\'s score)', object({ type: 'similar', value: ['berlin', 'paris'] }), true, 0.8],
  ['a list with none close fails with the best score', object({ type: 'similar', value: ['berlin', 'rome'] }), false, 0.6],
  ['not- a list fails when any value is too close', object({ type: 'not-similar', value: ['berlin', 'paris'] }), false, 0.2],
  ['not- a list passes with the closest value\'s score', object({ type: 'not-similar', value: ['berlin', 'rome'] }), true, 0.4],
  ['similar:dot(0.7)', object({ type: 'similar:dot', value: 'paris', threshold: 0.7 }), true, 0.8],
  ['similar:dot (default 0.75)', object({ type: 'similar:dot', value: 'berlin' }), false, 0.6],
  ['similar:euclidean(0.7): distance 0.632 within it', object({ type: 'similar:euclidean', value: 'paris', threshold: 0.7 }), true, 1 / (1 + Math.sqrt(0.4))],
  ['similar:euclidean (default 0.75): distance 0.894 is not', object({ type: 'similar:euclidean', value: 'berlin' }), false, 1 / (1 + Math.sqrt(0.8))],
  ['not-similar:euclidean: far enough', object({ type: 'not-similar:euclidean', value: 'berlin' }), true, 1 - 1 / (1 + Math.sqrt(0.8))],
  ['weights do not change the verdict', object({ type: 'similar', value: 'paris', weight: 3 }), true, 0.8],
];

describe('similar', () => {
  it.each(ROWS)('%s', async (_name, assertion, pass, score) => {
    const grade = await gradeAssertion(OUTPUT, assertion, context());
    expect(grade.errored).toBeUndefined();
    expect(grade.pass).toBe(pass);
    expect(grade.score).toBeCloseTo(score, 9);
  });

  it('embeds the output and each value in one embed() call, and names the model in the reason', async () => {
    const ctx = context();
    const grade = await gradeAssertion(OUTPUT, object({ type: 'similar', value: ['berlin', 'paris'] }), ctx);
    expect(ctx.asked).toEqual([[OUTPUT, 'berlin', 'paris']]);
    expect(grade.reason).toBe('cosine similarity 0.8000 ≥ 0.75 for "paris" (emb-test)');
  });

  it('an endpoint failure, a missing embedding model or vectors of different lengths are errors, never a pass (also negated)', async () => {
    const failing = makeContext({ embed: async () => ({ ok: false, error: { code: 'server_error', message: '500 boom', retryable: true } }) });
    for (const spec of ['similar:paris', 'not-similar:paris']) {
      expect(await gradeAssertion(OUTPUT, cell(spec), failing)).toMatchObject({ pass: false, errored: true, reason: expect.stringContaining('server_error: 500 boom') });
      expect(await gradeAssertion(OUTPUT, cell(spec), makeContext())).toMatchObject({ pass: false, errored: true, reason: expect.stringContaining('set `embedding`') });
    }
    expect(await gradeAssertion(OUTPUT, cell('not-similar:short'), context())).toMatchObject({ pass: false, errored: true, reason: expect.stringContaining('different lengths') });
  });

  it('check: needs an embedding model, a value, and for cosine a threshold in 0..1', async () => {
    const check = (assertion: Assertion, hasEmbedding = true) => definitionOf(assertion.type)!.check!(assertion, { graders: {}, rootDir: '.', hasJudge: false, hasEmbedding });
    expect(await check(cell('similar:paris'), false)).toMatchObject({ why: 'no embedding model configured' });
    expect(await check(cell('similar(0.8):paris'))).toBeUndefined();
    expect(await check(cell('similar(1.5):paris'))).toMatchObject({ why: 'the threshold 1.5 is outside 0..1' });
    expect(await check(object({ type: 'similar:euclidean', value: 'x', threshold: 1.5 }))).toBeUndefined();
    expect(() => object({ type: 'similar', value: [1, 2] })).toThrow(/a text or a non-empty list of texts/);
    expect(() => cell('similar')).toThrow(/needs a value/);
  });

  it('computes promptfoo\'s metrics', () => {
    expect(cosineSimilarity([3, 4], [4, 3])).toBeCloseTo(24 / 25, 12);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(dotProduct([1, 2], [3, 4])).toBe(11);
    expect(euclideanDistance([0, 0], [3, 4])).toBe(5);
  });
});
