import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

/** Maps project files to repository paths (what git and GitHub annotations name). */
export interface RepoPaths {
  /** Repository top folder (as git reports it). */
  root: string;
  /** An absolute path, or one relative to the project root, as a repo path with `/` separators. */
  toRepoPath(path: string): string;
}

/**
 * Git reports the top folder with symlinks resolved (macOS /tmp → /private/tmp), so paths are
 * resolved the same way before taking them relative to it.
 */
export function createRepoPaths(root: string, rootDir: string): RepoPaths {
  const realRoot = realOr(root);
  const realProject = realOr(rootDir);
  return {
    root,
    toRepoPath(path) {
      const absolute = isAbsolute(path) ? path : resolve(rootDir, path);
      const rel = relative(rootDir, absolute);
      // Files inside the project: map through the project's real path; others: their own real path.
      const real = rel.startsWith('..') ? realOr(absolute) : resolve(realProject, rel);
      return relative(realRoot, real).split('\\').join('/');
    },
  };
}

function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
