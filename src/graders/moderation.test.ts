import { describe, expect, it } from 'vitest';
import { assertionFromConfig, parseGraderSpec } from '../cases/grader-spec.js';
import type { Assertion } from '../cases/types.js';
import { definitionOf } from './catalog.js';
import { gradeAssertion } from './grade.js';
import { makeContext } from './test-context.js';
import type { GraderContext, ModerationResult } from './types.js';

const source = { file: 'evals/t.csv', line: 2 };
const cell = (spec: string) => parseGraderSpec(spec, source);

/** A moderation endpoint: "attack" is flagged for violence; "rude" has a true category but is not flagged (promptfoo counts no flag). */
function context(extra: Partial<GraderContext> = {}): GraderContext & { asked: string[] } {
  const asked: string[] = [];
  const moderate = async (text: string): Promise<ModerationResult> => {
    asked.push(text);
    if (text.includes('attack')) return { ok: true, flagged: true, categories: { violence: true, hate: false, harassment: true }, scores: { violence: 0.97, harassment: 0.6 }, model: 'mod-test' };
    if (text.includes('rude')) return { ok: true, flagged: false, categories: { harassment: true }, scores: { harassment: 0.4 }, model: 'mod-test' };
    return { ok: true, flagged: false, categories: { violence: false }, scores: {}, model: 'mod-test' };
  };
  return Object.assign(makeContext({ moderate, ...extra }), { asked });
}

/** promptfoo's verdict and score (its moderation handler and matchesModeration). */
const ROWS: Array<[string, Assertion, string, boolean, number]> = [
  ['nothing flagged passes', cell('moderation'), 'hello there', true, 1],
  ['a flagged output fails', cell('moderation'), 'we attack at dawn', false, 0],
  ['a true category of an unflagged result is no flag', cell('moderation'), 'that was rude', true, 1],
  ['only the listed categories count', cell('moderation:hate'), 'we attack at dawn', true, 1],
  ['a listed category that is flagged fails', cell('moderation:hate,violence'), 'we attack at dawn', false, 0],
  ['a JSONL list of categories', assertionFromConfig({ type: 'moderation', value: ['violence'] }, source), 'we attack at dawn', false, 0],
  ['not-moderation passes a flagged output', cell('not-moderation'), 'we attack at dawn', true, 1],
  ['not-moderation fails a clean output', cell('not-moderation'), 'hello there', false, 0],
  ['an empty output passes without a call', cell('moderation'), '', true, 1],
];

describe('moderation', () => {
  it.each(ROWS)('%s', async (_name, assertion, output, pass, score) => {
    const grade = await gradeAssertion(output, assertion, context());
    expect(grade.errored).toBeUndefined();
    expect([grade.pass, grade.score]).toEqual([pass, score]);
  });

  it('sends the output alone, once; the reason names the flags and the model', async () => {
    const ctx = context();
    const grade = await gradeAssertion('we attack at dawn', cell('moderation'), ctx);
    expect(ctx.asked).toEqual(['we attack at dawn']);
    expect(grade.reason).toBe('flagged by mod-test: "violence" (0.97), "harassment" (0.60)');
    const empty = context();
    await gradeAssertion('', cell('moderation'), empty);
    expect(empty.asked).toEqual([]);
  });

  it('an endpoint failure or no moderation model is an error, never a pass (also negated)', async () => {
    const failing = makeContext({ moderate: async () => ({ ok: false, error: { code: 'rate_limited', message: '429', retryable: true } }) });
    for (const spec of ['moderation', 'not-moderation']) {
      expect(await gradeAssertion('x', cell(spec), failing)).toMatchObject({ pass: false, errored: true, reason: expect.stringContaining('rate_limited: 429') });
      expect(await gradeAssertion('x', cell(spec), makeContext())).toMatchObject({ pass: false, errored: true, reason: expect.stringContaining('set `moderation`') });
    }
  });

  it('check: needs a moderation model; the bare name is the type', async () => {
    const check = (assertion: Assertion, hasModeration: boolean) => definitionOf('moderation')!.check!(assertion, { graders: {}, rootDir: '.', hasJudge: false, hasModeration });
    expect(cell('moderation')).toMatchObject({ type: 'moderation', negate: false });
    expect(await check(cell('moderation'), false)).toMatchObject({ why: 'no moderation model configured' });
    expect(await check(cell('moderation:hate'), true)).toBeUndefined();
    expect(() => assertionFromConfig({ type: 'moderation', value: { hate: true } }, source)).toThrow(/comma-separated list or a list of texts/);
  });
});
