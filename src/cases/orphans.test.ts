import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrphanCaseFiles, globFiles, plainFiles } from './orphans.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promptgate-orphans-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A project folder holding `files` (relative paths; a value `-> target` is a symlink). */
async function tree(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    if (content.startsWith('-> ')) await symlink(content.slice(3), file);
    else await writeFile(file, content);
  }
  return dir;
}

const sorted = (files: string[] | undefined) => files && [...files].sort();

describe('the files of an evals folder', () => {
  it('a folder of plain files and folders is read without a glob, with the glob\'s answer', async () => {
    const evals = await tree('plain', { 'a.csv': 'q', 'b.JSONL': '{}', 'notes.txt': '', 'a/x.csv': 'q', 'a/b/c/deep.jsonl': '{}', 'empty/keep.md': '' });
    const plain = await plainFiles(evals);
    expect(plain).toBeDefined();
    expect(sorted(plain)).toEqual(sorted(await globFiles(evals)));
    expect(sorted(plain)?.map((file) => file.slice(evals.length + 1))).toEqual(['a.csv', 'a/b/c/deep.jsonl', 'a/x.csv', 'b.JSONL', 'empty/keep.md', 'notes.txt']);
  });

  it('a dot entry, node_modules or a symlink anywhere leaves it to the glob', async () => {
    const cases: Record<string, Record<string, string>> = {
      dotFile: { 'a.csv': 'q', 'sub/.hidden.csv': 'q' },
      dotFolder: { 'a.csv': 'q', '.cache/x.csv': 'q' },
      nodeModules: { 'a.csv': 'q', 'sub/node_modules/pkg/x.csv': 'q' },
      fileLink: { 'a.csv': 'q', 'linked.csv': '-> a.csv' },
      folderLink: { 'real/a.csv': 'q', 'sub/link': '-> ../real' },
    };
    for (const [name, files] of Object.entries(cases)) {
      expect(await plainFiles(await tree(name, files)), name).toBeUndefined();
    }
    expect(await plainFiles(join(root, 'missing'))).toBeUndefined();
  });

  it('orphans: unclaimed case files at any depth, not skipped folders, not ignored ones, sorted', async () => {
    const dir = await tree('project', { 'evals/p.csv': 'q', 'evals/q.csv': 'q', 'evals/p/more.jsonl': '{}', 'evals/x/y/z.csv': 'q', 'evals/reports/r.csv': 'q', 'evals/old.csv': 'q', 'evals/readme.md': '' });
    const evals = join(dir, 'evals');
    const input = { rootDir: dir, evalsDir: evals, promptsDir: join(dir, 'prompts'), claimed: new Set([join(evals, 'p.csv')]), promptIds: ['p'], suitePrompts: new Set(['p']), skip: [join(evals, 'reports')] };
    expect(await findOrphanCaseFiles(input)).toEqual(['evals/old.csv', 'evals/p/more.jsonl', 'evals/q.csv', 'evals/x/y/z.csv'].map((file) => join(dir, file)));
    expect(await findOrphanCaseFiles({ ...input, ignore: ['evals/old.csv', 'evals/x/**'] })).toEqual([join(evals, 'p/more.jsonl'), join(evals, 'q.csv')]);
  });
});
