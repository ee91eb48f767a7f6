import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
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
    'd.csv': 'q\nsame\nx\nsame\n',
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

  it('two cases with the same variables collide on the default id', async () => {
    const error = await collectError(['a.csv', 'c.jsonl']);
    expect(error.message).toMatch(/^duplicate case id '[0-9a-f]{12}' \(first at evals\/a\.csv:2\)$/);
    expect(error.location).toEqual({ file: 'evals/c.jsonl', line: 3 });
    const sameFile = await collectError(['d.csv']);
    expect(sameFile.message).toMatch(/first at evals\/d\.csv:2/);
    expect(sameFile.location).toEqual({ file: 'evals/d.csv', line: 4 });
  });

  it('an unsupported file type is an input error', async () => {
    const error = await collectError(['notes.txt']);
    expect(error.code).toBe('CASE_INVALID');
    expect(error.message).toMatch(/unsupported case file type '\.txt'/);
  });
});
