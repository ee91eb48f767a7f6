import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { listPromptFiles, loadPromptFile } from './load.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promptgate-prompts-'));
  await mkdir(join(root, 'prompts'));
  await writeFile(join(root, 'prompts', 'b.prompt'), '---\nversion: 1.0.0\n---\nB {{x}}\n');
  await writeFile(join(root, 'prompts', 'a.prompt'), '---\nversion: 2.0.0\n---\nA\n');
  await writeFile(join(root, 'prompts', 'notes.txt'), 'not a prompt');
  await writeFile(join(root, 'prompts', 'bad.prompt'), Buffer.concat([Buffer.from('---\nversion: 1.0.0\n---\nok\nbad '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function loadError(path: string): Promise<PromptgateError> {
  try {
    await loadPromptFile(path, root);
  } catch (error) {
    if (error instanceof PromptgateError) return error;
    throw error;
  }
  throw new Error('expected a PromptgateError');
}

describe('listPromptFiles', () => {
  it('lists *.prompt files sorted, as absolute paths', async () => {
    expect(await listPromptFiles(join(root, 'prompts'))).toEqual(['a.prompt', 'b.prompt', 'bad.prompt'].map((name) => join(root, 'prompts', name)));
  });

  it('a missing folder gives no files', async () => {
    expect(await listPromptFiles(join(root, 'nope'))).toEqual([]);
  });
});

describe('loadPromptFile', () => {
  it('stores the path relative to the root with /', async () => {
    const prompt = await loadPromptFile(join(root, 'prompts', 'b.prompt'), root);
    expect(prompt.path).toBe('prompts/b.prompt');
    expect(prompt.id).toBe('b');
    expect(prompt.variables).toEqual(['x']);
  });

  it('a missing file is FILE_MISSING', async () => {
    const error = await loadError(join(root, 'prompts', 'zzz.prompt'));
    expect(error.code).toBe('FILE_MISSING');
    expect(error.location?.file).toBe('prompts/zzz.prompt');
  });

  it('invalid UTF-8 names the line', async () => {
    const error = await loadError(join(root, 'prompts', 'bad.prompt'));
    expect(error.code).toBe('PROMPT_INVALID');
    expect(error.location).toEqual({ file: 'prompts/bad.prompt', line: 5 });
  });

  it('refuses ids that are not plain names (path traversal guard)', async () => {
    const error = await loadError(join(root, 'prompts', '..prompt'));
    expect(error.code).toBe('PATH_UNSAFE');
  });
});
