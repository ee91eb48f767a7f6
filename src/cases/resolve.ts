import { readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { inputError } from '../errors.js';
import { CASE_FILE_EXTENSIONS } from './read.js';

const PROMPT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The case files of a suite, as absolute paths.
 * - `spec` given (SuiteConfig.cases, relative to `rootDir`): a file, a folder (its `.csv` /
 *   `.jsonl` files, sorted) or a glob (matches sorted). It must stay inside `rootDir`
 *   (PATH_UNSAFE) and match something (FILE_MISSING naming it).
 * - no spec: the convention `<evals>/<id>.csv`, `<evals>/<id>.jsonl` and the files of
 *   `<evals>/<id>/`, all that exist (possibly none).
 */
export async function resolveCaseFiles(spec: string | undefined, promptId: string, evalsDir: string, rootDir: string): Promise<string[]> {
  const root = resolve(rootDir);
  if (spec === undefined || spec.trim() === '') return conventionFiles(promptId, resolve(root, evalsDir));
  const text = spec.trim();
  const where = { file: text };
  const given = isAbsolute(text) ? relative(root, text) : text;
  const rel = sep === '\\' ? given.replace(/\\/g, '/') : given;
  if (isAbsolute(rel) || rel.split('/').includes('..') || !inside(root, resolve(root, rel))) {
    throw inputError('PATH_UNSAFE', `case path '${text}' leaves the project folder`, where);
  }

  const { glob, isDynamicPattern } = await import('tinyglobby');
  if (isDynamicPattern(rel)) {
    const matches = await glob(rel, { cwd: root, absolute: true, onlyFiles: true, followSymbolicLinks: false, expandDirectories: false });
    const files = matches.map((file) => resolve(file)).filter((file) => isCaseFile(file) && inside(root, file)).sort();
    if (files.length === 0) throw inputError('FILE_MISSING', `no .csv or .jsonl case files match '${text}'`, where);
    return files;
  }

  const path = resolve(root, rel);
  const kind = await kindOf(path);
  if (kind === 'file') return [path];
  if (kind === 'dir') {
    const files = await caseFilesIn(path);
    if (files.length === 0) throw inputError('FILE_MISSING', `no .csv or .jsonl case files in folder '${text}'`, where);
    return files;
  }
  throw inputError('FILE_MISSING', `case file '${text}' not found`, where);
}

async function conventionFiles(promptId: string, evalsDir: string): Promise<string[]> {
  if (!PROMPT_ID.test(promptId)) throw inputError('PATH_UNSAFE', `prompt id ${JSON.stringify(promptId)} is not a plain name`, { file: promptId });
  const files: string[] = [];
  for (const extension of CASE_FILE_EXTENSIONS) {
    const file = join(evalsDir, promptId + extension);
    if ((await kindOf(file)) === 'file') files.push(file);
  }
  const folder = join(evalsDir, promptId);
  if ((await kindOf(folder)) === 'dir') files.push(...(await caseFilesIn(folder)));
  return files;
}

/** The `.csv` / `.jsonl` files directly in `dir` (symlinks too: readCaseFile decides on them), sorted by name. */
async function caseFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && isCaseFile(entry.name))
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(dir, name));
}

async function kindOf(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? 'file' : info.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}

function isCaseFile(name: string): boolean {
  return CASE_FILE_EXTENSIONS.includes(extname(name).toLowerCase());
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
