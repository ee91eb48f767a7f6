import { describe, expect, it } from 'vitest';
import { gradeAssertion } from './grade.js';
import { parseRegexSpec, testRegex } from './regex.js';
import { findCatastrophicRegex } from './regex-safety.js';
import { makeAssertion, makeContext } from './test-context.js';

const grade = (output: string, value: unknown, negate = false) =>
  gradeAssertion(output, makeAssertion('regex', value, { negate }), makeContext());

describe('regex grader', () => {
  it('accepts /pattern/flags and plain patterns', async () => {
    expect((await grade('Order #123', '#\\d+')).pass).toBe(true);
    expect((await grade('HELLO', '/hello/i')).pass).toBe(true);
    expect((await grade('HELLO', 'hello')).pass).toBe(false);
    expect(parseRegexSpec('/a\\/b/gi')).toEqual({ pattern: 'a\\/b', flags: 'gi' });
    expect(parseRegexSpec('/api/v1')).toEqual({ pattern: '/api/v1', flags: '' });
  });

  it('is negated by not-', async () => {
    expect((await grade('no digits', '\\d', true)).pass).toBe(true);
    expect((await grade('1 digit', '\\d', true)).pass).toBe(false);
  });

  it('does not carry lastIndex between calls with the g flag', () => {
    const spec = parseRegexSpec('/a/g');
    expect(testRegex(spec, 'a')).toBe(true);
    expect(testRegex(spec, 'a')).toBe(true);
  });

  it('an invalid regex fails with a reason, also negated', async () => {
    const graded = await grade('x', '(unclosed', true);
    expect(graded).toMatchObject({ pass: false, score: 0, errored: true });
    expect(graded.reason).toMatch(/^invalid regex \/\(unclosed\/: /);
  });

  it('stops catastrophic backtracking and fails instead of hanging', async () => {
    const graded = await grade('a'.repeat(41) + '!', '(a+)+$');
    expect(graded).toMatchObject({ pass: false, score: 0, errored: true, reason: 'regex timed out after 100 ms' });
    const negated = await grade('a'.repeat(41) + '!', '(a+)+$', true);
    expect(negated).toMatchObject({ pass: false, errored: true });
  });

  it('honours a custom timeout', () => {
    expect(() => testRegex(parseRegexSpec('(a*)*$'), 'a'.repeat(40) + 'b', 20)).toThrow('regex timed out after 20 ms');
  });
});

describe('findCatastrophicRegex', () => {
  it.each(['(a+)+$', '(a*)*', '(a|a)*', '^(\\w+\\s?)+$', '(x+x+)+y', '((a+)b?)+', '(?:\\d{1,3})+', '(?<n>[a-z]+)*', 'x(y|(a+)+)'])(
    'refuses %s',
    (pattern) => {
      expect(findCatastrophicRegex(pattern)).toMatch(/exponentially many ways/);
    },
  );

  it.each(['^(\\d+,)*\\d+$', '([a-z]+\\.)+com', '(ab)+', '\\d+', '(a{2})+', '[(a+)+]', '\\(a+\\)+', '^\\p{L}+$', '(?=a+)b'])('accepts %s', (pattern) => {
    expect(findCatastrophicRegex(pattern, 'u')).toBeUndefined();
  });

  it('names the group at fault', () => {
    expect(findCatastrophicRegex('^x(a+)+$')).toContain('"(a+)+"');
    expect(findCatastrophicRegex('(a|a)*')).toContain('identical alternatives');
  });
});
