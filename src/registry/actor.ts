import { userInfo } from 'node:os';
import { gitUserIdentity } from '../git/git.js';

/**
 * Who is publishing or moving a label, as the registry records it: the CI actor
 * (`GITHUB_ACTOR (CI)`), else git's `user.name <user.email>` as seen from `cwd` (either alone when
 * only one is set), else the OS user name, else `unknown`.
 */
export async function actorOf(env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  const ci = env.GITHUB_ACTOR?.trim();
  if (ci) return `${ci} (CI)`;
  const { name, email } = await gitUserIdentity(cwd);
  if (name && email) return `${name} <${email}>`;
  if (name || email) return (name || email)!;
  return osUser(env) ?? 'unknown';
}

function osUser(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const name = userInfo().username.trim();
    if (name) return name;
  } catch {
    // No passwd entry for this uid (some containers): the environment may still say.
  }
  return (env.USER || env.USERNAME || env.LOGNAME)?.trim() || undefined;
}
