import { gitUserIdentity } from '../git/git.js';

/**
 * Who is accepting a baseline: git's `user.name <user.email>` (either alone when only one is set),
 * else `$GITHUB_ACTOR` (a workflow), else `$USER`; null when none is known.
 */
export async function resolveAcceptedBy(cwd: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const { name, email } = await gitUserIdentity(cwd, env);
  if (name && email) return `${name} <${email}>`;
  if (name || email) return (name ?? email)!;
  return env.GITHUB_ACTOR?.trim() || env.USER?.trim() || env.USERNAME?.trim() || null;
}
