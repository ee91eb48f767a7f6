import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, gitIn, initRepo } from '../../test/helpers/git-repo.js';
import { findRepoRoot, headCommit, lookupRevision, repoRoot } from './git.js';

/**
 * Outside any repository the lookups answer without starting git; wherever git could find one
 * (a work tree, a subfolder, a linked worktree's `.git` file, a bare repository, GIT_DIR) they ask
 * git as before. A `git` first on PATH that logs each start and then runs the real one tells which.
 */
describe('repository lookups start git only where git could find a repository', () => {
  const base = mkdtempSync(join(tmpdir(), 'pg-git-'));
  const log = join(base, 'git-starts.log');
  const outside = join(base, 'outside', 'project');
  const repo = join(base, 'repo');
  let commit = '';
  const saved = { PATH: process.env.PATH, GIT_DIR: process.env.GIT_DIR };

  beforeAll(async () => {
    mkdirSync(outside, { recursive: true });
    mkdirSync(join(repo, 'sub'), { recursive: true });
    initRepo(repo);
    commit = await commitFiles(repo, { 'sub/a.txt': 'a\n' }, 'first');
    gitIn(repo, 'worktree', 'add', '-q', join(base, 'linked'));
    gitIn(base, 'clone', '-q', '--bare', repo, join(base, 'bare.git'));
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const bin = join(base, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$PWD" >> '${log}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    process.env.PATH = `${bin}${delimiter}${saved.PATH ?? ''}`;
    delete process.env.GIT_DIR;
  });
  afterAll(() => {
    process.env.PATH = saved.PATH;
    if (saved.GIT_DIR === undefined) delete process.env.GIT_DIR;
    else process.env.GIT_DIR = saved.GIT_DIR;
  });

  const starts = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);

  it('outside any repository: no repository, and git is not started', async () => {
    const before = starts();
    expect(await headCommit(outside)).toBeUndefined();
    expect(await findRepoRoot(outside)).toBeUndefined();
    expect(await lookupRevision(outside, 'HEAD')).toEqual({ root: undefined, commit: undefined });
    await expect(repoRoot(outside)).rejects.toMatchObject({ code: 'GIT' });
    expect(starts()).toBe(before);
  });

  it('in a work tree, a subfolder, a linked worktree and a bare repository: git answers', async () => {
    const top = gitIn(repo, 'rev-parse', '--show-toplevel');
    const before = starts();
    expect(await headCommit(repo)).toBe(commit);
    expect(await headCommit(join(repo, 'sub'))).toBe(commit);
    expect(await findRepoRoot(join(repo, 'sub'))).toBe(top);
    expect(await headCommit(join(base, 'linked'))).toBe(commit);
    expect(await headCommit(join(base, 'bare.git'))).toBe(commit);
    expect(starts()).toBe(before + 5);
  });

  it('GIT_DIR set: git is asked even from a folder outside any repository', async () => {
    process.env.GIT_DIR = join(repo, '.git');
    try {
      expect(await headCommit(outside)).toBe(commit);
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});
