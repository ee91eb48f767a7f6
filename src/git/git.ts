import { execFile } from 'node:child_process';
import { inputError } from '../errors.js';

export interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Runs git in `cwd` without a shell (arguments are never interpreted). */
export function git(cwd: string, args: string[], options: { maxBuffer?: number } = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } }, (error, stdout, stderr) => {
      resolve({ ok: !error, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The repository's top folder, or a GIT error when `cwd` is not inside a git work tree. */
export async function repoRoot(cwd: string): Promise<string> {
  const result = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (!result.ok) throw inputError('GIT', 'not inside a git repository (baselines given as revisions or versions need git history)', { file: cwd });
  return result.stdout.trim();
}

/** Full commit id of a revision, or undefined when git does not know it. */
export async function resolveRevision(cwd: string, revision: string): Promise<string | undefined> {
  if (revision.startsWith('-')) return undefined;
  const result = await git(cwd, ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`]);
  return result.ok ? result.stdout.trim() : undefined;
}

/** The file's bytes at a commit (path relative to the repo root), or undefined when absent there. */
export async function readFileAt(cwd: string, commit: string, repoPath: string): Promise<string | undefined> {
  const result = await git(cwd, ['show', `${commit}:${repoPath}`]);
  return result.ok ? result.stdout : undefined;
}

/** Paths (relative to the repo root) of the files in a folder at a commit. */
export async function listFilesAt(cwd: string, commit: string, repoFolder: string): Promise<string[]> {
  const result = await git(cwd, ['ls-tree', '-r', '--name-only', commit, '--', repoFolder]);
  return result.ok ? result.stdout.split('\n').filter(Boolean) : [];
}

export async function mergeBase(cwd: string, a: string, b: string): Promise<string | undefined> {
  const result = await git(cwd, ['merge-base', a, b]);
  return result.ok ? result.stdout.trim() : undefined;
}

/** Files changed between a commit and the working tree (committed, staged, unstaged and untracked). */
export async function changedSince(cwd: string, commit: string): Promise<string[]> {
  const [diff, untracked] = await Promise.all([
    git(cwd, ['diff', '--name-only', commit, '--']),
    git(cwd, ['ls-files', '--others', '--exclude-standard']),
  ]);
  if (!diff.ok) throw inputError('GIT', `git diff against ${commit.slice(0, 12)} failed: ${diff.stderr.trim().split('\n')[0]}`, { file: cwd });
  return [...new Set([...diff.stdout.split('\n'), ...untracked.stdout.split('\n')].filter(Boolean))];
}

/** Commits that touched a file, newest first: `[commit, ...]`. */
export async function commitsTouching(cwd: string, repoPath: string): Promise<string[]> {
  const result = await git(cwd, ['log', '--format=%H', '--follow', '--', repoPath]);
  return result.ok ? result.stdout.split('\n').filter(Boolean) : [];
}

export async function shortCommit(cwd: string, commit: string): Promise<string> {
  const result = await git(cwd, ['rev-parse', '--short', commit]);
  return result.ok ? result.stdout.trim() : commit.slice(0, 7);
}

/** The repository's top folder, or undefined outside a git work tree (for checks that skip silently). */
export async function findRepoRoot(cwd: string): Promise<string | undefined> {
  const result = await git(cwd, ['rev-parse', '--show-toplevel']);
  return result.ok ? result.stdout.trim() : undefined;
}
