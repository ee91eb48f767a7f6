import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGraderSpec } from '../cases/grader-spec.js';
import type { Assertion } from '../cases/types.js';
import { pythonScript } from './code-python.js';
import { gradeAssertion } from './grade.js';
import { makeContext } from './test-context.js';
import { validateAssertion } from './validate.js';

/**
 * promptfoo's `python` grader (its assertions/python.ts), run by a python3 process: inline code is
 * the body of `main(output, context)`; `file://x.py[:fn]` calls `get_assert` or `fn`. Results as
 * promptfoo reads them: booleans, "true"/"false" strings, numbers (> 0, or ≥ the threshold), dicts
 * or JSON strings with pass/score/reason (a threshold fails a lower score). Needs python3 on PATH.
 */

const source = { file: 'evals/t.csv', line: 2 };
const spec = (text: string): Assertion => parseGraderSpec(text, source);
let root: string;
const context = (env: Record<string, string> = {}) =>
  makeContext({ rootDir: root, vars: { city: 'Paris' }, messages: [{ role: 'user', content: 'Name a city.' }], env: { ...process.env, PROMPTGATE_GRADER_TIMEOUT_MS: '30000', ...env } });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promptgate-code-py-'));
  await mkdir(join(root, 'evals', 'graders'), { recursive: true });
  await writeFile(join(root, 'evals/graders/helper.py'), 'LIMIT = 5\n');
  await writeFile(
    join(root, 'evals/graders/check.py'),
    [
      'import asyncio',
      'from helper import LIMIT',
      '',
      'def get_assert(output, context):',
      "    return {'pass': len(output) < LIMIT, 'score': 0.5, 'reason': 'module folder on sys.path'}",
      '',
      'async def mentions_city(output, context):',
      '    await asyncio.sleep(0)',
      "    print('user output goes to stderr, not into the reply')",
      "    return context['vars']['city'] in output",
      '',
      'def snake(output, context):',
      "    return {'pass': True, 'score': 0.8, 'reason': 'snake', 'named_scores': {'a': 1}}",
      '',
      'def boom(output, context):',
      "    raise ValueError('bad output')",
    ].join('\n'),
  );
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('python grader: promptfoo verdicts', () => {
  // [spec, output, pass, score]
  const rows: Array<[string, string, boolean, number]> = [
    ['python:len(output) < 5', 'abc', true, 1],
    ['python:len(output) < 5', 'abcdef', false, 0],
    ['not-python:len(output) < 5', 'abc', false, 0],
    ['python:len(output) / 10', 'abcde', true, 0.5],
    ['python(0.6):len(output) / 10', 'abcde', false, 0.5],
    ['not-python(0.6):len(output) / 10', 'abcde', true, 0.5],
    ["python:{'pass': True, 'score': 0.3, 'reason': 'dict'}", 'x', true, 0.3],
    ["python(0.5):{'pass': True, 'score': 0.3, 'reason': 'dict'}", 'x', false, 0.3],
    ["python:'TRUE'", 'x', true, 1],
    ["python:'false'", 'x', false, 0],
    ['python:\'{"pass": false, "score": 0.2, "reason": "json"}\'', 'x', false, 0.2],
    ["python:'0.7'", 'x', true, 0.7],
    ["python:context['vars']['city'] in output and context['prompt'] == 'Name a city.'", 'Paris', true, 1],
    ['python:words = output.split()\nreturn len(words) == 2', 'hi there', true, 1],
    ['python:if output:\n    return 1\nreturn 0', 'x', true, 1],
    ['file://graders/check.py', 'abc', true, 0.5],
    ['file://graders/check.py:mentions_city', 'in Paris', true, 1],
    ['file://graders/check.py:snake', 'x', true, 0.8],
  ];

  it.each(rows)('%s on %j', async (written, output, pass, score) => {
    const grade = await gradeAssertion(output, spec(written), context());
    expect(grade.errored, grade.reason).toBeUndefined();
    expect([grade.pass, grade.score]).toEqual([pass, score]);
  });

  // [spec, reason]
  const errors: Array<[string, string]> = [
    ['python:1/0', 'python raised ZeroDivisionError: division by zero (line 1 of the code)'],
    ['not-python:1/0', 'python raised ZeroDivisionError: division by zero (line 1 of the code)'],
    ['python:None', 'python returned null; expected a boolean, a number, or {pass: boolean, score: number, reason: string}'],
    ["python:{'pass': True}", 'python returned an object with keys pass; expected a boolean, a finite number, or {pass: boolean, score: number, reason: string}'],
    ['file://graders/check.py:boom', 'graders/check.py:boom raised ValueError: bad output'],
    ['file://graders/check.py:nope', 'graders/check.py:nope raised LookupError: check.py has no function nope'],
  ];

  it.each(errors)('%s is an error, never a pass', async (written, reason) => {
    const grade = await gradeAssertion('abc', spec(written), context());
    expect(grade).toMatchObject({ pass: false, score: 0, errored: true, reason });
  });

  it('a grader that runs past the timeout is an error, and the next one runs', async () => {
    const slow = await gradeAssertion('abc', spec("python:__import__('time').sleep(30)"), context({ PROMPTGATE_GRADER_TIMEOUT_MS: '300' }));
    expect(slow).toMatchObject({ pass: false, errored: true, reason: 'python grader timed out after 300 ms' });
    expect(await gradeAssertion('abc', spec('python:True'), context())).toMatchObject({ pass: true });
  });

  it('without Python 3 the grader is an error naming what was tried', async () => {
    const grade = await gradeAssertion('abc', spec('python:True'), context({ PROMPTGATE_PYTHON: join(root, 'no-python') }));
    expect(grade).toMatchObject({ pass: false, errored: true });
    expect(grade.reason).toBe(`python graders need Python 3, and none was found (tried ${join(root, 'no-python')}: not found) (set PROMPTGATE_PYTHON to a Python 3 executable, or unset it to use python3 from PATH)`);
  });
});

