import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGraderSpec } from '../cases/grader-spec.js';
import { gradeAssertion } from './grade.js';
import { makeContext } from './test-context.js';
import { resolveAssertionValue, scriptKindOf } from './value-source.js';

let root: string;
const source = { file: 'evals/sub/cases.csv', line: 3 };
const spec = (text: string) => parseGraderSpec(text, source);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promptgate-values-'));
  await mkdir(join(root, 'evals/sub/expected'), { recursive: true });
  await writeFile(join(root, 'evals/sub/expected/paris.txt'), '  The capital is Paris.\n');
  await writeFile(join(root, 'evals/sub/expected/words.yaml'), '- Paris\n- France\n');
  await writeFile(join(root, 'evals/sub/expected/schema.json'), '{"type": "object", "required": ["city"]}');
  await writeFile(join(root, 'evals/sub/expected/notes.md'), 'x');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('assertion values: {{var}} rendered, file:// read, before every grader', () => {
  const vars = { city: 'Paris', country: 'France', items: ['a', 'b'], spec: 'not-contains:Paris' };

  it.each([
    // [spec, output, pass, score]
    ['contains:{{city}}', 'Paris, France', true, 1],
    ['not-contains:{{ city }}', 'Paris, France', false, 0],
    ['equals:{{city}}, {{country | upper}}', 'Paris, FRANCE', true, 1],
    ['icontains:{{ items | join("-") }}', 'A-B', true, 1],
    ['contains-any:{{city}}, Rome', 'Rome wins', true, 1],
    ['contains-all:{{city}},{{country}}', 'Paris only', false, 0],
    ['starts-with:{% if city %}{{ city }}{% endif %}', 'Paris, France', true, 1],
    ['is-json:{"type": "object", "required": ["{{city}}"]}', '{"Paris": 1}', true, 1],
    ['is-json:{"type": "object", "required": ["{{city}}"]}', '{"Rome": 1}', false, 0],
    // A rendered value is a value, never a new spec: `{{spec}}` is compared as text.
    ['equals:{{spec}}', 'not-contains:Paris', true, 1],
    ['file://expected/paris.txt', 'The capital is Paris.', true, 1],
    ['contains-all:file://expected/words.yaml', 'Paris is in France', true, 1],
    ['is-json:file://expected/schema.json', '{"city": "x"}', true, 1],
    ['is-json:file://expected/schema.json', '{"town": "x"}', false, 0],
  ])('%s on %j → pass %s', async (text, output, pass, score) => {
    const grade = await gradeAssertion(output, spec(text), makeContext({ vars, rootDir: root }));
    expect(grade).toMatchObject({ pass, score, spec: text });
    expect(grade.errored).toBeUndefined();
  });

  it('a value that cannot be resolved is a grader error, never a pass (also under not-)', async () => {
    const context = makeContext({ vars, rootDir: root });
    const cases: Array<[string, RegExp]> = [
      ['contains:{{ topic }}', /^cannot render the value "\{\{ topic \}\}": variable 'topic' is not among the case's variables$/],
      ['not-contains:{{ topic }}', /variable 'topic' is not among/],
      ['contains:{{ env.HOME }}', /`env` is not available/],
      ['contains:{% include "x" %}', /\{% include %\} is not supported/],
      ['equals:file://expected/missing.txt', /^file not found: expected\/missing.txt \(relative to evals\/sub\)$/],
      ['equals:file://expected/notes.md', /unsupported file type/],
      ['equals:file://../../../etc/passwd.txt', /leaves the project folder/],
      ['contains:file://expected/check.py', /a script's result as the expected value of 'contains' is not supported/],
    ];
    for (const [text, reason] of cases) {
      const grade = await gradeAssertion('anything', spec(text), context);
      expect(grade).toMatchObject({ pass: false, score: 0, errored: true });
      expect(grade.reason).toMatch(reason);
    }
  });

  it('leaves plain values, objects and code graders\' script files alone', async () => {
    const context = { vars, rootDir: root };
    const plain = spec('contains:Paris');
    expect(await resolveAssertionValue(plain, context)).toBe(plain);
    const object = { ...spec('is-json'), value: { type: 'object', title: '{{city}}' } };
    expect(await resolveAssertionValue(object, context)).toBe(object);
    const script = { ...spec('js:short'), value: 'file://graders/x.js' };
    expect(await resolveAssertionValue(script, context)).toBe(script);
    expect(scriptKindOf('file://a/b.mjs')).toBe('javascript');
    expect(scriptKindOf('file://a/b.ts:check')).toBe('javascript');
    expect(scriptKindOf('file://b.py:get_assert')).toBe('python');
    expect(scriptKindOf('file://b.txt')).toBeUndefined();
  });
});
