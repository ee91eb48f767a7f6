import { execFileSync } from 'node:child_process';
import { writeFiles } from './cli.js';

const IDENTITY = { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com' };

/** Runs git in a test repository with a fixed identity (no global config needed). */
export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...IDENTITY } }).trim();
}

/**
 * Shell lines run in one child (`sh -c`), stopping at the first that fails; `arg(value)` puts a
 * value in a line as a quoted positional parameter. Forking this large test process costs more
 * than git itself, so a helper that needs several steps forks once. Prints what the last line prints.
 */
function inOneChild(dir: string, build: (arg: (value: string) => string) => string[]): string {
  const args: string[] = [];
  // "${N}": positional parameters past 9 need the braces.
  const arg = (value: string) => `"\${${args.push(value)}}"`;
  const script = build(arg).join(' && ');
  return execFileSync('sh', ['-c', script, 'git-steps', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...IDENTITY } }).trim();
}

/** Several git commands (each the arguments after `git`) in one child, in `dir`, with gitIn's identity; prints what the last prints. */
export function gitBatch(dir: string, steps: string[][]): string {
  return inOneChild(dir, (arg) => steps.map((step) => `git ${step.map(arg).join(' ')}`));
}

const INIT_STEPS = (branch: string) => [['init', '-q', '-b', branch], ['config', 'commit.gpgsign', 'false']];
const COMMIT_STEPS = (message: string) => [['add', '-A'], ['commit', '-q', '-m', message], ['rev-parse', 'HEAD']];

export function initRepo(dir: string, branch = 'main'): void {
  gitBatch(dir, INIT_STEPS(branch));
}

/** Writes files and commits them all. Returns the commit. */
export async function commitFiles(dir: string, files: Record<string, string>, message: string): Promise<string> {
  await writeFiles(dir, files);
  return gitBatch(dir, COMMIT_STEPS(message));
}

/**
 * A new repository in `dir` (initRepo's settings, then the `config` pairs given) with `files`
 * written and everything in `dir` committed, in one child where initRepo + commitFiles fork
 * twice. Returns the commit.
 */
export async function initAndCommit(dir: string, files: Record<string, string>, message: string, config: Record<string, string> = {}): Promise<string> {
  await writeFiles(dir, files);
  return gitBatch(dir, [...INIT_STEPS('main'), ...Object.entries(config).map(([key, value]) => ['config', key, value]), ...COMMIT_STEPS(message)]);
}

/**
 * `git checkout -q -B <branch> <start>`, then `files` written (paths relative to `dir`) and every
 * change committed, all in one child. The files are written after the checkout, by the shell: a
 * file written before it that differs between the two commits would stop the checkout.
 */
export function commitOnBranch(dir: string, branch: string, start: string, files: Record<string, string>, message: string): void {
  inOneChild(dir, (arg) => [
    `git checkout -q -B ${arg(branch)} ${arg(start)}`,
    ...Object.entries(files).map(([path, content]) => {
      const to = arg(path);
      return `mkdir -p "$(dirname ${to})" && printf '%s' ${arg(content)} > ${to}`;
    }),
    'git add -A',
    `git commit -q -m ${arg(message)}`,
  ]);
}
