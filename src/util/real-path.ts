import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';

/**
 * Where `file` really is, symlinks resolved, when that is outside `root` (itself resolved, so a
 * project reached through a symlinked folder is fine); undefined when it is inside, or when the
 * file does not exist (its reader reports that). The one check behind "a project file may be a
 * symlink only to a file inside the project": prompts, case files, replay fixtures, schema files.
 */
export async function realPathOutside(file: string, root: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return undefined;
  }
  const realRoot = await realpath(root).catch(() => root);
  const rel = relative(realRoot, real);
  const inside = rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
  return inside ? undefined : real;
}
