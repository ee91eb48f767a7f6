import { posix } from 'node:path';
import type { ToolFileReader } from '../prompts/parse.js';
import { readFileAt } from './git.js';

/**
 * Reads the tools files of the prompt at `repoPath` from git at `commit` (`file://<ref>` is relative
 * to the prompt file, as in the working tree), so a prompt read at a revision is hashed and sent
 * with the tools it had there. `label` (e.g. `3f2a1b0`) prefixes the paths named in messages.
 */
export function toolFilesAt(root: string, commit: string, repoPath: string, label = commit.slice(0, 7)): ToolFileReader {
  return async (ref) => {
    const path = posix.normalize(posix.join(posix.dirname(repoPath), ref.replace(/\\/g, '/')));
    const shown = `${label}:${path}`;
    if (path === '..' || path.startsWith('../')) return { path: shown, code: 'PATH_UNSAFE', problem: `tools file file://${ref} leaves the repository` };
    const text = await readFileAt(root, commit, path);
    return text === undefined ? { path: shown, problem: `tools file not found at ${label}: ${path}` } : { path: shown, text };
  };
}
