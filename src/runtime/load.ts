import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { inputError } from '../errors.js';
import { listPromptFiles, loadPromptFile, toProjectPath } from '../prompts/load.js';
import type { PromptFile } from '../prompts/types.js';
import { createPromptHandle, type PromptHandle } from './handle.js';
import { checkLocked, LOCK_FILE_NAME, readLockFile, type PromptLock } from './lock.js';
import { watchPrompts, withLocation, type ServedPrompts } from './reload.js';

export interface LoadPromptsOptions {
  /** The folder of `.prompt` files (relative to the working directory), e.g. `prompts`. */
  dir: string;
  /**
   * The lock to enforce: a path (it must exist), or false for none.
   * @default `prompts.lock.json` in the parent folder of `dir` (the project root), used when present
   */
  lockFile?: string | false;
  /** Reload a changed file without a restart (fs.watch, debounced). @default false */
  watch?: boolean;
  /** Quiet time before a changed file is read. @default 50 */
  debounceMs?: number;
  /**
   * With `watch`: a changed file that was refused (invalid, or not matching the lock). The last
   * good version stays in service. @default a process warning
   */
  onError?: (error: Error) => void;
  /** With `watch`: a new version is being served. */
  onChange?: (change: PromptChange) => void;
}

export interface PromptChange {
  id: string;
  version: string;
  hash: string;
  path: string;
  /** The version served before (absent for a new prompt file). */
  previous?: { version: string; hash: string };
}

/** The prompts of one folder, ready to render. */
export interface PromptRegistry {
  /** A live handle on prompt `id`; throws FILE_MISSING for an unknown id. */
  get(id: string): PromptHandle;
  has(id: string): boolean;
  /** The ids being served, sorted. */
  ids(): string[];
  /** The lock file in force (absolute path), if any. */
  readonly lockFile: string | undefined;
  /** Stops watching. */
  close(): void;
}

/**
 * Loads every `.prompt` file of `dir` and serves them by id. Under a lock (prompts.lock.json
 * next to the prompt folder, or `lockFile`), a file whose hash differs from its locked version,
 * or that the lock does not list, is refused: the promise rejects with LOCK_MISMATCH naming the
 * file, the versions and both hashes. Invalid files reject with their own error (file and line).
 * With `watch: true`, changed or added files are reloaded; a refused change keeps the last good
 * version and is reported through `onError`; a changed lock file is re-read and re-applied.
 */
export async function loadPrompts(options: LoadPromptsOptions): Promise<PromptRegistry> {
  if (!options || typeof options.dir !== 'string' || options.dir === '') {
    throw inputError('USAGE', 'loadPrompts needs { dir }: the folder of .prompt files');
  }
  const dir = resolve(options.dir);
  await assertFolder(dir, options.dir);
  const lockPath = options.lockFile === false ? undefined : resolve(options.lockFile ?? join(dirname(dir), LOCK_FILE_NAME));
  const rootDir = lockPath ? dirname(lockPath) : dirname(dir);
  const lockLabel = lockPath ? toProjectPath(lockPath, rootDir) : LOCK_FILE_NAME;

  let lock: PromptLock | undefined;
  if (lockPath) {
    lock = await readLockFile(lockPath).catch((error: unknown) => { throw withLocation(error); });
    if (!lock && options.lockFile) throw inputError('FILE_MISSING', `lock file not found: ${options.lockFile}`, { file: options.lockFile });
  }

  const entries = new Map<string, PromptFile>();
  for (const file of await listPromptFiles(dir)) {
    // Served prompts may be symlinks out of `rootDir` (release folders, mounted volumes): the lock guards their content.
    const prompt = await loadPromptFile(file, rootDir, { confine: false }).catch((error: unknown) => { throw withLocation(error); });
    const refused = lock && checkLocked(prompt, lock, lockLabel);
    if (refused) throw refused;
    entries.set(prompt.id, prompt);
  }

  const served: ServedPrompts = { dir, rootDir, lockPath, lockLabel, lock, entries, closed: false };
  const handles = new Map<string, PromptHandle>();
  const stopWatching = options.watch
    ? watchPrompts(served, {
      debounceMs: options.debounceMs ?? 50,
      onError: options.onError ?? ((error: Error) => process.emitWarning(error.message, 'PromptgateWarning')),
      onChange: options.onChange,
    })
    : undefined;

  return {
    get(id) {
      const handle = handles.get(id);
      if (handle) return handle;
      if (typeof id !== 'string' || !entries.has(id)) {
        const known = [...entries.keys()].sort();
        throw inputError('FILE_MISSING', `no prompt ${JSON.stringify(id)} in ${options.dir} (${known.length ? `have: ${known.join(', ')}` : 'it has no .prompt files'})`);
      }
      const created = createPromptHandle(id, () => entries.get(id)!);
      handles.set(id, created);
      return created;
    },
    has: (id) => entries.has(id),
    ids: () => [...entries.keys()].sort(),
    get lockFile() {
      return served.lock ? lockPath : undefined;
    },
    close() {
      served.closed = true;
      stopWatching?.();
    },
  };
}

async function assertFolder(dir: string, label: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw inputError('FILE_MISSING', `prompt folder not found: ${label}`, { file: label });
}
