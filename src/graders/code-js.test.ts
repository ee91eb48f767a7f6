import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertionFromConfig, parseGraderSpec } from '../cases/grader-spec.js';
import type { Assertion } from '../cases/types.js';
import { functionBody } from './code-js.js';
import { gradeAssertion } from './grade.js';
import { makeContext } from './test-context.js';
import { validateAssertion } from './validate.js';

/**
 * promptfoo's `javascript` grader (its assertions/javascript.ts): the value is a function body with
 * `output` and `context`; a boolean is pass/fail, a number passes when > 0 (or ≥ the threshold) and
 * is the score, a {pass, score, reason} object is taken as is (its score kept under `not-`). A
 * throw, a timeout or any other value is an error, never a pass, negated or not.
 */

const source = { file: 'evals/t.csv', line: 2 };
const spec = (text: string): Assertion => parseGraderSpec(text, source);
let root: string;
const context = (extra = {}) =>
  makeContext({
    rootDir: root,
    vars: { city: 'Paris' },
    messages: [{ role: 'user', content: 'Name a city.' }],
    env: { PROMPTGATE_GRADER_TIMEOUT_MS: '30000' },
    ...extra,
  });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promptgate-code-js-'));
  await mkdir(join(root, 'evals', 'graders'), { recursive: true });
  await writeFile(join(root, 'evals/graders/len.mjs'), 'export default (output) => output.length < 5;\nexport function isLong(output) { return output.length >= 5; }\n');
  // TypeScript modules (through jiti) are covered end to end (test/e2e/graders-code.test.ts): jiti costs ~1 s to load.
  await writeFile(join(root, 'evals/graders/score.mjs'), 'export function score(output, context) {\n  return output.includes(String(context.vars.city)) ? 0.75 : 0.25;\n}\n');
  await writeFile(join(root, 'evals/graders/legacy.cjs'), "module.exports = (output) => ({ pass: output === 'ok', score: 0.5, reason: 'from cjs' });\n");
  await writeFile(join(root, 'evals/graders/throws.mjs'), "throw new Error('broken module');\n");
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('javascript grader: promptfoo verdicts', () => {
  // [spec, output, pass, score]
  const rows: Array<[string | Assertion, string, boolean, number]> = [
    ['javascript:output.length < 10', 'short', true, 1],
    ['javascript:output.length < 10', 'a long output here', false, 0],
    ['not-javascript:output.length < 10', 'short', false, 0],
    ['not-javascript:output.length < 10', 'a long output here', true, 1],
    ['fn:output.includes(context.vars.city)', 'Paris!', true, 1],
    ['eval:context.prompt === "Name a city."', 'x', true, 1],
    // A number: the score; passes when > 0, or ≥ the threshold; under not- the score is kept.
    ['javascript:output.length / 10', 'abcde', true, 0.5],
    ['javascript(0.6):output.length / 10', 'abcde', false, 0.5],
    ['not-javascript(0.6):output.length / 10', 'abcde', true, 0.5],
    ['javascript:0', 'x', false, 0],
    ['javascript:2', 'x', true, 1],
    ['javascript:-1', 'x', false, 0],
    // A grading result: as is (promptfoo ignores a JavaScript threshold for it).
    ["javascript:({ pass: true, score: 0.25, reason: 'ok' })", 'x', true, 0.25],
    ["javascript(0.9):({ pass: true, score: 0.25, reason: 'ok' })", 'x', true, 0.25],
    ["not-javascript:({ pass: true, score: 0.25, reason: 'ok' })", 'x', false, 0.25],
    // One line starting with a declaration returns its last statement; several lines are a body.
    ['javascript:const n = output.length; n > 3', 'abcd', true, 1],
    ["javascript:const s = output; s === 'a;b'", 'a;b', true, 1],
    ['javascript:const r = /;/; r.test(output);', 'x;y', true, 1],
    ["javascript:const words = output.split(' ');\nreturn words.length === 2;", 'hi there', true, 1],
    ['javascript:Promise.resolve(output === "x")', 'x', true, 1],
    ['javascript:context.test.vars.city === "Paris" && context.test.assert.length === 1 && context.providerResponse.output === output', 'y', true, 1],
    [assertionFromConfig({ type: 'javascript', value: 'output.length <= context.config.max', config: { max: 3 } }, source), 'abc', true, 1],
    // file://, relative to the case file: default export, a named export, CommonJS.
    ['file://graders/len.mjs', 'abc', true, 1],
    ['file://graders/len.mjs:isLong', 'abc', false, 0],
    ['file://graders/score.mjs:score', 'in Paris', true, 0.75],
    ['javascript(0.5):file://graders/score.mjs:score', 'in Rome', false, 0.25],
    ['file://graders/legacy.cjs', 'ok', true, 0.5],
  ];

  it.each(rows)('%s on %j', async (written, output, pass, score) => {
    const assertion = typeof written === 'string' ? spec(written) : written;
    const grade = await gradeAssertion(output, assertion, context());
    expect(grade.errored, grade.reason).toBeUndefined();
    expect([grade.pass, grade.score]).toEqual([pass, score]);
  });

  it('records the type as javascript and keeps a result object’s reason', async () => {
    expect(spec('fn:true')).toMatchObject({ type: 'javascript', value: 'true' });
    expect(spec('file://graders/len.mjs:isLong')).toMatchObject({ type: 'javascript', value: 'file://graders/len.mjs:isLong' });
    expect((await gradeAssertion('x', spec("javascript:({ pass: false, score: 0, reason: 'too short' })"), context())).reason).toBe('too short');
  });

  // [spec, output, reason]
  const errors: Array<[string, string]> = [
    ['javascript:output.nope()', 'javascript threw TypeError: output.nope is not a function'],
    ['not-javascript:output.nope()', 'javascript threw TypeError: output.nope is not a function'],
    ['javascript:missingName', 'javascript threw ReferenceError: missingName is not defined'],
    ["javascript:'yes'", 'javascript returned string "yes"; expected a boolean, a finite number, or {pass: boolean, score: number, reason: string}'],
    ['not-javascript:({ pass: true })', 'javascript returned an object with keys pass; expected a boolean, a finite number, or {pass: boolean, score: number, reason: string}'],
    ['javascript:NaN', 'javascript returned NaN; expected a boolean, a finite number, or {pass: boolean, score: number, reason: string}'],
    ['javascript:Promise.reject(new Error("nope"))', 'javascript threw Error: nope'],
    ['javascript:(() => { while (true) {} })()', 'javascript timed out after 200 ms'],
    ['not-javascript:new Promise(() => {})', 'javascript timed out after 200 ms'],
    ['file://graders/len.mjs:nope', "evals/graders/len.mjs exports no function 'nope'"],
    ['file://graders/missing.mjs', 'evals/graders/missing.mjs: file not found'],
    ['file://graders/throws.mjs', 'evals/graders/throws.mjs: failed to load: broken module'],
  ];

  it.each(errors)('%s is an error, never a pass', async (written, reason) => {
    // Code that never ends always runs out of time (a short timeout for it, a long one elsewhere).
    const timeout = reason.includes('timed out') ? '200' : '30000';
    const grade = await gradeAssertion('abc', spec(written), context({ env: { PROMPTGATE_GRADER_TIMEOUT_MS: timeout } }));
    expect(grade).toMatchObject({ pass: false, score: 0, errored: true });
    expect(grade.reason).toBe(reason);
  });
});

