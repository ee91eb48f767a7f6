import { describe, expect, it } from 'vitest';
import { gradeOutput, UNGRADED_REASON, WEIGHTLESS_REASON } from './grade.js';
import { makeAssertion, makeContext } from './test-context.js';
import type { JsGraderFunction } from './types.js';

const context = makeContext({
  graders: {
    half: () => 0.5,
    boom: () => {
      throw new Error('kaput');
    },
    rejects: () => Promise.reject(new Error('async kaput')),
    nothing: (() => undefined) as unknown as JsGraderFunction,
  },
});

describe('gradeOutput', () => {
  it('passes when every assertion passes, and names the failing ones otherwise', async () => {
    const pass = await gradeOutput('Paris is the capital', [makeAssertion('contains', 'Paris'), makeAssertion('icontains', 'CAPITAL')], undefined, context);
    expect(pass).toMatchObject({ pass: true, score: 1, reason: '2 assertions passed' });
    expect(pass.assertions.map((grade) => grade.spec)).toEqual(['contains:Paris', 'icontains:CAPITAL']);
    const fail = await gradeOutput('Berlin', [makeAssertion('contains', 'Paris'), makeAssertion('contains', 'Berlin', { negate: true })], undefined, context);
    expect(fail).toMatchObject({ pass: false, score: 0 });
    expect(fail.reason).toBe('contains:Paris: output does not contain "Paris"; not-contains:Berlin: output contains "Berlin"');
  });

  it('weights the score, and passes on the threshold when one is given', async () => {
    const assertions = [makeAssertion('contains', 'a', { weight: 3 }), makeAssertion('contains', 'z', { weight: 1 })];
    const graded = await gradeOutput('abc', assertions, 0.7, context);
    expect(graded).toMatchObject({ pass: true, score: 0.75 });
    expect(graded.reason).toBe('score 0.75 ≥ threshold 0.7; contains:z: output does not contain "z"');
    expect(await gradeOutput('abc', assertions, 0.8, context)).toMatchObject({ pass: false, score: 0.75 });
    expect(await gradeOutput('abc', assertions, undefined, context)).toMatchObject({ pass: false, score: 0.75 });
  });

  it('carries weight and metric on each assertion grade', async () => {
    const graded = await gradeOutput('abc', [makeAssertion('contains', 'a', { weight: 2, metric: 'accuracy' })], undefined, context);
    expect(graded.assertions[0]).toMatchObject({ type: 'contains', negate: false, weight: 2, metric: 'accuracy', pass: true });
  });

  it('uses a plain mean when every weight is 0', async () => {
    const graded = await gradeOutput('a', [makeAssertion('contains', 'a', { weight: 0 }), makeAssertion('contains', 'b', { weight: 0 })], 0.5, context);
    expect(graded).toMatchObject({ pass: true, score: 0.5 });
  });

  it('an assertion of weight 0 records its score and passes (promptfoo), negated too; a grader error stays an error', async () => {
    const graded = await gradeOutput('abc', [makeAssertion('contains', 'a'), makeAssertion('contains', 'z', { weight: 0 }), makeAssertion('contains', 'a', { weight: 0, negate: true })], undefined, context);
    expect(graded.pass).toBe(true);
    expect(graded.assertions.map((a) => [a.pass, a.score])).toEqual([[true, 1], [true, 0], [true, 0]]);
    expect(graded.assertions[1].reason).toMatch(/^weight 0 \(recorded, not required\): /);
    const errored = await gradeOutput('abc', [makeAssertion('js', 'boom', { weight: 0 })], undefined, context);
    expect(errored).toMatchObject({ pass: false, errored: true });
  });

  it('a case whose every assertion has weight 0 requires nothing: ungraded, never a pass (with __threshold, its score decides)', async () => {
    const weightless = [makeAssertion('contains', 'z', { weight: 0 }), makeAssertion('contains', 'a', { weight: 0 })];
    expect(await gradeOutput('abc', weightless, undefined, context)).toMatchObject({ pass: false, ungraded: true, score: 0.5, reason: WEIGHTLESS_REASON });
    expect(await gradeOutput('abc', weightless, 0.5, context)).toMatchObject({ pass: true, score: 0.5 });
  });

  it('does not fail a threshold on floating-point noise', async () => {
    const assertions = [0.1, 0.2].map((weight) => makeAssertion('contains', 'a', { weight }));
    assertions.push(makeAssertion('contains', 'z', { weight: 0.7 }));
    expect(await gradeOutput('a', assertions, 0.3, context)).toMatchObject({ pass: true, score: 0.3 });
  });

  it('turns a throwing or rejecting grader into no verdict (errored), never a pass, also negated', async () => {
    for (const name of ['boom', 'rejects', 'nothing']) {
      for (const negate of [false, true]) {
        const graded = await gradeOutput('x', [makeAssertion('js', name, { negate })], undefined, context);
        expect(graded).toMatchObject({ pass: false, score: 0, errored: true });
        expect(graded.reason).toMatch(/^no verdict: 1 grader errored; (not-)?js:/);
        expect(graded.assertions[0]).toMatchObject({ pass: false, score: 0, errored: true });
      }
    }
  });

  it('wraps an unexpected throw as grader error', async () => {
    const graded = await gradeOutput('x', [makeAssertion('bogus' as never, 'v')], undefined, context);
    expect(graded.assertions[0]).toMatchObject({ pass: false, reason: "unknown grader type 'bogus'" });
    const hostile = makeContext({
      graders: {
        get a(): JsGraderFunction {
          throw new TypeError('trap');
        },
      },
    });
    const trapped = await gradeOutput('x', [makeAssertion('js', 'a')], undefined, hostile);
    expect(trapped.assertions[0]).toMatchObject({ pass: false, errored: true, reason: 'grader error: trap' });
  });

  it('an errored assertion leaves no verdict even when the score reaches the threshold, or another assertion fails', async () => {
    const assertions = [makeAssertion('contains', 'x', { weight: 9 }), makeAssertion('js', 'boom')];
    const graded = await gradeOutput('x', assertions, 0.5, context);
    expect(graded).toMatchObject({ pass: false, score: 0.9, errored: true });
    expect(graded.reason).toBe("no verdict: 1 grader errored; js:boom: js grader 'boom' threw: kaput");
    const failing = await gradeOutput('y', [makeAssertion('contains', 'x'), makeAssertion('js', 'boom', { negate: true })], undefined, context);
    expect(failing).toMatchObject({ pass: false, errored: true });
    expect(failing.reason).toBe("no verdict: 1 grader errored; not-js:boom: js grader 'boom' threw: kaput; contains:x: output does not contain \"x\"");
  });

  it('negation uses 1 - score', async () => {
    const graded = await gradeOutput('x', [makeAssertion('js', 'half', { negate: true, threshold: 0.6 })], undefined, context);
    expect(graded).toMatchObject({ pass: true, score: 0.5 });
  });

  it('with no assertions: ungraded (never a pass), or applies the prompt output schema / json format', async () => {
    expect(await gradeOutput('anything', [], undefined, context)).toEqual({ pass: false, score: 0, reason: UNGRADED_REASON, assertions: [], ungraded: true });
    expect(await gradeOutput('anything', [], 0, context)).toMatchObject({ pass: false, ungraded: true });
    const schemaContext = makeContext({ prompt: { id: 'p', version: '1.0.0', outputFormat: 'json', outputSchema: { type: 'object', required: ['a'] } } });
    expect((await gradeOutput('{"a": 1}', [], undefined, schemaContext)).pass).toBe(true);
    const missing = await gradeOutput('{"b": 1}', [], undefined, schemaContext);
    expect(missing.pass).toBe(false);
    expect(missing.assertions[0].spec).toBe('schema:<prompt output.schema>');
    const jsonContext = makeContext({ prompt: { id: 'p', version: '1.0.0', outputFormat: 'json' } });
    expect((await gradeOutput('[1]', [], undefined, jsonContext)).pass).toBe(true);
    const text = await gradeOutput('hello', [], undefined, jsonContext);
    expect(text.pass).toBe(false);
    expect(text.assertions[0].type).toBe('is-json');
  });
});
