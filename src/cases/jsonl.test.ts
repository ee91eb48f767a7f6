import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { MAX_LINE_BYTES, caseIdOf } from './case-build.js';
import { readJsonlCases } from './jsonl.js';
import type { TestCase } from './types.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promptgate-jsonl-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function read(name: string, content: string | Buffer): Promise<TestCase[]> {
  const file = join(root, name);
  await writeFile(file, content);
  const cases: TestCase[] = [];
  for await (const testCase of readJsonlCases(file, { rootDir: root })) cases.push(testCase);
  return cases;
}

async function readError(name: string, content: string | Buffer): Promise<PromptgateError> {
  try {
    await read(name, content);
  } catch (error) {
    if (error instanceof PromptgateError) return error;
    throw error;
  }
  throw new Error('expected a PromptgateError');
}

const line = (value: unknown) => JSON.stringify(value);

describe('readJsonlCases', () => {
  it('reads every field; skips blank lines; accepts CRLF and a BOM', async () => {
    const content = [
      `\uFEFF${line({ id: 7, vars: { q: 'hi', n: 2, nested: { a: [1] } }, expected: 'contains:hi', description: 'greets', tags: ['smoke', 'fast'], threshold: 0.75 })}`,
      '',
      '   ',
      line({ vars: { q: 'bye' }, assert: [{ type: 'llm-rubric', value: 'is polite', weight: 2, threshold: 0.6 }, 'not-contains:rude'], tags: 'a, b', metric: 'tone', prefix: '> ', suffix: '?', metadata: { owner: 'ana' } }),
    ].join('\r\n');
    const cases = await read('full.jsonl', content);
    expect(cases).toHaveLength(2);
    expect(cases[0]).toMatchObject({
      id: '7',
      vars: { q: 'hi', n: 2, nested: { a: [1] } },
      description: 'greets',
      tags: ['smoke', 'fast'],
      threshold: 0.75,
      source: { file: 'full.jsonl', line: 1 },
    });
    expect(cases[0].assertions).toMatchObject([{ type: 'contains', value: 'hi', negate: false }]);
    expect(cases[1]).toMatchObject({ id: caseIdOf({ q: 'bye' }), tags: ['a', 'b'], prefix: '> ', suffix: '?', metadata: { owner: 'ana' }, source: { line: 4 } });
    expect(cases[1].assertions).toMatchObject([
      { type: 'rubric', value: 'is polite', weight: 2, threshold: 0.6, metric: 'tone' },
      { type: 'contains', value: 'rude', negate: true, metric: 'tone' },
    ]);
  });

  it('promptfoo\'s providerOutput (text, or an object graded as its JSON) and metadata lists', async () => {
    const cases = await read('given.jsonl', [
      line({ vars: { q: 'a' }, providerOutput: 'given text', metadata: { topics: ['x', 'y'] } }),
      line({ vars: { q: 'b' }, providerOutput: { city: 'Paris' } }),
      line({ vars: { q: 'c' }, providerOutput: '' }),
    ].join('\n'));
    expect(cases.map((c) => c.providerOutput)).toEqual(['given text', '{"city":"Paris"}', undefined]);
    expect(cases[0].metadata).toEqual({ topics: ['x', 'y'] });
  });

  it('a last line without a newline is read', async () => {
    const cases = await read('tail.jsonl', `${line({ vars: { a: 1 } })}\n${line({ vars: { a: 2 } })}`);
    expect(cases.map((c) => [c.vars.a, c.source.line])).toEqual([[1, 1], [2, 2]]);
  });

  it('a JSON syntax error names its line', async () => {
    const error = await readError('syntax.jsonl', `${line({ vars: {} })}\n\n{"vars": {"q": "x",}}\n`);
    expect(error.code).toBe('CASE_INVALID');
    expect(error.message).toMatch(/^invalid JSON: /);
    expect(error.location).toEqual({ file: 'syntax.jsonl', line: 3 });
  });

  it.each([
    [[1, 2], /must be a JSON object/],
    [{ vars: [1] }, /"vars" must be an object/],
    [{ vars: 'q=1' }, /"vars" must be an object/],
    [{ vars: {}, tags: 3 }, /"tags" must be a list of strings/],
    [{ vars: {}, tags: ['a', 1] }, /"tags" must be a list of strings/],
    [{ vars: {}, id: { x: 1 } }, /"id" must be a non-empty string or a number/],
    [{ vars: {}, id: '' }, /"id" must be/],
    [{ vars: {}, expect: 'contains:x' }, /unknown key 'expect'/],
    [{ vars: {}, threshold: 'high' }, /"threshold" must be a number/],
    [{ vars: {}, threshold: 2 }, /not a number from 0 to 1/],
    [{ vars: {}, assert: { type: 'contains' } }, /"assert" must be a list/],
    [{ vars: {}, expected: 5 }, /"expected" must be a grader spec string/],
  ])('wrong shape %j is an error on its line', async (value, message) => {
    const error = await readError('shape.jsonl', `${line({ vars: { ok: true } })}\n${line(value)}\n`);
    expect(error.code).toBe('CASE_INVALID');
    expect(error.message).toMatch(message);
    expect(error.location).toEqual({ file: 'shape.jsonl', line: 2 });
  });

  it('a bad grader is GRADER_INVALID on its line', async () => {
    const error = await readError('grader.jsonl', `${line({ vars: {}, assert: [{ type: 'ruby', value: 'x.rb' }] })}\n`);
    expect(error.code).toBe('GRADER_INVALID');
    expect(error.location).toEqual({ file: 'grader.jsonl', line: 1 });
  });

  it('invalid UTF-8 names its line', async () => {
    const bytes = Buffer.concat([Buffer.from(`${line({ vars: {} })}\n{"vars": {"q": "`), Buffer.from([0xff]), Buffer.from('"}}\n')]);
    const error = await readError('latin.jsonl', bytes);
    expect(error.message).toBe('invalid UTF-8');
    expect(error.location).toEqual({ file: 'latin.jsonl', line: 2 });
  });

  it('refuses a line over 10 MB', async () => {
    const error = await readError('huge.jsonl', `${line({ vars: {} })}\n{"vars": {"q": "${'x'.repeat(MAX_LINE_BYTES)}"}}\n`);
    expect(error.message).toBe('line is longer than 10 MB');
    expect(error.location).toEqual({ file: 'huge.jsonl', line: 2 });
  });

  it('refuses values nested deeper than 64 levels (they would overflow the stack later), accepts 64', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const error = await readError('deep.jsonl', `${line({ vars: {} })}\n{"vars": {"q": ${nested(100_000)}}}\n`);
    expect(error.message).toBe('values are nested more than 64 levels deep');
    expect(error.location).toEqual({ file: 'deep.jsonl', line: 2 });
    const ok = await read('ok.jsonl', `{"vars": {"q": ${nested(62)}}}\n`);
    expect(ok).toHaveLength(1);
  });

  it('multi-byte characters across read chunks are kept intact', async () => {
    const text = '€'.repeat(40_000);
    const cases = await read('wide.jsonl', `${line({ vars: { t: text } })}\n${line({ vars: { t: 'b' } })}\n`);
    expect(cases.map((c) => [c.vars.t, c.source.line])).toEqual([[text, 1], ['b', 2]]);
  });
});
