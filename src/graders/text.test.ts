import { describe, expect, it } from 'vitest';
import { gradeAssertion } from './grade.js';
import { makeAssertion, makeContext } from './test-context.js';
import { parseContainsList } from './text.js';

/**
 * promptfoo's verdicts (src/assertions/equals.ts, contains.ts, startsWith.ts): [type, value, output,
 * negated, pass, score]. `not-` swaps pass and scores 1 − score.
 */
const ROWS: Array<[string, unknown, string, boolean, boolean, number]> = [
  // equals: String(value) === output, nothing trimmed
  ['equals', 'Paris', 'Paris', false, true, 1],
  ['equals', 'Paris', 'Paris\n', false, false, 0],
  ['equals', 'Paris', ' Paris', false, false, 0],
  ['equals', 'Paris', 'paris', false, false, 0],
  ['equals', 'Paris', 'Paris\n', true, true, 1],
  ['equals', 'a', 'a', true, false, 0],
  ['equals', 42, '42', false, true, 1],
  // equals with a JSON value: the output parsed as JSON, compared deeply; not JSON fails
  ['equals', { a: 1, b: [1, 2] }, '{"b": [1, 2], "a": 1}', false, true, 1],
  ['equals', { a: 1 }, '{"a": 2}', false, false, 0],
  ['equals', { a: 1 }, 'Here:\n```json\n{"a": 1}\n```', false, false, 0],
  ['equals', [1, 2], ' [1,2] ', false, true, 1],
  ['equals', { a: 1 }, 'nope', true, true, 1],
  // contains / icontains / starts-with
  ['contains', 'World', 'Hello World', false, true, 1],
  ['contains', 'world', 'Hello World', false, false, 0],
  ['contains', 'error', 'all good', true, true, 1],
  ['contains', 'error', 'an error', true, false, 0],
  ['contains', 42, 'answer: 42', false, true, 1],
  ['icontains', 'wORLD', 'Hello World', false, true, 1],
  ['icontains', 'bye', 'Hello', false, false, 0],
  ['icontains', 'HELLO', 'hello', true, false, 0],
  ['starts-with', 'Yes', 'Yes, indeed', false, true, 1],
  ['starts-with', 'Yes', ' Yes', false, false, 0],
  ['starts-with', 'No', 'Yes', true, true, 1],
  // lists: parsed as promptfoo's cells (see below), or arrays
  ['contains-any', 'apple, pear', 'I like pears', false, true, 1],
  ['contains-any', ['apple', 'pear'], 'I like kiwis', false, false, 0],
  ['contains-any', 'damn,heck', 'clean', true, true, 1],
  ['contains-any', 'damn,heck', 'oh heck', true, false, 0],
  ['icontains-any', 'APPLE,kiwi', 'an apple', false, true, 1],
  ['icontains-any', 'APPLE,kiwi', 'a pear', false, false, 0],
  ['contains-all', 'apple,pear', 'apple and pear', false, true, 1],
  ['contains-all', ['apple', 'pear', 'fig'], 'apple only', false, false, 0],
  ['contains-all', 'Apple,pear', 'apple and pear', false, false, 0],
  ['icontains-all', 'Apple,PEAR', 'apple and pear', false, true, 1],
  ['icontains-all', 'Apple,PEAR', 'apple and fig', true, true, 1],
  ['contains-any', '" a, b "', 'x a, b y', false, true, 1],
  ['contains-any', [1, 2], 'count 2', false, true, 1],
];

describe('text graders (promptfoo verdicts)', () => {
  it.each(ROWS)('%s:%j on %j (not: %s) → pass %s, score %s', async (type, value, output, negate, pass, score) => {
    const graded = await gradeAssertion(output, makeAssertion(type, value, { negate }), makeContext());
    expect(graded.errored).toBeUndefined();
    expect({ pass: graded.pass, score: graded.score }).toEqual({ pass, score });
  });

  it('explains with the fact', async () => {
    expect((await gradeAssertion('an error', makeAssertion('contains', 'error', { negate: true }), makeContext())).reason).toBe('output contains "error"');
    expect((await gradeAssertion('apple only', makeAssertion('contains-all', ['apple', 'pear', 'fig']), makeContext())).reason).toBe(
      'output does not contain "pear", "fig"',
    );
    expect((await gradeAssertion('Paris\n', makeAssertion('equals', 'Paris'), makeContext())).reason).toBe('output "Paris\\n" does not equal "Paris"');
  });

  it('a missing or unusable value is an error, never a pass, also negated', async () => {
    for (const [type, value] of [
      ['contains', undefined],
      ['contains', ''],
      ['contains', { a: 1 }],
      ['icontains', ['x']],
      ['starts-with', ''],
      ['contains-all', ' , '],
      ['contains-any', 5],
      ['contains-any', '"open'],
      ['equals', undefined],
    ] as Array<[string, unknown]>) {
      const graded = await gradeAssertion('x', makeAssertion(type, value, { negate: true }), makeContext());
      expect(graded, `${type} ${JSON.stringify(value)}`).toMatchObject({ pass: false, score: 0, errored: true });
    }
  });
});

describe('contains-any / contains-all cells, as promptfoo splits them', () => {
  it.each([
    ['a, b ,c', ['a', 'b', 'c']],
    ['a,,b, ,c,', ['a', 'b', 'c']],
    ['"a, b", c', ['a, b', 'c']],
    ['" spaced "', [' spaced ']],
    ['"say ""hi""", x', ['say "hi"', 'x']],
    ['"back\\"slash\\\\", y', ['back"slash\\', 'y']],
    ['say "hi", x', ['say "hi"', 'x']],
    ['""', ['']],
  ])('%j → %j', (cell, items) => {
    expect(parseContainsList(cell)).toEqual(items);
  });

  it('refuses an unterminated quote and text after a closing quote', () => {
    expect(() => parseContainsList('"open, b')).toThrow('no closing quote');
    expect(() => parseContainsList('"a" b, c')).toThrow('followed by a comma');
  });
});
