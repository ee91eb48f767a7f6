import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { resolveCaseFiles } from './resolve.js';

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'promptgate-resolve-'));
  root = join(base, 'project');
  await mkdir(join(root, 'evals', 'qa'), { recursive: true });
  await mkdir(join(root, 'evals', 'empty'), { recursive: true });
  await mkdir(join(root, 'custom'), { recursive: true });
  for (const file of ['evals/qa.csv', 'evals/qa.jsonl', 'evals/qa/b.csv', 'evals/qa/a.jsonl', 'evals/qa/readme.md', 'evals/solo.jsonl', 'evals/empty/notes.txt', 'custom/x.csv', 'custom/y.jsonl']) {
    await writeFile(join(root, file), 'q\n1\n');
  }
  await writeFile(join(base, 'outside.csv'), 'q\n1\n');
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function resolveError(spec: string | undefined, id = 'qa'): Promise<PromptgateError> {
  try {
    await resolveCaseFiles(spec, id, join(root, 'evals'), root);
  } catch (error) {
    if (error instanceof PromptgateError) return error;
    throw error;
  }
  throw new Error('expected a PromptgateError');
}

const abs = (...files: string[]) => files.map((file) => join(root, file));

describe('resolveCaseFiles', () => {
  it('by convention: evals/<id>.csv, evals/<id>.jsonl and the case files of evals/<id>/', async () => {
    expect(await resolveCaseFiles(undefined, 'qa', join(root, 'evals'), root)).toEqual(abs('evals/qa.csv', 'evals/qa.jsonl', 'evals/qa/a.jsonl', 'evals/qa/b.csv'));
    expect(await resolveCaseFiles(undefined, 'solo', 'evals', root)).toEqual(abs('evals/solo.jsonl'));
    expect(await resolveCaseFiles(undefined, 'nothing', join(root, 'evals'), root)).toEqual([]);
  });

  it('an explicit file, folder or glob, relative to the root', async () => {
    expect(await resolveCaseFiles('custom/x.csv', 'qa', 'evals', root)).toEqual(abs('custom/x.csv'));
    expect(await resolveCaseFiles('custom', 'qa', 'evals', root)).toEqual(abs('custom/x.csv', 'custom/y.jsonl'));
    expect(await resolveCaseFiles('evals/**/*.csv', 'qa', 'evals', root)).toEqual(abs('evals/qa.csv', 'evals/qa/b.csv'));
    expect(await resolveCaseFiles(join(root, 'custom', 'y.jsonl'), 'qa', 'evals', root)).toEqual(abs('custom/y.jsonl'));
  });

  it('a spec that matches nothing is FILE_MISSING naming it', async () => {
    for (const spec of ['custom/none.csv', 'evals/empty', 'nowhere/*.csv']) {
      const error = await resolveError(spec);
      expect(error.code).toBe('FILE_MISSING');
      expect(error.message).toContain(`'${spec}'`);
    }
  });

  it('refuses paths that leave the project folder', async () => {
    for (const spec of ['../outside.csv', 'evals/../../outside.csv', '../*.csv', join(base, 'outside.csv')]) {
      const error = await resolveError(spec);
      expect(error.code).toBe('PATH_UNSAFE');
      expect(error.exitCode).toBe(2);
    }
    expect((await resolveError(undefined, '../outside')).code).toBe('PATH_UNSAFE');
  });
});
