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

const MAX_BUFFER = 64 * 1024 * 1024;
const gitEnv = (env: NodeJS.ProcessEnv = process.env) => ({ ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' });

/** Runs git in `cwd` without a shell (arguments are never interpreted); `env` (@default process.env) is git's environment. */
export function git(cwd: string, args: string[], options: { maxBuffer?: number; env?: NodeJS.ProcessEnv } = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: options.maxBuffer ?? MAX_BUFFER, encoding: 'utf8', env: gitEnv(options.env) }, (error, stdout, stderr) => {
      resolve({ ok: !error, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** git() with `input` on its stdin and stdout kept as bytes (`git cat-file --batch` answers with sizes in bytes). */
function gitWithInput(cwd: string, args: string[], input: string): Promise<{ ok: boolean; stdout: Buffer }> {
  return new Promise((resolve) => {
    const child = execFile('git', args, { cwd, maxBuffer: MAX_BUFFER, encoding: 'buffer', env: gitEnv() }, (error, stdout) => {
      resolve({ ok: !error, stdout });
    });
    // git may exit before reading everything (a bad repository): the write error is the exit's to report.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
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

/**
 * git's `user.name` and `user.email` as seen from `cwd`, each as `git config --get <key>` reads it
 * (the last value set, trimmed; undefined when unset or empty), in one `git config` process where
 * the two `--get`s were two.
 */
export async function gitUserIdentity(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ name?: string; email?: string }> {
  const result = await git(cwd, ['config', '-z', '--get-regexp', '^user\\.(name|email)$'], { env });
  const values: { name?: string; email?: string } = {};
  if (!result.ok) return values;
  // -z: `<key>\n<value>\0` per value set, in the order git reads them (the last one wins, as for --get).
  for (const entry of result.stdout.split('\0')) {
    const newline = entry.indexOf('\n');
    const key = newline === -1 ? entry : entry.slice(0, newline);
    const value = newline === -1 ? '' : entry.slice(newline + 1).trim();
    if (key === 'user.name') values.name = value || undefined;
    else if (key === 'user.email') values.email = value || undefined;
  }
  return values;
}

/** A revision that `rev-parse` without `--verify` reads as one commit and nothing else (a ref name, no `..`, `^`, `~`, `@`, `:`). */
const PLAIN_REVISION = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
const isPlainRevision = (revision: string) => PLAIN_REVISION.test(revision) && !revision.includes('..');

/**
 * lookupRevision(cwd, revision), and HEAD's commit when the same `git rev-parse` can say it
 * (`head`; undefined when not learnt: ask headCommit). One process where two would be: a command
 * that reads a revision also records the commit checked out. When the answer has any other shape
 * than root, commit, HEAD and short form (HEAD unborn, a range), lookupRevision's own call answers.
 */
export async function lookupRevisionAndHead(cwd: string, revision: string): Promise<{ found: RevisionLookup; head?: string }> {
  if (!mayBeInRepository(cwd) || revision.startsWith('-')) return { found: await lookupRevision(cwd, revision) };
  const commitOf = `${revision}^{commit}`;
  const result = await git(cwd, ['rev-parse', '--show-toplevel', commitOf, 'HEAD^{commit}', '--short', commitOf, '--']);
  const lines = result.stdout.split('\n');
  if (!lines[0]) return { found: { root: undefined, commit: undefined } };
  // Stopped at the revision (git does not know it): the top folder alone, as lookupRevision answers.
  if (!result.ok && lines.length === 2) return { found: { root: lines[0], commit: undefined } };
  // (`--short` verifies one revision: git prints no `--` then.)
  const [root, commit, head, short] = lines;
  if (result.ok && lines.length === 5 && FULL_COMMIT.test(commit) && FULL_COMMIT.test(head) && short) return { found: { root, commit, short }, head };
  return { found: await lookupRevision(cwd, revision) };
}

/**
 * The repository root and HEAD's commit (as lookupRevision(cwd, 'HEAD')), and what
 * resolveRevision(cwd, revision) answers, in one `git rev-parse` when `revision` is a plain name
 * (`origin/main`, `main`: read the same with and without `--verify`); otherwise, or when the answer
 * has another shape, in the two calls as before. `resolved` undefined: git does not know the revision.
 */
export async function lookupHeadAndResolve(cwd: string, revision: string): Promise<{ root?: string; head?: string; resolved?: string }> {
  if (mayBeInRepository(cwd) && isPlainRevision(revision)) {
    const result = await git(cwd, ['rev-parse', '--show-toplevel', 'HEAD^{commit}', `${revision}^{commit}`, '--']);
    const [root, head, resolved, rest] = result.stdout.split('\n');
    if (!root) return {};
    // Stopped at HEAD: no commit yet.
    if (!result.ok && head === '' && resolved === undefined) return { root };
    // git prints the `--` last.
    if (result.ok && FULL_COMMIT.test(head) && FULL_COMMIT.test(resolved) && rest === '--') return { root, head, resolved };
    // Stopped at the revision: git does not know it.
    if (!result.ok && FULL_COMMIT.test(head) && resolved === '' && rest === undefined) return { root, head };
  }
  const { root, commit: head } = await lookupRevision(cwd, 'HEAD');
  if (!root || !head) return { root, head };
  return { root, head, resolved: await resolveRevision(cwd, revision) };
}

/** File contents at commits already read (a commit's content never changes), by `cwd\0commit:path`; null: git said the path is not there. */
const readAtCommit = new Map<string, string | null>();
const READ_AT_COMMIT_LIMIT = 512;
const FULL_COMMIT = /^[0-9a-f]{40,64}$/;
const readKey = (cwd: string, commit: string, repoPath: string) => `${cwd}\0${commit}:${repoPath}`;

/**
 * The file's bytes at a commit (path relative to the repo root), or undefined when absent there.
 * Contents found at a full commit id are remembered for the process (ci reads the same base file
 * for its new-prompt check, the version discipline and the baseline); other revisions can move.
 */
export async function readFileAt(cwd: string, commit: string, repoPath: string): Promise<string | undefined> {
  const key = readKey(cwd, commit, repoPath);
  const known = readAtCommit.get(key);
  if (known !== undefined) return known ?? undefined;
  const result = await git(cwd, ['show', `${commit}:${repoPath}`]);
  if (!result.ok) return undefined;
  if (FULL_COMMIT.test(commit)) {
    setBounded(readAtCommit, key, result.stdout, READ_AT_COMMIT_LIMIT);
  }
  return result.stdout;
}

/**
 * Reads several files at one full commit id with one `git cat-file --batch` (one process, where
 * readFileAt starts a `git show` per file) into readFileAt's cache, so the readFileAt calls that
 * follow start no git. What they answer is unchanged: a blob is decoded from UTF-8 as `git show`'s
 * output is; a path git reports missing reads as absent; anything else (a folder, a submodule, a
 * path with a line break or out of the repository, a batch git refused) is left to readFileAt's
 * own `git show`. A file cat-file reports missing is remembered as absent too (ci asks about a new
 * prompt in its version check, its new-prompt note and the baseline).
 */
export async function prefetchFilesAt(cwd: string, commit: string, repoPaths: Iterable<string>): Promise<void> {
  await prefetch(cwd, [...new Set(repoPaths)].map((path) => [commit, path]));
}

/** prefetchFilesAt for one file at several full commit ids (a prompt's history), in one `git cat-file --batch`. */
export async function prefetchFileAtCommits(cwd: string, commits: Iterable<string>, repoPath: string): Promise<void> {
  await prefetch(cwd, [...new Set(commits)].map((commit) => [commit, repoPath]));
}

async function prefetch(cwd: string, files: Array<[commit: string, repoPath: string]>): Promise<void> {
  // A path out of the repository (`../`, absolute) stops cat-file for all: readFileAt reads those.
  const batchable = (path: string) => path !== '' && !/[\r\n]/.test(path) && !path.startsWith('/') && !path.split('/').includes('..');
  const wanted = files.filter(([commit, path]) => FULL_COMMIT.test(commit) && batchable(path) && !readAtCommit.has(readKey(cwd, commit, path)));
  if (wanted.length === 0) return;
  const names = wanted.map(([commit, path]) => `${commit}:${path}`);
  const result = await gitWithInput(cwd, ['cat-file', '--batch'], names.map((name) => `${name}\n`).join(''));
  if (!result.ok) return;
  const out = result.stdout;
  let at = 0;
  for (const [i, name] of names.entries()) {
    const end = out.indexOf(0x0a, at);
    if (end === -1) return;
    const header = out.toString('utf8', at, end);
    at = end + 1;
    const key = readKey(cwd, ...wanted[i]);
    const object = /^[0-9a-f]{40,64} ([a-z]+) (\d+)$/.exec(header);
    if (object) {
      const size = Number(object[2]);
      if (at + size > out.length) return;
      if (object[1] === 'blob') setBounded(readAtCommit, key, out.toString('utf8', at, at + size), READ_AT_COMMIT_LIMIT);
      at += size + 1;
    } else if (header === `${name} missing`) {
      setBounded(readAtCommit, key, null, READ_AT_COMMIT_LIMIT);
    } else if (header !== `${name} ambiguous`) {
      return; // not what cat-file answers: leave the rest to readFileAt
    }
  }
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

/**
 * Commits that touched a file, newest first, each with its short form: git log's `%h`, the
 * abbreviation shortCommit's `git rev-parse --short` gives (the same core.abbrev and uniqueness
 * rule), so a caller that names a commit starts no further git.
 */
export async function commitsTouching(cwd: string, repoPath: string): Promise<Array<{ commit: string; short: string }>> {
  const result = await git(cwd, ['log', '--format=%H %h', '--follow', '--', repoPath]);
  if (!result.ok) return [];
  return result.stdout.split('\n').filter(Boolean).map((line) => {
    const [commit, short] = line.split(' ');
    return { commit, short };
  });
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

/**
 * findRepoRoot(cwd), and HEAD's commit when the same `git rev-parse` says it (`head`; undefined when
 * not learnt, e.g. before the first commit: ask headCommit). One process where two would be.
 */
export async function findRepoRootAndHead(cwd: string): Promise<{ root?: string; head?: string }> {
  if (!mayBeInRepository(cwd)) return {};
  const result = await git(cwd, ['rev-parse', '--show-toplevel', 'HEAD^{commit}', '--']);
  const [root, head, rest] = result.stdout.split('\n');
  // git prints the `--` last.
  if (result.ok && root && FULL_COMMIT.test(head) && rest === '--') return { root: root.trim(), head };
  // Stopped at HEAD: no commit yet, and the top folder is known.
  if (!result.ok && root && head === '' && rest === undefined) return { root: root.trim() };
  return { root: await findRepoRoot(cwd) };
}

/** The commit checked out (HEAD), or undefined outside a git work tree or before the first commit (one git call). */
export async function headCommit(cwd: string): Promise<string | undefined> {
  if (!mayBeInRepository(cwd)) return undefined;
  const result = await git(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  const commit = result.stdout.trim();
  return result.ok && FULL_COMMIT.test(commit) ? commit : undefined;
}
