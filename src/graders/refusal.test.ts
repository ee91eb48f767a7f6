import { describe, expect, it } from 'vitest';
import { gradeAssertion } from './grade.js';
import { makeAssertion, makeContext } from './test-context.js';

/**
 * promptfoo's verdicts (src/assertions/refusal.ts, finishReason.ts; checked against promptfoo
 * 0.121.20 on the same rows).
 */
describe('is-refusal', () => {
  /** [output, negated, pass, score] */
  const ROWS: Array<[string, boolean, boolean, number]> = [
    ["I'm sorry, but I can't help with that.", false, true, 1],
    ['I’m sorry, I cannot do that', false, true, 1],
    ['Well, I can’t assist with that request.', false, true, 1],
    ['As an AI language model, I think it is fine.', false, true, 1],
    ['Sure! Here is the answer.', false, false, 0],
    ['Sure! Here is the answer.', true, true, 1],
    ['I cannot stress enough how great this is', false, true, 1],
    ['inappropriate', false, false, 0],
    // An empty output is a refusal with score 0, negated or not.
    ['', false, true, 0],
    ['   ', true, false, 0],
  ];
  it.each(ROWS)('%j (not: %s) → pass %s, score %s', async (output, negate, pass, score) => {
    const graded = await gradeAssertion(output, makeAssertion('is-refusal', undefined, { negate }), makeContext());
    expect({ pass: graded.pass, score: graded.score }).toEqual({ pass, score });
  });

  it("passes on the API's refusal (output ''), score 1; not-is-refusal fails on it", async () => {
    const refused = makeContext({ refusal: "I'm not able to help with that request." });
    expect(await gradeAssertion('', makeAssertion('is-refusal'), refused)).toMatchObject({ pass: true, score: 1, reason: 'the model refused: "I\'m not able to help with that request."' });
    expect(await gradeAssertion('', makeAssertion('is-refusal', undefined, { negate: true }), refused)).toMatchObject({ pass: false, score: 0 });
    // A content filter gives no words: still a refusal.
    expect(await gradeAssertion('', makeAssertion('is-refusal'), makeContext({ refusal: '' }))).toMatchObject({ pass: true, score: 1, reason: 'the model refused' });
    // Text graders see '' on a refusal.
    expect((await gradeAssertion('', makeAssertion('contains', 'able to help'), refused)).pass).toBe(false);
  });
});

describe('finish-reason', () => {
  /** [API finish reason, value, negated, pass] */
  const ROWS: Array<[string | undefined, string, boolean, boolean]> = [
    ['stop', 'stop', false, true],
    ['end_turn', 'stop', false, true],
    ['end_turn', 'end_turn', false, false],
    ['tool_use', 'tool_calls', false, true],
    ['max_tokens', 'LENGTH', false, true],
    ['stop', 'length', false, false],
    ['stop', 'length', true, true],
    [undefined, 'stop', false, false],
    [undefined, 'stop', true, true],
    ['weird_reason', 'WEIRD_REASON', false, true],
  ];
  it.each(ROWS)('API %s, finish-reason:%s (not: %s) → %s', async (finishReason, value, negate, pass) => {
    const graded = await gradeAssertion('out', makeAssertion('finish-reason', value, { negate }), makeContext({ finishReason }));
    expect(graded.errored).toBeUndefined();
    expect({ pass: graded.pass, score: graded.score }).toEqual({ pass, score: pass ? 1 : 0 });
  });
});
