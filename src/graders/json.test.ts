import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGraderSpec } from '../cases/grader-spec.js';
import { gradeAssertion } from './grade.js';
import { extractJson, findJsonFence } from './json.js';
import { findJsonObjects } from './json-objects.js';
import { makeAssertion, makeContext } from './test-context.js';

const root = mkdtempSync(join(tmpdir(), 'promptgate-graders-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
writeFileSync(join(root, 'answer.schema.json'), JSON.stringify({ type: 'object', required: ['answer'], properties: { answer: { type: 'string' } } }));
writeFileSync(join(root, 'broken.json'), '{ not json');
writeFileSync(join(root, 'answer.yaml'), 'type: object\nproperties:\n  answer: {type: string}\n');
const context = makeContext({ rootDir: root });

const personSchema = {
  type: 'object',
  required: ['name', 'age', 'email'],
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 }, email: { type: 'string', format: 'email' } },
};

describe('JSON extraction', () => {
  it('takes the first json or untagged fenced block, skipping other languages', () => {
    expect(findJsonFence('text\n```json\n{"a":1}\n```\n```json\n{"a":2}\n```')).toBe('{"a":1}');
    expect(findJsonFence('```python\nprint(1)\n```\nthen\n```\n[1]\n```')).toBe('[1]');
    expect(findJsonFence('no fence')).toBeUndefined();
    expect(extractJson('  {"a": 1}\n')).toEqual({ ok: true, value: { a: 1 } });
    expect(extractJson('oops').ok).toBe(false);
  });
});

describe('is-json (promptfoo: JSON.parse of the whole output)', () => {
  it('passes on JSON and fails on text', async () => {
    expect((await gradeAssertion(' [1, 2] \n', makeAssertion('is-json'), context)).pass).toBe(true);
    expect((await gradeAssertion('"a string"', makeAssertion('is-json'), context)).pass).toBe(true);
    const text = await gradeAssertion('hello', makeAssertion('is-json'), context);
    expect(text).toMatchObject({ pass: false, score: 0 });
    expect(text.reason).toContain('not valid JSON');
  });

  it('is strict about fences and says what accepts them', async () => {
    const fenced = await gradeAssertion('```json\n{"a":1}\n```', makeAssertion('is-json'), context);
    expect(fenced.pass).toBe(false);
    expect(fenced.reason).toContain('`contains-json` or `schema` accept that');
  });

  it('not-is-json passes on text', async () => {
    expect((await gradeAssertion('hello', makeAssertion('is-json', undefined, { negate: true }), context)).pass).toBe(true);
  });

  it('checks a schema: an object, inline JSON or YAML text, or file:// relative to the case file', async () => {
    const inCase = (value: unknown) => makeAssertion('is-json', value, { source: { file: 'cases/t.csv', line: 2 } });
    for (const value of [{ type: 'object', required: ['answer'] }, '{"type":"object","required":["answer"]}', 'type: object\nrequired: [answer]', 'file://../answer.schema.json']) {
      expect((await gradeAssertion('{"answer":"x"}', inCase(value), context)).pass, JSON.stringify(value)).toBe(true);
      expect((await gradeAssertion('{"other":"x"}', inCase(value), context)).pass, JSON.stringify(value)).toBe(false);
    }
    // Valid JSON that misses the schema: not-is-json passes (promptfoo: inverse of the schema verdict).
    expect((await gradeAssertion('{"answer":1}', makeAssertion('is-json', 'file://answer.schema.json', { negate: true }), context)).pass).toBe(true);
    expect((await gradeAssertion('{"answer":"a"}', makeAssertion('is-json', 'file://answer.yaml'), context)).pass).toBe(true);
  });

  it('reads an inline schema at load time, but leaves a {{template}} to be rendered first', () => {
    const source = { file: 'evals/t.csv', line: 2 };
    expect(parseGraderSpec('is-json:type: object', source).value).toEqual({ type: 'object' });
    expect(parseGraderSpec('contains-json:{{ schema }}', source).value).toBe('{{ schema }}');
    expect(parseGraderSpec('is-json:file://s.json', source).value).toBe('file://s.json');
  });

  it('a schema that cannot be read or is not a schema is an error, also negated', async () => {
    const cases: Array<[unknown, string]> = [
      ['file://missing.json', 'file not found: missing.json'],
      ['file://broken.json', 'broken.json is not valid JSON'],
      ['file://../outside.json', '../outside.json leaves the project folder'],
      ['answer.schema.json', 'is not a JSON Schema'],
      [{ type: 'objekt' }, 'invalid JSON Schema'],
    ];
    for (const [value, reason] of cases) {
      const graded = await gradeAssertion('{"answer":"x"}', makeAssertion('is-json', value, { negate: true }), context);
      expect(graded, reason).toMatchObject({ pass: false, score: 0, errored: true });
      expect(graded.reason).toContain(reason);
    }
  });
});

