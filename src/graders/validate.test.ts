import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { makeAssertion } from './test-context.js';
import { validateAssertion, type ValidateContext } from './validate.js';

const root = mkdtempSync(join(tmpdir(), 'promptgate-validate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
writeFileSync(join(root, 'ok.schema.json'), '{"type": "object"}');
const ctx: ValidateContext = { graders: { isShort: () => true, notAFunction: 42 }, rootDir: root, hasJudge: true };
const source = { file: 'evals/qa.csv', line: 7 };

async function problem(...args: Parameters<typeof makeAssertion>) {
  return validateAssertion(makeAssertion(args[0], args[1], { source, ...args[2] }), ctx);
}

describe('validateAssertion', () => {
  it('accepts valid assertions', async () => {
    const valid = [
      makeAssertion('contains', 'x'),
      makeAssertion('equals', ''),
      makeAssertion('contains-any', 'a,b'),
      makeAssertion('regex', '/^\\d+(,\\d+)*$/'),
      makeAssertion('is-json'),
      makeAssertion('schema', 'ok.schema.json'),
      makeAssertion('schema', { type: 'string', format: 'email' }),
      makeAssertion('rubric', 'is polite', { threshold: 0.8 }),
      makeAssertion('js', 'isShort'),
      makeAssertion('latency', undefined, { threshold: 1000 }),
      makeAssertion('cost', '0.01'),
    ];
    for (const assertion of valid) expect(await validateAssertion(assertion, ctx)).toBeUndefined();
  });

  it('refuses a regex that needs backtracking and is not provably linear, naming file:line and why', async () => {
    const error = await problem('regex', '^(?=(\\w|\\d)+$)\\d');
    expect(error).toBeInstanceOf(PromptgateError);
    expect(error?.code).toBe('GRADER_INVALID');
    expect(error?.message).toBe(
      'evals/qa.csv:7: invalid grader regex:^(?=(\\w|\\d)+$)\\d: regex ^(?=(\\w|\\d)+$)\\d needs the backtracking engine (it uses a lookahead ((?=(\\w|\\d)+$))) and it can take exponential time on some outputs',
    );
    expect(error?.location).toEqual(source);
    expect(error?.hint).toContain('rewrite it without backreferences and lookaheads');
    expect(error?.format()).not.toMatch(/evals\/qa\.csv:7: evals\/qa\.csv:7/);
    expect((await problem('regex', '(?i)(\\w+)\\s\\1'))?.message).toContain('polynomial time (degree 2)');
  });

  it('accepts nested quantifiers (the linear-time engine runs them) and lookaheads proven linear', async () => {
    for (const pattern of ['(a+)+$', '/(a|a)*$/', '^(\\w+\\s?)+$', '/^(?=.*\\d).{8,}$/', '(?<=\\$)\\d+']) {
      expect(await problem('regex', pattern)).toBeUndefined();
    }
  });

  it('refuses an unknown js grader, suggests a close name and lists the known ones', async () => {
    const error = await problem('js', 'missing');
    expect(error?.message).toContain("unknown js grader 'missing'");
    expect(error?.hint).toBe('graders in the config: isShort, notAFunction');
    expect((await problem('js', 'isShrot'))?.hint).toBe('did you mean "isShort"? graders in the config: isShort, notAFunction');
    expect((await problem('js', 'notAFunction'))?.message).toContain("unknown js grader 'notAFunction'");
  });

  it('refuses a missing schema file and an invalid JSON Schema', async () => {
    expect((await problem('schema', 'nope.json'))?.message).toContain('schema file not found: nope.json');
    expect((await problem('schema', { type: 'objekt' }))?.message).toContain('invalid JSON Schema');
    expect((await problem('is-json', { properties: 5 }))?.message).toContain('invalid JSON Schema');
  });

  it('refuses rubric without a judge', async () => {
    const error = await validateAssertion(makeAssertion('rubric', 'is polite', { source }), { ...ctx, hasJudge: false });
    expect(error?.message).toBe('evals/qa.csv:7: invalid grader rubric:is polite: no judge model configured');
    expect(error?.hint).toContain('set `judge` in the config');
  });

  it('refuses missing values, limits and out-of-range thresholds', async () => {
    expect((await problem('contains'))?.message).toContain('contains needs a text value');
    expect((await problem('contains-all', ' , '))?.message).toContain('comma-separated list');
    expect((await problem('latency'))?.message).toContain('latency needs a non-negative limit, e.g. latency(2000)');
    expect((await problem('rubric', 'x', { threshold: 8 }))?.message).toContain('outside 0..1');
    expect((await problem('bogus' as never, 'x'))?.message).toContain("unknown grader type 'bogus'");
  });

  it('omits the line when the source has none', async () => {
    const error = await validateAssertion(makeAssertion('contains', undefined, { source: { file: 'eval.config.ts' } }), ctx);
    expect(error?.message.startsWith('eval.config.ts: invalid grader contains:')).toBe(true);
  });
});
