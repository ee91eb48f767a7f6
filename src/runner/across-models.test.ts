import { describe, expect, it } from 'vitest';
import { judgeReply, readJudgeRequest } from '../../test/helpers/judge-reader.js';
import { parseGraderSpec } from '../cases/grader-spec.js';
import type { TestCase } from '../cases/types.js';
import { gradeOutput } from '../graders/grade.js';
import { makeContext } from '../graders/test-context.js';
import { summariseRepeats } from '../run-record/status.js';
import type { CaseResult, RepeatOutcome, SideResult } from '../run-record/types.js';
import { gradeAcrossModels, type AcrossModelsInput } from './across-models.js';

const source = { file: 'evals/t.csv', line: 2 };

function testCase(...specs: string[]): TestCase {
  return { id: 'c1', vars: {}, assertions: specs.map((spec) => parseGraderSpec(spec, source)), tags: [], metadata: {}, source };
}

/** One side: graded repeats of the given outputs (null: the call failed). */
async function side(test: TestCase, outputs: Array<string | null>): Promise<SideResult> {
  const repeats: RepeatOutcome[] = [];
  for (const [repeat, output] of outputs.entries()) {
    const grade = output === null ? null : await gradeOutput(output, test.assertions, test.threshold, makeContext());
    repeats.push({ repeat, output, error: output === null ? { code: 'server_error', message: 'HTTP 500' } : null, grade, modelReported: null, latencyMs: 1, usage: null, costUsd: null, cached: false, attempts: 1 });
  }
  return { promptId: 'p', promptVersion: '1.0.0', promptHash: 'h', ...summariseRepeats(repeats), repeats };
}

async function result(test: TestCase, model: string, candidate: Array<string | null>, baseline?: Array<string | null>): Promise<CaseResult> {
  const base = baseline ? { baseline: await side(test, baseline), change: 'unchanged-fail' as const } : {};
  return { suite: 's', model, caseId: test.id, tags: [], source, vars: {}, ...(await side(test, candidate)), ...base };
}

/** A judge that picks the longest text, counting its calls. */
function longest(): AcrossModelsInput['judge'] & { calls: string[] } {
  const calls: string[] = [];
  const judge = async (sideName: string, repeat: number, messages: Parameters<NonNullable<AcrossModelsInput['judge']>>[2]) => {
    calls.push(`${sideName}#${repeat}`);
    const view = readJudgeRequest(messages);
    const texts = Object.keys(view.parts).sort().map((name) => view.parts[name]);
    const best = texts.reduce((at, text, i) => (text.length > texts[at].length ? i : at), 0);
    return { ok: true as const, output: judgeReply(view, { best }) };
  };
  return Object.assign(judge, { calls });
}

describe('gradeAcrossModels (select-best over a case\'s models)', () => {
  it('adds the comparison to each model, side and repeat, and summarises grades, statuses and the change again', async () => {
    const test = testCase('contains:Paris', 'select-best:most complete');
    const short = await result(test, 'a', ['Paris', 'Paris, on the Seine, capital'], ['Paris, France']);
    const long = await result(test, 'b', ['Paris, capital of France', 'Paris'], ['Paris']);
    // Before: only contains graded; the select-best assertion waits.
    expect(short.repeats[0].grade!.assertions.map((a) => a.type)).toEqual(['contains']);
    const judge = longest();
    expect(await gradeAcrossModels({ testCase: test, results: [short, long], sides: ['candidate', 'baseline'], repeat: 2, judge, judgeSecret: 's', signal: new AbortController().signal })).toBe(true);
    expect(judge.calls).toEqual(['candidate#0', 'candidate#1', 'baseline#0']);
    const picks = (r: CaseResult) => r.repeats.map((repeat) => repeat.grade!.assertions.map((a) => [a.type, a.pass]));
    expect(picks(short)).toEqual([[['contains', true], ['select-best', false]], [['contains', true], ['select-best', true]]]);
    expect(picks(long)).toEqual([[['contains', true], ['select-best', true]], [['contains', true], ['select-best', false]]]);
    expect(short.repeats[0].grade).toMatchObject({ pass: false, score: 0.5 });
    // Half the repeats pass: both sides' status is pass (summariseRepeats); the baseline: a won, b lost.
    expect([short.status, long.status, short.baseline!.status, long.baseline!.status]).toEqual(['pass', 'pass', 'pass', 'fail']);
    expect([short.change, long.change]).toEqual(['unchanged-pass', 'improved']);
  });

  it('an output left alone (the other models failed) is no verdict; a stored side is left as it was', async () => {
    const test = testCase('select-best:most complete');
    const a = await result(test, 'a', ['Paris'], ['Paris!']);
    const b = await result(test, 'b', [null], ['Paris']);
    const storedBaseline = structuredClone(a.baseline);
    expect(a.status).toBe('ungraded');
    await gradeAcrossModels({ testCase: test, results: [a, b], sides: ['candidate'], repeat: 1, judge: longest(), judgeSecret: 's', signal: new AbortController().signal });
    expect(a.repeats[0].grade).toMatchObject({ pass: false, errored: true });
    expect(a.repeats[0].grade!.assertions[0].reason).toBe('select-best needs the outputs of at least two models to compare; only a answered');
    expect([a.status, b.status]).toEqual(['error', 'error']);
    expect(a.baseline).toEqual(storedBaseline);
  });

  it('a judge that does not answer (interrupted) leaves no verdict', async () => {
    const test = testCase('select-best:most complete');
    const results = [await result(test, 'a', ['x']), await result(test, 'b', ['yy'])];
    expect(await gradeAcrossModels({ testCase: test, results, sides: ['candidate'], repeat: 1, judge: async () => undefined, judgeSecret: 's', signal: new AbortController().signal })).toBe(false);
  });
});