describe('javascript grader: check', () => {
  const problem = async (assertion: Assertion, graders: Record<string, unknown> = {}) =>
    (await validateAssertion(assertion, { graders, rootDir: root, hasJudge: false }))?.message;

  it('refuses code that does not compile, a missing module or function, and a config grader name', async () => {
    expect(await problem(spec('javascript:output.length <'))).toMatch(/^evals\/t\.csv:2: invalid grader javascript:output\.length <: the code does not compile: /);
    expect(await problem(spec('file://graders/missing.mjs'))).toContain('evals/graders/missing.mjs: file not found');
    expect(await problem(spec('file://graders/len.mjs:nope'))).toContain("evals/graders/len.mjs exports no function 'nope'");
    expect(await problem(spec('javascript:wordCount'), { wordCount: () => true })).toContain("'wordCount' is a grader in the config, but javascript: runs its value as code");
    expect(await problem(spec('javascript:output.length < 5'))).toBeUndefined();
    expect(await problem(spec('file://graders/score.mjs:score'))).toBeUndefined();
  });

  it('builds the body as promptfoo does', () => {
    expect(functionBody('output.length < 5')).toBe('return output.length < 5');
    expect(functionBody("const s = 'a;b'; s === output;")).toBe("const s = 'a;b'; return (s === output\n);");
    expect(functionBody('const x = 1;\nreturn x;')).toBe('const x = 1;\nreturn x;');
  });
});
