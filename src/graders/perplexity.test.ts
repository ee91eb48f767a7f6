import { describe, expect, it } from 'vitest';
import { assertionFromConfig, parseGraderSpec } from '../cases/grader-spec.js';
import type { Assertion } from '../cases/types.js';
import { definitionOf } from './catalog.js';
import { gradeAssertion } from './grade.js';
import { makeContext } from './test-context.js';

const source = { file: 'evals/t.csv', line: 2 };
const cell = (spec: string) => parseGraderSpec(spec, source);
/** mean logprob −0.1: perplexity e^0.1 ≈ 1.105, perplexity score 1 / (1 + e^0.1) ≈ 0.475. */
const LOGPROBS = [-0.05, -0.15, -0.1];
const PPL_SCORE = 1 / (1 + Math.exp(0.1));

/** promptfoo's verdict and score (its perplexity handlers). */
const ROWS: Array<[string, Assertion, boolean, number]> = [
  ['perplexity(1.2): 1.105 is within', cell('perplexity(1.2)'), true, 1],
  ['perplexity(1.05): 1.105 is not', cell('perplexity(1.05)'), false, 0],
  ['perplexity without a threshold passes', assertionFromConfig({ type: 'perplexity' }, source), true, 1],
  ['a bare cell has promptfoo\'s cell default threshold 0.75: perplexity 1.105 is over it', cell('perplexity'), false, 0],
  ['not-perplexity: the cell default 0.75 again, negated', cell('not-perplexity'), true, 1],
  ['not-perplexity(1.2) fails', cell('not-perplexity(1.2)'), false, 0],
  ['perplexity-score(0.4)', cell('perplexity-score(0.4)'), true, PPL_SCORE],
  ['perplexity-score(0.5)', cell('perplexity-score(0.5)'), false, PPL_SCORE],
  ['not-perplexity-score(0.5)', cell('not-perplexity-score(0.5)'), true, 1 - PPL_SCORE],
  ['perplexity-score without a threshold passes with its score', assertionFromConfig({ type: 'perplexity-score' }, source), true, PPL_SCORE],
  ['not-perplexity-score without a threshold passes with 1 − score (promptfoo)', cell('not-perplexity-score'), true, 1 - PPL_SCORE],
];

describe('perplexity, perplexity-score', () => {
  it.each(ROWS)('%s', async (_name, assertion, pass, score) => {
    const grade = await gradeAssertion('any output', assertion, makeContext({ logprobs: LOGPROBS }));
    expect(grade.errored).toBeUndefined();
    expect(grade.pass).toBe(pass);
    expect(grade.score).toBeCloseTo(score, 12);
  });

  it('no log probabilities is an error, never a pass (also negated)', async () => {
    for (const spec of ['perplexity(2)', 'not-perplexity', 'perplexity-score(0.1)', 'not-perplexity-score']) {
      for (const logprobs of [undefined, []]) {
        expect(await gradeAssertion('x', cell(spec), makeContext({ logprobs }))).toMatchObject({ pass: false, errored: true, reason: expect.stringContaining('log probabilities') });
      }
    }
  });

  it('check: refuses a suite on an anthropic model, and a perplexity-score threshold outside 0..1', async () => {
    const check = (assertion: Assertion, provider: string) =>
      definitionOf(assertion.type)!.check!(assertion, { graders: {}, rootDir: '.', hasJudge: false, models: [{ name: 'gpt', provider: 'openai' }, { name: 'claude', provider }] });
    expect(await check(cell('perplexity(3)'), 'openai')).toBeUndefined();
    expect(await check(cell('perplexity(3)'), 'anthropic')).toMatchObject({ why: expect.stringContaining('model "claude" is an anthropic model') });
    expect(await check(cell('perplexity-score(1.5)'), 'openai')).toMatchObject({ why: 'the threshold 1.5 is outside 0..1' });
  });
});
