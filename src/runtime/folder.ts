import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { inputError } from '../errors.js';
import { listPromptFiles, loadPromptFile, toProjectPath } from '../prompts/load.js';
import type { PromptFile } from '../prompts/types.js';
import { checkLocked, LOCK_FILE_NAME, readLockFile, type PromptLock } from './lock.js';
import { withLocation, type ServedPrompts } from './reload.js';

/**
 * Reads every `.prompt` file of `dirOption` (relative to the working directory) under its lock:
 * the dir form's start-up, and a store's bundled fallback. Rejects as `loadPrompts({ dir })` does.
 */
export async function readPromptFolder(dirOption: string, lockFile: string | false | undefined): Promise<ServedPrompts> {
  const dir = resolve(dirOption);
  await assertFolder(dir, dirOption);
  const lockPath = lockFile === false ? undefined : resolve(lockFile ?? join(dirname(dir), LOCK_FILE_NAME));
  const rootDir = lockPath ? dirname(lockPath) : dirname(dir);
  const lockLabel = lockPath ? toProjectPath(lockPath, rootDir) : LOCK_FILE_NAME;

  let lock: PromptLock | undefined;
  if (lockPath) {
    lock = await readLockFile(lockPath).catch((error: unknown) => { throw withLocation(error); });
    if (!lock && lockFile) throw inputError('FILE_MISSING', `lock file not found: ${lockFile}`, { file: lockFile });
  }

  const entries = new Map<string, PromptFile>();
  for (const file of await listPromptFiles(dir)) {
    // Served prompts may be symlinks out of `rootDir` (release folders, mounted volumes): the lock guards their content.
    const prompt = await loadPromptFile(file, rootDir, { confine: false }).catch((error: unknown) => { throw withLocation(error); });
    const refused = lock && checkLocked(prompt, lock, lockLabel);
    if (refused) throw refused;
    entries.set(prompt.id, prompt);
  }
  return { dir, rootDir, lockPath, lockLabel, lock, entries, closed: false };
}

async function assertFolder(dir: string, label: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw inputError('FILE_MISSING', `prompt folder not found: ${label}`, { file: label });
}
