import { describe, expect, it } from 'vitest';
import { gradeAssertion } from './grade.js';
import { RegexRefusal, compileRegex, parseRegexSpec, testRegex } from './regex.js';
import { makeAssertion, makeContext } from './test-context.js';

const grade = (output: string, value: unknown, negate = false) =>
  gradeAssertion(output, makeAssertion('regex', value, { negate }), makeContext());

async function refusal(pattern: string, flags = ''): Promise<RegexRefusal> {
  const error = await compileRegex({ pattern, flags }).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(error instanceof RegexRefusal)) throw new Error(`expected /${pattern}/${flags} to be refused`);
  return error;
}

describe('regex grader', () => {
  it('takes the value as the pattern, as promptfoo\'s new RegExp(value): slashes are text', async () => {
    expect((await grade('Order #123', '#\\d+')).pass).toBe(true);
    expect((await grade('GET /api/v1/ ok', '/api/v1/')).pass).toBe(true);
    expect((await grade('HELLO', '/hello/i')).pass).toBe(false);
    expect((await grade('see /hello/i', '/hello/i')).pass).toBe(true);
    expect((await grade('HELLO', 'hello')).pass).toBe(false);
  });

  it('reads flags from a leading (?flags) group, which JavaScript has no meaning for', async () => {
    expect((await grade('HELLO', '(?i)hello')).pass).toBe(true);
    expect((await grade('a\nb', '(?ms)^a.b$')).pass).toBe(true);
    expect((await grade('a\nb', '(?m)^a.b$')).pass).toBe(false);
    expect(parseRegexSpec('(?i)^yes$')).toEqual({ pattern: '^yes$', flags: 'i' });
    expect(parseRegexSpec('/a/gi')).toEqual({ pattern: '/a/gi', flags: '' });
    // Not flag letters, or not at the start: part of the pattern (and invalid JavaScript, so refused).
    for (const text of ['(?x)a', 'a(?i)b', '(?i']) expect(parseRegexSpec(text)).toEqual({ pattern: text, flags: '' });
    expect((await grade('x', '(?x)a')).errored).toBe(true);
    expect(parseRegexSpec('(?gg)a')).toEqual({ pattern: 'a', flags: 'gg' });
  });

  it('is negated by not-', async () => {
    expect((await grade('no digits', '\\d', true)).pass).toBe(true);
    expect((await grade('1 digit', '\\d', true)).pass).toBe(false);
  });

  it('does not carry lastIndex between calls with the g or y flag', async () => {
    for (const spec of [parseRegexSpec('(?g)a'), parseRegexSpec('(?y)a'), parseRegexSpec('(?g)(?<=x)a')]) {
      const input = spec.pattern.startsWith('(') ? 'xa' : 'a';
      expect(await testRegex(spec, input)).toBe(true);
      expect(await testRegex(spec, input)).toBe(true);
    }
  });

  it('an invalid regex fails with a reason, also negated', async () => {
    const graded = await grade('x', '(unclosed', true);
    expect(graded).toMatchObject({ pass: false, score: 0, errored: true });
    expect(graded.reason).toMatch(/^invalid regex \(unclosed: /);
    expect((await grade('x', '(?gg)a')).reason).toMatch(/^invalid regex \(\?gg\)a: .*flags/);
  });

  it('runs formerly catastrophic patterns on the linear-time engine, with the right verdict and no timeout', async () => {
    for (const [pattern, output] of [
      ['(a+)+$', 'a'.repeat(5000) + '!'],
      ['^(\\w|\\d)+$', '1'.repeat(5000) + '!'],
      ['^(\\w+\\s?)+$', 'word '.repeat(2000) + '!'],
      ['(x+x+)+y', 'x'.repeat(5000)],
    ]) {
      expect((await compileRegex({ pattern, flags: '' })).engine).toBe('re2');
      expect((await grade(output, pattern)).pass).toBe(false);
      const negated = await grade(output, pattern, true);
      expect(negated.pass).toBe(true);
      expect(negated.errored).toBeUndefined();
      expect((await grade(output.slice(0, -1), pattern)).pass).toBe(pattern !== '(x+x+)+y');
    }
  });

  it('runs lookaheads and backreferences on V8 when they are proven linear', async () => {
    const password = await compileRegex({ pattern: '^(?=.*\\d)(?=.*[a-z]).{8,}$', flags: '' });
    expect(password).toMatchObject({ engine: 'v8', construct: 'a lookahead ((?=.*\\d))' });
    expect(password.test('abcdefg1')).toBe(true);
    expect(password.test('abcdefgh')).toBe(false);
    const doubled = await compileRegex({ pattern: '\\b(\\w+)\\s+\\1\\b', flags: 'i' });
    expect(doubled.engine).toBe('v8');
    expect(doubled.test('the The end')).toBe(true);
  });

  it('refuses what needs V8 and is not provably linear, and grades it as an error if it gets that far', async () => {
    expect((await refusal('^(?=(\\w|\\d)+$)\\d')).message).toBe(
      'regex ^(?=(\\w|\\d)+$)\\d needs the backtracking engine (it uses a lookahead ((?=(\\w|\\d)+$))) and it can take exponential time on some outputs',
    );
    expect((await refusal('(\\w+)\\s\\1')).message).toContain('it uses a backreference (\\1)) and it can take polynomial time (degree 2)');
    expect((await refusal('(?<=a+)b|\\1(x)')).message).toContain('can reach back without bound');
    const graded = await grade('1111', '^(?=(\\w|\\d)+$)\\d', true);
    expect(graded).toMatchObject({ pass: false, errored: true });
    expect(graded.reason).toContain('can take exponential time');
  });
});
