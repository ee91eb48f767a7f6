import { describe, expect, it } from 'vitest';
import { gradeAssertion } from './grade.js';
import { makeAssertion, makeContext } from './test-context.js';
import { listValue } from './values.js';
import type { GraderType } from '../cases/types.js';

const grade = (type: GraderType, output: string, value?: unknown, negate = false) =>
  gradeAssertion(output, makeAssertion(type, value, { negate }), makeContext());

describe('equals', () => {
  it('matches exactly after trimming trailing whitespace of output and value', async () => {
    expect((await grade('equals', 'Paris\n', 'Paris')).pass).toBe(true);
    expect((await grade('equals', 'Paris  \r\n', 'Paris\n')).pass).toBe(true);
    expect((await grade('equals', ' Paris', 'Paris')).pass).toBe(false);
    expect((await grade('equals', 'paris', 'Paris')).pass).toBe(false);
  });

  it('compares JSON deeply when the value is an object, also from a fenced block', async () => {
    expect((await grade('equals', '{"b": [1, 2], "a": 1}', { a: 1, b: [1, 2] })).pass).toBe(true);
    expect((await grade('equals', 'Here:\n```json\n{"a": 1}\n```', { a: 1 })).pass).toBe(true);
    const wrong = await grade('equals', '{"a": 2}', { a: 1 });
    expect(wrong.pass).toBe(false);
    expect(wrong.reason).toContain('differs');
    const notJson = await grade('equals', 'nope', { a: 1 });
    expect(notJson).toMatchObject({ pass: false, score: 0 });
    expect(notJson.reason).toContain('not valid JSON');
  });

  it('is negated by not-', async () => {
    expect(await grade('equals', 'a', 'b', true)).toMatchObject({ pass: true, score: 1, spec: 'not-equals:b' });
    expect(await grade('equals', 'a', 'a', true)).toMatchObject({ pass: false, score: 0 });
  });
});

describe('contains / icontains / starts-with', () => {
  it('contains is case-sensitive; icontains is not', async () => {
    expect((await grade('contains', 'Hello World', 'World')).pass).toBe(true);
    expect((await grade('contains', 'Hello World', 'world')).pass).toBe(false);
    expect((await grade('icontains', 'Hello World', 'wORLD')).pass).toBe(true);
    expect((await grade('icontains', 'Hello', 'bye')).pass).toBe(false);
  });

  it('starts-with checks the very start', async () => {
    expect((await grade('starts-with', 'Yes, indeed', 'Yes')).pass).toBe(true);
    expect((await grade('starts-with', ' Yes', 'Yes')).pass).toBe(false);
  });

  it('not-contains passes when absent and explains with the fact', async () => {
    const absent = await grade('contains', 'all good', 'error', true);
    expect(absent).toMatchObject({ pass: true, score: 1, spec: 'not-contains:error' });
    const present = await grade('contains', 'an error', 'error', true);
    expect(present.pass).toBe(false);
    expect(present.reason).toBe('output contains "error"');
  });

  it('a missing value is an error, never a pass, also negated', async () => {
    const graded = await grade('contains', 'x', undefined, true);
    expect(graded).toMatchObject({ pass: false, score: 0, errored: true });
    expect(graded.reason).toContain('contains needs a value');
  });
});

describe('contains-any / contains-all', () => {
  it('accepts a comma string or an array', async () => {
    expect((await grade('contains-any', 'I like pears', 'apple, pear')).pass).toBe(true);
    expect((await grade('contains-any', 'I like kiwis', ['apple', 'pear'])).pass).toBe(false);
    expect((await grade('contains-all', 'apple and pear', 'apple,pear')).pass).toBe(true);
    const missing = await grade('contains-all', 'apple only', ['apple', 'pear', 'fig']);
    expect(missing).toMatchObject({ pass: false, score: 0 });
    expect(missing.reason).toBe('output does not contain "pear", "fig"');
  });

  it('not-contains-any passes when none is present', async () => {
    expect((await grade('contains-any', 'clean', 'damn,heck', true)).pass).toBe(true);
    expect((await grade('contains-any', 'oh heck', 'damn,heck', true)).pass).toBe(false);
  });

  it('parses quoted items holding commas', () => {
    expect(listValue('"a, b", c ,, "say ""hi"""')).toEqual(['a, b', 'c', 'say "hi"']);
    expect(listValue(['x', '', 3])).toEqual(['x', '3']);
    expect(listValue(undefined)).toEqual([]);
  });

  it('an empty list is an error', async () => {
    expect(await grade('contains-all', 'x', ' , ')).toMatchObject({ pass: false, errored: true });
  });
});