describe('contains-json (promptfoo: JSON objects found in the text)', () => {
  const schema = { type: 'object', required: ['name'] };
  /** [output, schema, negated, pass] */
  const ROWS: Array<[string, unknown, boolean, boolean]> = [
    ['Sure! {"name": "Ada", "age": 36} is the record.', undefined, false, true],
    ['Here:\n```json\n{"name": "Ada"}\n```', undefined, false, true],
    ['no braces here', undefined, false, false],
    ['no braces here', undefined, true, true],
    ['[1, 2, 3] is an array, not an object', undefined, false, false],
    // promptfoo reads candidates as YAML: unquoted keys, comments, a missing closing brace at the end
    ['{name: Ada}', undefined, false, true],
    ['{"name": "Ada", // the name\n "age": 36}', undefined, false, true],
    ['{"name": "Ada", "age": 36', undefined, false, true],
    ['Use the {placeholder} syntax.', undefined, false, true],
    ['{"a": 1} then {"name": "Ada"}', schema, false, true],
    ['{"a": 1} then {"b": 2}', schema, false, false],
    ['{"a": 1} then {"b": 2}', schema, true, true],
    ['{"a": 1} then {"name": "Ada"}', schema, true, false],
    ['{"url": "http://x.test/a"}', { type: 'object', properties: { url: { const: 'http://x.test/a' } } }, false, true],
  ];
  it.each(ROWS)('%j (schema %j, not: %s) → %s', async (output, value, negate, pass) => {
    const graded = await gradeAssertion(output, makeAssertion('contains-json', value, { negate }), context);
    expect(graded.errored).toBeUndefined();
    expect(graded.pass).toBe(pass);
  });

  it('finds each object once, and goes on after it', () => {
    expect(findJsonObjects('{"a": {"b": 1}} and {"c": 2}')).toEqual([{ a: { b: 1 } }, { c: 2 }]);
    expect(findJsonObjects('{ broken: [ } {"ok": true}')).toEqual([{ ok: true }]);
  });
});

describe('schema', () => {
  it('validates inline object schemas with formats', async () => {
    const ok = await gradeAssertion('{"name":"Ada","age":36,"email":"ada@example.com"}', makeAssertion('schema', personSchema), context);
    expect(ok).toMatchObject({ pass: true, score: 1 });
    const bad = await gradeAssertion('{"name":"Ada","age":-1,"email":"nope"}', makeAssertion('schema', personSchema), context);
    expect(bad.pass).toBe(false);
    expect(bad.reason).toContain('/age must be >= 0');
    expect(bad.reason).toContain('/email must match format "email"');
  });

  it('lists at most 3 ajv errors', async () => {
    const schema = { type: 'object', required: ['a', 'b', 'c', 'd', 'e'] };
    const graded = await gradeAssertion('{}', makeAssertion('schema', schema), context);
    expect(graded.reason.match(/must have required property/g)).toHaveLength(3);
    expect(graded.reason).toContain('(+2 more)');
  });

  it('takes JSON from a fenced block', async () => {
    const output = 'Sure! Here it is:\n```json\n{"answer": "42"}\n```\nAnything else?';
    expect((await gradeAssertion(output, makeAssertion('schema', 'answer.schema.json'), context)).pass).toBe(true);
  });

  it('reads a schema path relative to the root, and inline JSON text', async () => {
    expect((await gradeAssertion('{"answer":"yes"}', makeAssertion('schema', './answer.schema.json'), context)).pass).toBe(true);
    expect((await gradeAssertion('{"answer":"yes"}', makeAssertion('schema', '{"type":"array"}'), context)).pass).toBe(false);
  });

  it('fails non-JSON output as a normal failure (not-schema passes)', async () => {
    const graded = await gradeAssertion('text', makeAssertion('schema', personSchema), context);
    expect(graded.pass).toBe(false);
    expect(graded.errored).toBeFalsy();
    expect((await gradeAssertion('text', makeAssertion('schema', personSchema, { negate: true }), context)).pass).toBe(true);
  });

  it('a missing, broken, escaping or invalid schema is an error, also negated', async () => {
    const cases: Array<[unknown, string]> = [
      ['missing.json', 'schema file not found: missing.json'],
      ['broken.json', 'schema file broken.json is not valid JSON'],
      ['../outside.json', 'leaves the project root'],
      [{ type: 'objekt' }, 'invalid JSON Schema'],
      [undefined, 'schema needs a JSON Schema'],
    ];
    for (const [value, reason] of cases) {
      const graded = await gradeAssertion('{"answer":"x"}', makeAssertion('schema', value, { negate: true }), context);
      expect(graded).toMatchObject({ pass: false, score: 0, errored: true });
      expect(graded.reason).toContain(reason);
    }
  });

  it('follows $schema 2020-12', async () => {
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'number' }], items: false };
    expect((await gradeAssertion('[1]', makeAssertion('schema', schema), context)).pass).toBe(true);
    expect((await gradeAssertion('[1, 2]', makeAssertion('schema', schema), context)).pass).toBe(false);
  });

  it('two schemas with the same $id do not clash', async () => {
    const one = { $id: 'https://example.com/s', type: 'string' };
    const two = { $id: 'https://example.com/s', type: 'number' };
    expect((await gradeAssertion('"x"', makeAssertion('schema', one), context)).pass).toBe(true);
    expect((await gradeAssertion('3', makeAssertion('schema', two), context)).pass).toBe(true);
  });
});
