import { describe, expect, it } from 'vitest';
import { gradeAssertion } from './grade.js';
import { makeAssertion, makeContext } from './test-context.js';
import type { JsGraderFunction } from './types.js';

const graders: Record<string, JsGraderFunction> = {
  short: (output) => output.length < 10,
  ratio: (output) => (output.match(/a/g)?.length ?? 0) / output.length,
  full: async (output, { vars }) => ({ pass: output === vars.expected, score: 0.75, reason: 'compared with vars.expected' }),
  passOnly: (() => ({ pass: true })) as unknown as JsGraderFunction,
  boom: () => {
    throw new Error('kaput');
  },
  weird: () => 'yes' as unknown as boolean,
  outOfRange: () => 2,
  seesContext: (_output, context) => context.prompt.id === 'p' && context.model === 'm' && context.value === 'seesContext',
};
const context = makeContext({ graders, vars: { expected: 'hi' } });
const js = (name: string, extra = {}) => gradeAssertion('aab', makeAssertion('js', name, extra), context);

describe('js grader', () => {
  it('maps a boolean to score 1/0', async () => {
    expect(await js('short')).toMatchObject({ pass: true, score: 1, reason: "js grader 'short' returned true" });
    expect(await gradeAssertion('a long output here', makeAssertion('js', 'short'), context)).toMatchObject({ pass: false, score: 0 });
  });

  it('maps a number to a score, passing at the threshold (default 0.5)', async () => {
    expect(await js('ratio')).toMatchObject({ pass: true, score: 2 / 3 });
    expect(await js('ratio', { threshold: 0.9 })).toMatchObject({ pass: false, score: 2 / 3 });
    const negated = await js('ratio', { negate: true, threshold: 0.9 });
    expect(negated.pass).toBe(true);
    expect(negated.score).toBeCloseTo(1 / 3);
  });

  it('takes a result object as is, filling a missing score from pass', async () => {
    expect(await gradeAssertion('hi', makeAssertion('js', 'full'), context)).toMatchObject({ pass: true, score: 0.75, reason: 'compared with vars.expected' });
    expect(await js('passOnly')).toMatchObject({ pass: true, score: 1 });
  });

  it('passes vars, value, prompt and model to the function', async () => {
    expect((await js('seesContext')).pass).toBe(true);
  });

  it('fails on an unknown name, a throw, or a bad return value, also negated', async () => {
    expect(await js('nope', { negate: true })).toMatchObject({ pass: false, errored: true, reason: "unknown js grader 'nope'" });
    expect(await js('toString')).toMatchObject({ pass: false, reason: "unknown js grader 'toString'" });
    expect(await js('boom', { negate: true })).toMatchObject({ pass: false, reason: "js grader 'boom' threw: kaput" });
    expect((await js('weird')).reason).toContain('expected a boolean, a score 0..1, or {pass, score, reason}');
    expect((await js('outOfRange')).reason).toContain('outside 0..1');
  });
});
