import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { inputError, type PromptgateError } from '../errors.js';
import { projectPath } from './case-build.js';
import { CASE_FILE_EXTENSIONS } from './read.js';

export interface OrphanCheckInput {
  rootDir: string;
  /** Absolute path of the evals folder. */
  evalsDir: string;
  /** Absolute path of the prompts folder (to say what a file would pair with). */
  promptsDir: string;
  /** Every case file some suite reads (absolute), selected or not. */
  claimed: ReadonlySet<string>;
  /** Ids of the prompts in the prompts folder. */
  promptIds: readonly string[];
  /** Ids of the prompts some suite runs (with `suites` in the config, a prompt without an entry is not run). */
  suitePrompts: ReadonlySet<string>;
  /** `ignoreCases` globs, relative to rootDir. */
  ignore?: readonly string[];
  /** Folders never searched, e.g. reports and fixtures when the evals folder holds them (absolute). */
  skip?: readonly string[];
}

/**
 * The `.csv` / `.jsonl` files under the evals folder (at any depth) that no suite reads and
 * `ignoreCases` does not list, sorted. Such a file's cases would silently never run.
 */
export async function findOrphanCaseFiles(input: OrphanCheckInput): Promise<string[]> {
  if (!(await isDirectory(input.evalsDir))) return [];
  const files = (await plainFiles(input.evalsDir)) ?? (await globFiles(input.evalsDir));
  const skip = (input.skip ?? []).map((dir) => resolve(dir) + sep);
  const candidates = files
    .map((file) => resolve(file))
    .filter((file) => CASE_FILE_EXTENSIONS.includes(extname(file).toLowerCase()) && !input.claimed.has(file) && !skip.some((dir) => file.startsWith(dir)));
  if (candidates.length === 0 || !input.ignore?.length) return candidates.sort();
  const { glob } = await import('tinyglobby');
  const ignored = new Set((await glob([...input.ignore], { cwd: input.rootDir, absolute: true, onlyFiles: true, dot: true })).map((file) => resolve(file)));
  return candidates.filter((file) => !ignored.has(file)).sort();
}

/**
 * The error for orphan case files: the first one named with what it would pair with by the
 * convention, the others counted. Exit 2.
 */
export function orphanCaseFileError(orphans: string[], input: OrphanCheckInput): PromptgateError {
  const [first] = orphans;
  const file = projectPath(first, input.rootDir);
  const inEvals = relative(input.evalsDir, first).split(sep);
  const promptsRel = projectPath(input.promptsDir, input.rootDir) || '.';
  const evalsRel = projectPath(input.evalsDir, input.rootDir) || '.';
  // evals/<id>.csv pairs with prompts/<id>.prompt, evals/<id>/<name>.csv too; deeper files never by convention.
  const id = inEvals.length === 1 ? basename(first, extname(first)) : inEvals.length === 2 ? inEvals[0] : undefined;
  let why: string;
  if (id === undefined) why = `it is nested too deep to pair with a prompt by name (${evalsRel}/<id>.csv or ${evalsRel}/<id>/<file>)`;
  else if (input.suitePrompts.has(id)) why = `the suite of ${promptsRel}/${id}.prompt reads its cases from elsewhere (its \`cases\` in the config)`;
  else if (input.promptIds.includes(id)) why = `it would pair with ${promptsRel}/${id}.prompt, which has no entry in the config's suites`;
  else why = `it would need ${promptsRel}/${id}.prompt`;
  const more = orphans.length > 1 ? `; ${orphans.length - 1} more: ${orphans.slice(1, 4).map((f) => projectPath(f, input.rootDir)).join(', ')}${orphans.length > 4 ? ', …' : ''}` : '';

  const name = basename(first);
  const owner = input.promptIds.filter((p) => name.startsWith(`${p}-`) || name.startsWith(`${p}_`) || name.startsWith(`${p}.`)).sort((a, b) => b.length - a.length)[0];
  const moves = owner && id !== owner ? `move it to ${evalsRel}/${owner}/${name} to make it cases of ${owner}, ` : id !== undefined && inEvals.length === 1 ? 'rename it after its prompt, ' : '';
  const hint = `${moves}add a suite with cases: '${file}', or list it in ignoreCases in the config`;
  return inputError('CASE_INVALID', `case file pairs with no prompt or suite, so its cases would never run: ${why}${more}`, { file }, hint);
}

/** Every file under `dir` (any depth, no dot-files or dot-folders, no node_modules, symlinks not followed). */
export async function globFiles(dir: string): Promise<string[]> {
  const { glob } = await import('tinyglobby');
  return glob('**/*', { cwd: dir, absolute: true, onlyFiles: true, followSymbolicLinks: false, dot: false, ignore: ['**/node_modules/**'] });
}

/**
 * globFiles' answer for the usual folder, read with readdir (no glob machinery: ~0.5 ms a run):
 * when every entry at every depth is a plain file or folder, its name not starting with a dot
 * and no folder named node_modules. Anything else (a symlink, a dot entry, node_modules, another
 * kind of entry, an unreadable folder) gives undefined, and globFiles decides.
 */
export async function plainFiles(dir: string): Promise<string[] | undefined> {
  const files: string[] = [];
  const folders = [dir];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') return undefined;
      if (entry.isFile()) files.push(join(folder, entry.name));
      else if (entry.isDirectory()) folders.push(join(folder, entry.name));
      else return undefined;
    }
  }
  return files;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
