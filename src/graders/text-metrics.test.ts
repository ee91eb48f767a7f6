import { describe, expect, it } from 'vitest';
import { parseGraderSpec } from '../cases/grader-spec.js';
import { gradeAssertion } from './grade.js';
import { makeAssertion, makeContext } from './test-context.js';
import { validateAssertion } from './validate.js';

/**
 * promptfoo's verdicts and scores (src/assertions/wordCount.ts, levenshtein.ts, rouge.ts, bleu.ts,
 * gleu.ts, meteor.ts; checked against promptfoo 0.121.20 on the same rows): [type, value,
 * threshold, output, negated, pass, score]. Score metrics pass at score ≥ threshold (defaults:
 * rouge-n 0.75, bleu / gleu / meteor 0.5); `not-` passes below it and scores 1 − score.
 */
const CAT = 'the cat sat on the mat';
const CAR = 'The large automobile was quick and the driver was happy';
const ROWS: Array<[string, unknown, number | undefined, string, boolean, boolean, number]> = [
  ['word-count', 3, undefined, 'one two  three\n', false, true, 1],
  ['word-count', '3', undefined, 'one two three', false, true, 1],
  ['word-count', 4, undefined, 'one two three', false, false, 0],
  ['word-count', 4, undefined, 'one two three', true, true, 1],
  ['word-count', { min: 2, max: 5 }, undefined, 'one two three', false, true, 1],
  ['word-count', { min: 5 }, undefined, 'one two three', false, false, 0],
  ['word-count', { max: 2 }, undefined, 'one two three', true, true, 1],
  ['word-count', 0, undefined, '   ', false, true, 1],
  // levenshtein: edit distance ≤ threshold (5 by default in YAML/JSONL)
  ['levenshtein', 'sitting', undefined, 'kitten', false, true, 1],
  ['levenshtein', 'sitting', 2, 'kitten', false, false, 0],
  ['levenshtein', 'sitting', 2, 'kitten', true, true, 1],
  ['levenshtein', 'sitting', 3, 'kitten', false, true, 1],
  // rouge-n: ROUGE-1 F1 over js-rouge tokens, lower-cased
  ['rouge-n', CAT, undefined, CAT, false, true, 1],
  ['rouge-n', CAT, undefined, 'The cat is on the mat.', false, true, 0.7692307692307692],
  ['rouge-n', CAT, undefined, 'the cat is on a rug', false, false, 0.5],
  ['rouge-n', CAT, 0.5, 'the cat is on a rug', false, true, 0.5],
  ['rouge-n', CAT, undefined, 'the cat is on a rug', true, true, 0.5],
  // bleu: sentence BLEU-4 with brevity penalty
  ['bleu', CAT, undefined, CAT, false, true, 1],
  ['bleu', CAT, undefined, 'the cat sat on a mat', false, true, 0.537284965911771],
  ['bleu', CAT, undefined, 'the cat', false, false, 0.1353352832366127],
  ['bleu', CAT, 0.6, 'the cat sat on a mat', false, false, 0.537284965911771],
  ['bleu', ['a dog ran home', CAT], undefined, 'the cat sat on a mat', true, false, 1 - 0.537284965911771],
  ['bleu', CAT, undefined, '', false, false, 0],
  // gleu: min(precision, recall) of 1..4-grams; trailing dots ignored
  ['gleu', CAT, undefined, `${CAT}.`, false, true, 1],
  ['gleu', CAT, undefined, 'the cat sat on a mat', false, true, 0.6111111111111112],
  ['gleu', CAT, 0.9, 'the cat sat on a mat', false, false, 0.6111111111111112],
  ['gleu', CAT, undefined, 'a dog', true, true, 1],
  // meteor: exact, Porter-stem and WordNet-synonym matches with the fragmentation penalty
  ['meteor', CAR, undefined, 'The big car was fast and the chauffeur was glad', false, true, 0.5625],
  ['meteor', CAR, undefined, 'A dog barked', false, false, 0],
  ['meteor', 'the cats are running', undefined, 'the cat runs', false, true, 0.6552706552706553],
  ['meteor', CAT, 0.95, CAT, false, true, 0.9976851851851852],
  ['meteor', CAT, undefined, CAT, true, false, 1 - 0.9976851851851852],
];

describe('text metrics (promptfoo verdicts and scores)', () => {
  it.each(ROWS)('%s:%j (threshold %s) on %j (not: %s) → pass %s, score %s', async (type, value, threshold, output, negate, pass, score) => {
    const graded = await gradeAssertion(output, makeAssertion(type, value, { negate, threshold }), makeContext());
    expect(graded.errored, graded.reason).toBeUndefined();
    expect(graded.pass).toBe(pass);
    expect(graded.score).toBeCloseTo(score, 12);
  });

  it('a levenshtein cell without (n) gets promptfoo\'s cell threshold 0.75: only an exact match passes', async () => {
    const source = { file: 'evals/t.csv', line: 2 };
    const cell = parseGraderSpec('levenshtein:sitting', source);
    expect(cell.threshold).toBe(0.75);
    expect((await gradeAssertion('kitten', cell, makeContext())).pass).toBe(false);
    expect((await gradeAssertion('sitting', cell, makeContext())).pass).toBe(true);
    expect(parseGraderSpec('levenshtein(3):sitting', source).threshold).toBe(3);
  });

  it('word-count reads a {min, max} range written in a cell as JSON or YAML', async () => {
    const source = { file: 'evals/t.csv', line: 2 };
    expect(parseGraderSpec('word-count:{"min": 2, "max": 5}', source).value).toEqual({ min: 2, max: 5 });
    expect(parseGraderSpec('word-count:{max: 5}', source).value).toEqual({ max: 5 });
    expect(parseGraderSpec('word-count:12', source).value).toBe(12);
    expect(() => parseGraderSpec('word-count:{"min": 5, "max": 2}', source)).toThrow('min (5) must be ≤ max (2)');
    expect(() => parseGraderSpec('word-count:many', source)).toThrow('word-count needs a number or a {min, max} range');
  });

  it('an empty output has no gleu or meteor score (promptfoo throws): no verdict, also negated', async () => {
    for (const type of ['gleu', 'meteor']) {
      const graded = await gradeAssertion('', makeAssertion(type, CAT, { negate: true }), makeContext());
      expect(graded).toMatchObject({ pass: false, errored: true, reason: `${type} cannot score an empty output` });
    }
  });

  it('check refuses what the graders cannot read and score thresholds outside 0..1', async () => {
    const ctx = { graders: {}, rootDir: process.cwd(), hasJudge: false };
    const problem = async (type: string, value: unknown, threshold?: number) => (await validateAssertion(makeAssertion(type, value, { threshold }), ctx))?.message;
    expect(await problem('bleu', CAT, 1.5)).toContain('the threshold 1.5 is outside 0..1');
    expect(await problem('bleu', [CAT, 3])).toContain('bleu needs a reference text or an array of them');
    expect(await problem('rouge-n', [CAT])).toContain('rouge-n needs a reference text');
    expect(await problem('levenshtein', 'x', 12)).toBeUndefined();
    expect(await problem('word-count', { min: 1, extra: 2 })).toContain("unknown key 'extra'");
    expect(await problem('meteor', CAT)).toBeUndefined();
    expect(await problem('word-count', '{{ n }}')).toBeUndefined();
  });
});
