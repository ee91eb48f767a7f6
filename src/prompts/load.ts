import { isUtf8 } from 'node:buffer';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { inputError, outsideProjectError } from '../errors.js';
import { realPathOutside } from '../util/real-path.js';
import { type ToolFileReader, assertPromptId, parsePromptWithFiles, promptIdOf } from './parse.js';
import type { PromptFile } from './types.js';

/** A path relative to `rootDir`, with `/` separators (how promptgate names files everywhere). */
export function toProjectPath(absPath: string, rootDir: string): string {
  const rel = relative(rootDir, absPath);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/**
 * Reads and parses one `.prompt` file. The stored `path` is relative to `rootDir` with `/`.
 * Throws FILE_MISSING when it cannot be read, PATH_UNSAFE for an id that is not a plain name or,
 * with `confine` (the default), for a symlink resolving outside `rootDir`, PROMPT_INVALID for
 * content errors (see parsePromptSource). Tools files it names (`tools: file://…`) are read
 * relative to it, under the same rules (inside `rootDir` with `confine`).
 */
export async function loadPromptFile(absPath: string, rootDir: string, options: { confine?: boolean } = {}): Promise<PromptFile> {
  const path = toProjectPath(absPath, rootDir);
  assertPromptId(promptIdOf(path), path);
  const outside = options.confine === false ? undefined : await realPathOutside(absPath, rootDir);
  if (outside) throw outsideProjectError(path, outside);
  let bytes: Buffer;
  try {
    bytes = await readFile(absPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw inputError('FILE_MISSING', code === 'ENOENT' ? `prompt file not found: ${path}` : `cannot read prompt file ${path}: ${code ?? 'unknown error'}`, { file: path });
  }
  if (!isUtf8(bytes)) {
    throw inputError('PROMPT_INVALID', 'the file is not valid UTF-8', { file: path, line: firstInvalidLine(bytes) }, 'save it as UTF-8');
  }
  return parsePromptWithFiles(bytes.toString('utf8'), path, workingTreeToolFiles(absPath, rootDir, options.confine !== false));
}

/** Reads tools files relative to the prompt file at `absPath`; with `confine`, only inside `rootDir`. */
function workingTreeToolFiles(absPath: string, rootDir: string, confine: boolean): ToolFileReader {
  return async (ref) => {
    const file = resolve(dirname(absPath), ref);
    const path = toProjectPath(file, rootDir);
    if (confine && (path === '..' || path.startsWith('../') || isAbsolute(path))) {
      return { path, code: 'PATH_UNSAFE', problem: `tools file file://${ref} leaves the project folder` };
    }
    const outside = confine ? await realPathOutside(file, rootDir) : undefined;
    if (outside) return { path, code: 'PATH_UNSAFE', problem: `tools file ${path} resolves outside the project, to ${outside}` };
    try {
      const bytes = await readFile(file);
      if (!isUtf8(bytes)) return { path, code: 'PROMPT_INVALID', problem: `tools file ${path} is not valid UTF-8` };
      return { path, text: bytes.toString('utf8') };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { path, problem: code === 'ENOENT' ? `tools file not found: ${path} (file://${ref}, relative to the prompt file)` : `cannot read tools file ${path}: ${code ?? 'unknown error'}` };
    }
  };
}

function firstInvalidLine(bytes: Buffer): number {
  let line = 1;
  let start = 0;
  while (start <= bytes.length) {
    const end = bytes.indexOf(10, start);
    const stop = end === -1 ? bytes.length : end;
    if (!isUtf8(bytes.subarray(start, stop))) return line;
    if (end === -1) break;
    line++;
    start = end + 1;
  }
  return 1;
}

/**
 * Absolute paths of the `*.prompt` files directly in `dir`, sorted; a missing folder gives [].
 * Symlinks are listed too: loadPromptFile decides whether they may be read.
 */
export async function listPromptFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && entry.name.endsWith('.prompt')).map((entry) => entry.name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  return names.sort().map((name) => join(dir, name));
}
