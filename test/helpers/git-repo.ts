import { execFileSync } from 'node:child_process';
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const IDENTITY = { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com' };

/** Runs git in a test repository with a fixed identity (no global config needed). */
export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...IDENTITY } }).trim();
}

/**
 * Runs several git commands in one child (`sh -c 'git … && git …'`, arguments passed as $1…):
 * forking this large test process costs more than git itself, so helpers fork once. Prints what
 * the last command prints.
 */
function gitSteps(dir: string, steps: string[][]): string {
  const args: string[] = [];
  // "${N}": positional parameters past 9 need the braces.
  const script = steps.map((step) => `git ${step.map((arg) => `"\${${args.push(arg)}}"`).join(' ')}`).join(' && ');
  return execFileSync('sh', ['-c', script, 'git-steps', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...IDENTITY } }).trim();
}

export function initRepo(dir: string, branch = 'main'): void {
  gitSteps(dir, [['init', '-q', '-b', branch], ['config', 'commit.gpgsign', 'false']]);
}

/** Writes files and commits them all. */
export async function commitFiles(dir: string, files: Record<string, string>, message: string): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return gitSteps(dir, [['add', '-A'], ['commit', '-q', '-m', message], ['rev-parse', 'HEAD']]);
}
