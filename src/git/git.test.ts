import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, gitIn, initRepo } from '../../test/helpers/git-repo.js';
import { commitsTouching, findRepoRoot, findRepoRootAndHead, git, gitUserIdentity, headCommit, lookupHeadAndResolve, lookupRevision, lookupRevisionAndHead, prefetchFileAtCommits, prefetchFilesAt, readFileAt, repoRoot, resolveRevision, shortCommit } from './git.js';
import { createGitLookups } from './lookups.js';

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

/**
 * The calls that answer several questions in one git process give what the one-question calls give,
 * including the odd cases (an unknown revision, a range, HEAD before its first commit, a folder or a
 * missing file, bytes that are not UTF-8); counted with a logging `git` first on PATH.
 */
describe('fewer git processes, the same answers', () => {
  const base = mkdtempSync(join(tmpdir(), 'pg-git-batch-'));
  const log = join(base, 'git-starts.log');
  const repo = join(base, 'repo');
  const unborn = join(base, 'unborn');
  const outside = join(base, 'outside');
  const saved = process.env.PATH;
  let first = '';
  let second = '';
  // Not UTF-8 (lone continuation bytes, a cut-off sequence, NUL): 200 kB, more than one pipe read.
  const binary = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919 + (i >> 3)) % 256));

  beforeAll(async () => {
    mkdirSync(repo);
    mkdirSync(outside);
    initRepo(repo);
    first = await commitFiles(repo, { 'a.txt': 'first\n' }, 'first');
    second = await commitFiles(repo, { 'text.txt': 'héllo — ✓\n', 'sp ace.txt': 'x\n', 'ünï/cödé.txt': 'u\n', 'dir/x.txt': 'x\n', 'empty.txt': '' }, 'second');
    writeFileSync(join(repo, 'bin.dat'), binary);
    second = await commitFiles(repo, {}, 'binary');
    // A repository on a branch with no commit yet (HEAD unborn), whose main has one.
    mkdirSync(unborn);
    initRepo(unborn);
    await commitFiles(unborn, { 'a.txt': 'a\n' }, 'one');
    gitIn(unborn, 'checkout', '-q', '--orphan', 'fresh');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const bin = join(base, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    process.env.PATH = `${bin}${delimiter}${saved ?? ''}`;
  });
  afterAll(() => {
    process.env.PATH = saved;
  });
  const starts = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);

  it('prefetchFilesAt: one git cat-file for every file, then readFileAt answers what `git show` answers', async () => {
    const paths = ['text.txt', 'bin.dat', 'sp ace.txt', 'ünï/cödé.txt', 'empty.txt', 'missing.txt', 'dir', '../outside.txt', 'a.txt'];
    const shown = new Map<string, string | undefined>();
    for (const path of paths) {
      const result = await git(repo, ['show', `${second}:${path}`]);
      shown.set(path, result.ok ? result.stdout : undefined);
    }
    expect(shown.get('bin.dat')).toBe(binary.toString('utf8'));
    expect(shown.get('missing.txt')).toBeUndefined();
    const before = starts();
    await prefetchFilesAt(repo, second, paths);
    expect(starts()).toBe(before + 1);
    for (const path of paths) expect(await readFileAt(repo, second, path), path).toBe(shown.get(path));
    // Only the folder (a tree, not a file) and the path out of the repository were left to their own `git show`.
    expect(starts()).toBe(before + 3);
  });

  it('commitsTouching: git log\'s short forms are shortCommit\'s (also with core.abbrev set); prefetchFileAtCommits reads the file at each in one process', async () => {
    const history = await commitsTouching(repo, 'a.txt');
    const all = await commitsTouching(repo, '.');
    expect(history.map((c) => c.commit)).toEqual([first]);
    expect(all.map((c) => c.commit)).toEqual(gitIn(repo, 'log', '--format=%H').split('\n'));
    for (const abbrev of [undefined, '12']) {
      if (abbrev) gitIn(repo, 'config', 'core.abbrev', abbrev);
      for (const { commit, short } of await commitsTouching(repo, '.')) expect(short).toBe(await shortCommit(repo, commit));
    }
    gitIn(repo, 'config', '--unset', 'core.abbrev');
    const commits = all.map((c) => c.commit);
    const shown = await Promise.all(commits.map(async (commit) => {
      const result = await git(repo, ['show', `${commit}:text.txt`]);
      return result.ok ? result.stdout : undefined;
    }));
    expect(shown.filter((text) => text === undefined)).toHaveLength(1);
    const before = starts();
    await prefetchFileAtCommits(repo, commits, 'text.txt');
    for (const [i, commit] of commits.entries()) expect(await readFileAt(repo, commit, 'text.txt')).toBe(shown[i]);
    expect(starts()).toBe(before + 1);
  });

  it('lookupRevisionAndHead: lookupRevision and headCommit in one process, or lookupRevision as before', async () => {
    const head = await headCommit(repo);
    for (const revision of ['HEAD~1', 'HEAD', 'main', first]) {
      const before = starts();
      expect(await lookupRevisionAndHead(repo, revision)).toEqual({ found: await lookupRevision(repo, revision), head });
      expect(starts()).toBe(before + 2);
    }
    for (const revision of ['no-such', 'HEAD~1..HEAD', '-q', 'HEAD~9']) expect((await lookupRevisionAndHead(repo, revision)).found).toEqual(await lookupRevision(repo, revision));
    expect(await lookupRevisionAndHead(unborn, 'main')).toEqual({ found: await lookupRevision(unborn, 'main') });
    expect(await lookupRevisionAndHead(unborn, 'HEAD')).toEqual({ found: await lookupRevision(unborn, 'HEAD') });
    expect(await lookupRevisionAndHead(outside, 'HEAD')).toEqual({ found: { root: undefined, commit: undefined } });
  });

  it('lookupHeadAndResolve: the root, HEAD and a plain base in one process; other revisions as before', async () => {
    const separately = async (cwd: string, revision: string) => {
      const { root, commit: head } = await lookupRevision(cwd, 'HEAD');
      return root && head ? { root, head, resolved: await resolveRevision(cwd, revision) } : { root, head };
    };
    for (const revision of ['main', 'no-such', 'origin/main']) {
      const before = starts();
      expect(await lookupHeadAndResolve(repo, revision)).toEqual(await separately(repo, revision));
      expect(starts() - before).toBe(1 + 2);
    }
    for (const revision of ['HEAD~1', 'HEAD~1..HEAD', `${first}`, '-q', '@']) expect(await lookupHeadAndResolve(repo, revision), revision).toEqual(await separately(repo, revision));
    expect(await lookupHeadAndResolve(unborn, 'main')).toEqual(await separately(unborn, 'main'));
    expect(await lookupHeadAndResolve(outside, 'main')).toEqual({});
  });

  it('findRepoRootAndHead: findRepoRoot and headCommit in one process', async () => {
    const before = starts();
    expect(await findRepoRootAndHead(join(repo, 'dir'))).toEqual({ root: await findRepoRoot(join(repo, 'dir')), head: await headCommit(repo) });
    expect(starts()).toBe(before + 3);
    expect(await findRepoRootAndHead(unborn)).toEqual({ root: await findRepoRoot(unborn) });
    expect(await findRepoRootAndHead(outside)).toEqual({});
  });

  it('gitUserIdentity: user.name and user.email as `git config --get` reads each, in one process', async () => {
    const dir = join(base, 'identity');
    mkdirSync(dir);
    initRepo(dir);
    const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    const get = (key: string) => {
      try {
        return execFileSync('git', ['config', '--get', key], { cwd: dir, env, encoding: 'utf8' }).trim() || undefined;
      } catch {
        return undefined;
      }
    };
    expect(await gitUserIdentity(dir, env)).toEqual({});
    gitIn(dir, 'config', 'user.name', '  Ada  ');
    gitIn(dir, 'config', '--add', 'user.name', 'Ada Lovelace');
    gitIn(dir, 'config', 'user.email', '');
    expect(await gitUserIdentity(dir, env)).toEqual({ name: get('user.name'), email: get('user.email') });
    expect(get('user.name')).toBe('Ada Lovelace');
    // Section and key names are case-insensitive; a key with no value reads as empty.
    writeFileSync(join(dir, '.git', 'config'), `${readFileSync(join(dir, '.git', 'config'), 'utf8')}[User]\n\tEMAIL = ada@example.com\n[user]\n\tname\n`);
    const before = starts();
    const identity = await gitUserIdentity(dir, env);
    expect(starts()).toBe(before + 1);
    expect(identity).toEqual({ name: get('user.name'), email: get('user.email') });
    expect(identity).toEqual({ email: 'ada@example.com' });
  });

  it('createGitLookups: one command asks once; the next command sees a new commit', async () => {
    const lookups = createGitLookups();
    const before = starts();
    const found = await lookups.lookupRevision(repo, 'HEAD~1');
    expect(await lookups.lookupRevision(repo, 'HEAD~1')).toBe(found);
    expect(await lookups.headCommit(repo)).toBe(second);
    expect(await lookups.findRepoRoot(repo)).toBe(found.root);
    expect(starts()).toBe(before + 1);
    const third = await commitFiles(repo, { 'later.txt': 'later\n' }, 'later');
    // The command keeps what it saw; a new command (a new lookups) asks git again.
    expect(await lookups.headCommit(repo)).toBe(second);
    expect(await createGitLookups().headCommit(repo)).toBe(third);
    expect(await createGitLookups().lookupRevision(repo, 'HEAD~1')).toEqual(await lookupRevision(repo, 'HEAD~1'));
  });
});
