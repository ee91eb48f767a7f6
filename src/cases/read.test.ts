import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { caseIdOf } from './case-build.js';
import { readCases } from './read.js';
import type { TestCase } from './types.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promptgate-read-'));
  await mkdir(join(root, 'evals'));
  const files: Record<string, string> = {
    'a.csv': 'q,__id,__expected\none,,contains:1\ntwo,t2,contains:2\n',
    'b.jsonl': '{"vars": {"q": "three"}}\n{"id": "t2", "vars": {"q": "other"}}\n',
    'c.jsonl': '{"vars": {"q": "four"}}\n\n{"vars": {"q": "one"}}\n',
    'd.csv': 'q\nsame\nx\nsame\nsame\n',
    'e.csv': 'q\nnew\nsame\nx\nsame\nsame\n',
    'f.csv': 'q,__expected\nsame,contains:a\nsame,contains:b\nsame,contains:c\n',
    'g.csv': 'q,__expected\nsame,contains:a\nsame,contains:c\nsame,contains:b\n',
    'ok.jsonl': '{"vars": {"q": "five"}}\n',
    'notes.txt': 'hello',
  };
  for (const [name, content] of Object.entries(files)) await writeFile(join(root, 'evals', name), content);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const path = (name: string) => join(root, 'evals', name);

async function collect(names: string[]): Promise<TestCase[]> {
  const cases: TestCase[] = [];
  for await (const testCase of readCases(names.map(path), { rootDir: root })) cases.push(testCase);
  return cases;
}

async function collectError(names: string[]): Promise<PromptgateError> {
  try {
    await collect(names);
  } catch (error) {
    if (error instanceof PromptgateError) return error;
    throw error;
  }
  throw new Error('expected a PromptgateError');
}

describe('readCases', () => {
  it('reads several files in order, CSV and JSONL', async () => {
    const cases = await collect(['a.csv', 'ok.jsonl']);
    expect(cases.map((c) => [c.vars.q, c.source.file, c.source.line])).toEqual([
      ['one', 'evals/a.csv', 2],
      ['two', 'evals/a.csv', 3],
      ['five', 'evals/ok.jsonl', 1],
    ]);
  });

  it('a duplicate explicit id across files names the second occurrence and the first', async () => {
    const error = await collectError(['a.csv', 'b.jsonl']);
    expect(error.code).toBe('CASE_INVALID');
    expect(error.message).toBe("duplicate case id 't2' (first at evals/a.csv:3)");
    expect(error.location).toEqual({ file: 'evals/b.jsonl', line: 2 });
  });

  it('two rows with the same variables are two cases: the first keeps the hash of its variables, later ones get ids of their own', async () => {
    const [one, , , oneAgain] = await collect(['a.csv', 'c.jsonl']);
    expect(one.id).toBe(caseIdOf({ q: 'one' }));
    expect(oneAgain.vars).toEqual({ q: 'one' });
    expect(oneAgain.id).toMatch(/^[0-9a-f]{12}$/);
    expect(oneAgain.id).not.toBe(one.id);
    // Rows equal in variables and assertions: an ordinal; an unrelated row inserted before them changes no id.
    const same = await collect(['d.csv']);
    expect(same.map((c) => c.id)).toEqual([caseIdOf({ q: 'same' }), caseIdOf({ q: 'x' }), expect.stringMatching(/^[0-9a-f]{12}$/), `${same[2].id}-2`]);
    const inserted = await collect(['e.csv']);
    expect(inserted.map((c) => c.id)).toEqual([caseIdOf({ q: 'new' }), ...same.map((c) => c.id)]);
    // Different assertions: different ids, whatever the order of the later rows.
    const differ = await collect(['f.csv']);
    const swapped = await collect(['g.csv']);
    expect(differ[0].id).toBe(caseIdOf({ q: 'same' }));
    expect(new Set(differ.map((c) => c.id)).size).toBe(3);
    expect(swapped.find((c) => c.assertions[0]?.value === 'b')?.id).toBe(differ.find((c) => c.assertions[0]?.value === 'b')?.id);
    expect(swapped.find((c) => c.assertions[0]?.value === 'c')?.id).toBe(differ.find((c) => c.assertions[0]?.value === 'c')?.id);
  });

  it('an unsupported file type is an input error', async () => {
    const error = await collectError(['notes.txt']);
    expect(error.code).toBe('CASE_INVALID');
    expect(error.message).toMatch(/unsupported case file type '\.txt'/);
  });
});
