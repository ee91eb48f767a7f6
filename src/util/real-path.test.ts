import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realPathOutside } from './real-path.js';

describe('realPathOutside', () => {
  let base: string;
  let project: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'pg-realpath-'));
    project = join(base, 'project');
    await mkdir(join(project, 'evals'), { recursive: true });
    await writeFile(join(base, 'secret.txt'), 'secret');
    await writeFile(join(project, 'evals', 'a.csv'), 'q\n1\n');
    await symlink(join(base, 'secret.txt'), join(project, 'evals', 'out.csv'));
    await symlink('a.csv', join(project, 'evals', 'in.csv'));
    await mkdir(join(base, 'elsewhere'));
    await writeFile(join(base, 'elsewhere', 'b.csv'), 'q\n2\n');
    await symlink(join(base, 'elsewhere'), join(project, 'linked-dir'));
    await symlink(project, join(base, 'project-link'));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('names the real path of a symlink (or a file under a symlinked folder) that leaves the project', async () => {
    expect(await realPathOutside(join(project, 'evals', 'out.csv'), project)).toMatch(/secret\.txt$/);
    expect(await realPathOutside(join(project, 'linked-dir', 'b.csv'), project)).toMatch(/elsewhere[/\\]b\.csv$/);
  });

  it('accepts plain files, symlinks inside the project, a project reached through a symlink, and missing files', async () => {
    expect(await realPathOutside(join(project, 'evals', 'a.csv'), project)).toBeUndefined();
    expect(await realPathOutside(join(project, 'evals', 'in.csv'), project)).toBeUndefined();
    expect(await realPathOutside(join(base, 'project-link', 'evals', 'a.csv'), join(base, 'project-link'))).toBeUndefined();
    expect(await realPathOutside(join(project, 'evals', 'missing.csv'), project)).toBeUndefined();
  });
});
