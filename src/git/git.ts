import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { inputError, type PromptgateError } from '../errors.js';
import { setBounded } from '../util/bounded-cache.js';

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

/**
 * False when git could find no repository from `cwd`: GIT_DIR is not set, and no folder from `cwd`
 * up holds a `.git` (folder or file) or is itself a git directory (HEAD, objects/ and refs/: a bare
 * repository), which is where git's discovery looks. The lookups below then answer "not a
 * repository" without starting git, whose answer would be the same: a process start costs 5-10 ms,
 * and a run outside any repository (a scratch folder, an exported project) asks on every command.
 */
function mayBeInRepository(cwd: string): boolean {
  if (process.env.GIT_DIR) return true;
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return true;
    if (existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects')) && existsSync(join(dir, 'refs'))) return true;
    const parent = dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

/** The repository's top folder, or a GIT error when `cwd` is not inside a git work tree. */
export async function repoRoot(cwd: string): Promise<string> {
  if (!mayBeInRepository(cwd)) throw notARepository(cwd);
  const result = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (!result.ok) throw notARepository(cwd);
  return result.stdout.trim();
}

export function notARepository(cwd: string): PromptgateError {
  return inputError('GIT', 'not inside a git repository (baselines given as revisions or versions need git history)', { file: cwd });
}

/** Full commit id of a revision, or undefined when git does not know it. */
export async function resolveRevision(cwd: string, revision: string): Promise<string | undefined> {
  if (revision.startsWith('-')) return undefined;
  const result = await git(cwd, ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`]);
  return result.ok ? result.stdout.trim() : undefined;
}

/** What one `git rev-parse` says of a revision: the work tree's top folder, and the commit with git's short form. */
export type RevisionLookup =
  | { root: undefined; commit: undefined }
  | { root: string; commit: undefined }
  | { root: string; commit: string; short: string };

/**
 * The repository root, the full commit id and its short form in one git call (`root` undefined
 * outside a work tree; `commit` undefined when git does not know the revision). A command that
 * resolves a revision needs all three, and each git call is a process.
 */
export async function lookupRevision(cwd: string, revision: string): Promise<RevisionLookup> {
  if (!mayBeInRepository(cwd)) return { root: undefined, commit: undefined };
  const commitOf = `${revision}^{commit}`;
  const result = revision.startsWith('-') ? await git(cwd, ['rev-parse', '--show-toplevel']) : await git(cwd, ['rev-parse', '--show-toplevel', commitOf, '--short', commitOf, '--']);
  // rev-parse prints as it goes: the top folder comes out before an unknown revision stops it.
  const [root, commit, short] = result.stdout.split('\n');
  if (!root) return { root: undefined, commit: undefined };
  if (!result.ok || revision.startsWith('-') || !commit || !short) return { root, commit: undefined };
  return { root, commit, short };
}

/** File contents at commits already read (a commit's content never changes), by `cwd\0commit:path`. */
const readAtCommit = new Map<string, string>();
const READ_AT_COMMIT_LIMIT = 512;

/**
 * The file's bytes at a commit (path relative to the repo root), or undefined when absent there.
 * Contents found at a full commit id are remembered for the process (ci reads the same base file
 * for its new-prompt check, the version discipline and the baseline); other revisions can move.
 */
export async function readFileAt(cwd: string, commit: string, repoPath: string): Promise<string | undefined> {
  const key = `${cwd}\0${commit}:${repoPath}`;
  const known = readAtCommit.get(key);
  if (known !== undefined) return known;
  const result = await git(cwd, ['show', `${commit}:${repoPath}`]);
  if (!result.ok) return undefined;
  if (/^[0-9a-f]{40,64}$/.test(commit)) {
    setBounded(readAtCommit, key, result.stdout, READ_AT_COMMIT_LIMIT);
  }
  return result.stdout;
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

/**
 * The revisions among `revisions` at which `repoPath` contains `text` (a fixed string), in one
 * `git grep` per 200 revisions. Used to narrow a history search before parsing each file.
 */
export async function revisionsContaining(cwd: string, revisions: string[], repoPath: string, text: string): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < revisions.length; i += 200) {
    const result = await git(cwd, ['grep', '-l', '-F', '-e', text, ...revisions.slice(i, i + 200), '--', repoPath]);
    for (const line of result.stdout.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) found.add(line.slice(0, colon));
    }
  }
  return found;
}

/** The lines of `repoPath` matching `pattern` (extended regex) at any of `revisions`, without their origin. */
export async function linesAtRevisions(cwd: string, revisions: string[], repoPath: string, pattern: string): Promise<string[]> {
  const lines: string[] = [];
  for (let i = 0; i < revisions.length; i += 200) {
    const result = await git(cwd, ['grep', '-h', '-E', '-e', pattern, ...revisions.slice(i, i + 200), '--', repoPath]);
    lines.push(...result.stdout.split('\n').filter(Boolean));
  }
  return lines;
}

/** Whether `commit` is `descendant` or one of its ancestors. */
export async function isAncestor(cwd: string, commit: string, descendant: string): Promise<boolean> {
  return (await git(cwd, ['merge-base', '--is-ancestor', commit, descendant])).ok;
}

/**
 * The merge base of HEAD with the repository's base branch: the pull request's base from the CI
 * environment (GITHUB_BASE_REF, CI_MERGE_REQUEST_TARGET_BRANCH_NAME), else the remote's default
 * branch (origin/HEAD), else origin/main, origin/master, main, master -- the first that exists.
 * Undefined when none exists or there is no merge base (a shallow clone).
 */
export async function baseBranchMergeBase(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ ref: string; commit: string } | undefined> {
  const prBase = env.GITHUB_BASE_REF || env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME;
  const originHead = await git(cwd, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
  const refs = [
    ...(prBase ? [`origin/${prBase}`, prBase] : []),
    ...(originHead.ok && originHead.stdout.trim() ? [originHead.stdout.trim()] : []),
    'origin/main', 'origin/master', 'main', 'master',
  ];
  for (const ref of refs) {
    const commit = await resolveRevision(cwd, ref);
    if (!commit) continue;
    const common = await mergeBase(cwd, commit, 'HEAD');
    return common ? { ref, commit: common } : undefined;
  }
  return undefined;
}

export async function shortCommit(cwd: string, commit: string): Promise<string> {
  const result = await git(cwd, ['rev-parse', '--short', commit]);
  return result.ok ? result.stdout.trim() : commit.slice(0, 7);
}

/** The repository's top folder, or undefined outside a git work tree (for checks that skip silently). */
export async function findRepoRoot(cwd: string): Promise<string | undefined> {
  if (!mayBeInRepository(cwd)) return undefined;
  const result = await git(cwd, ['rev-parse', '--show-toplevel']);
  return result.ok ? result.stdout.trim() : undefined;
}

/** The commit checked out (HEAD), or undefined outside a git work tree or before the first commit (one git call). */
export async function headCommit(cwd: string): Promise<string | undefined> {
  if (!mayBeInRepository(cwd)) return undefined;
  const result = await git(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  const commit = result.stdout.trim();
  return result.ok && /^[0-9a-f]{40,64}$/.test(commit) ? commit : undefined;
}
