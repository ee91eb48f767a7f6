import { execFile } from 'node:child_process';

/** One `git config <key>` value in `cwd`, or undefined (no git, no repository, not set). */
function gitConfig(cwd: string, key: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['config', '--get', key], { cwd, encoding: 'utf8', env: { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } }, (error, stdout) => {
      const value = String(stdout ?? '').trim();
      resolve(error || value === '' ? undefined : value);
    });
  });
}

/**
 * Who is accepting a baseline: git's `user.name <user.email>` (either alone when only one is set),
 * else `$GITHUB_ACTOR` (a workflow), else `$USER`; null when none is known.
 */
export async function resolveAcceptedBy(cwd: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const [name, email] = await Promise.all([gitConfig(cwd, 'user.name', env), gitConfig(cwd, 'user.email', env)]);
  if (name && email) return `${name} <${email}>`;
  if (name || email) return (name ?? email)!;
  return env.GITHUB_ACTOR?.trim() || env.USER?.trim() || env.USERNAME?.trim() || null;
}