describe('python grader: check', () => {
  const problem = async (assertion: Assertion, env: Record<string, string | undefined> = process.env) =>
    (await validateAssertion(assertion, { graders: {}, rootDir: root, hasJudge: false, env }))?.message;

  it('refuses code that does not compile, a missing file or function, and a missing Python', async () => {
    expect(await problem(spec('python:len(output) <'))).toBe('evals/t.csv:2: invalid grader python:len(output) <: the code does not compile: SyntaxError: invalid syntax (line 1 of the code)');
    expect(await problem(spec('file://graders/nope.py'))).toBe('evals/t.csv:2: invalid grader file://graders/nope.py: evals/graders/nope.py: file not found');
    expect(await problem(spec('file://graders/check.py:nope'))).toBe('evals/t.csv:2: invalid grader file://graders/check.py:nope: evals/graders/check.py defines no function nope');
    expect(await problem(spec('file://graders/check.py:mentions_city'))).toBeUndefined();
    expect(await problem(spec('python:len(output) < 5'))).toBeUndefined();
    const missing = await validateAssertion(spec('python:True'), { graders: {}, rootDir: root, hasJudge: false, env: { PATH: join(root, 'empty') } });
    expect(missing?.message).toBe('evals/t.csv:2: invalid grader python:True: python graders need Python 3, and none was found (tried python3: not found, python: not found)');
    expect(missing?.hint).toBe('install Python 3, or set PROMPTGATE_PYTHON to its path');
  });

  it('builds the module as promptfoo does', () => {
    expect(pythonScript('len(output) < 5')).toBe('import json\n\ndef main(output, context):\n    return len(output) < 5\n');
    expect(pythonScript('if x:\n  return 1\nreturn 0')).toBe('import json\n\ndef main(output, context):\n  if x:\n    return 1\n  return 0\n');
  });
});
