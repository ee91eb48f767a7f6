import { basename, dirname, join } from 'node:path';
import { inputError, isPromptgateError, PromptgateError } from '../errors.js';
import { listPromptFiles, loadPromptFile } from '../prompts/load.js';
import { promptIdOf } from '../prompts/parse.js';
import type { PromptFile } from '../prompts/types.js';
import type { PromptChange } from './load.js';
import { checkLocked, locatedError, readLockFile, type PromptLock } from './lock.js';
import { watchFolder } from './watch.js';

/** What a registry serves, shared with its watcher. */
export interface ServedPrompts {
  /** Absolute prompt folder. */
  dir: string;
  /** Project root: prompt paths are relative to it. */
  rootDir: string;
  /** Absolute lock path being looked at (it may not exist), or undefined with `lockFile: false`. */
  lockPath: string | undefined;
  /** The lock's name in messages. */
  lockLabel: string;
  lock: PromptLock | undefined;
  /** The good version of each prompt, by id. */
  entries: Map<string, PromptFile>;
  closed: boolean;
}

export interface ReloadCallbacks {
  debounceMs: number;
  onError(error: Error): void;
  onChange?(change: PromptChange): void;
}

/**
 * Watches the prompt folder (and the lock file's folder) and keeps `served` current: a changed or
 * added file replaces its entry once it parses and matches the lock; otherwise the last good
 * version stays and `onError` says why. A changed lock is re-read, then every file re-checked.
 * Returns a function that stops watching.
 */
export function watchPrompts(served: ServedPrompts, callbacks: ReloadCallbacks): () => void {
  const { onError: report } = callbacks;
  const sequence = new Map<string, number>();

  const reloadFile = async (name: string): Promise<void> => {
    const id = promptIdOf(name);
    // Two quick edits may overlap their reads: only the latest read of a file may apply.
    const turn = (sequence.get(id) ?? 0) + 1;
    sequence.set(id, turn);
    const current = served.entries.get(id);
    const keeping = current ? `; still serving ${current.id}@${current.version} (${current.hash})` : '';
    let prompt: PromptFile;
    try {
      prompt = await loadPromptFile(join(served.dir, name), served.rootDir, { confine: false });
    } catch (error) {
      if (sequence.get(id) !== turn || served.closed) return;
      if (!current && isPromptgateError(error) && error.code === 'FILE_MISSING') return;
      report(appendToMessage(withLocation(error), keeping));
      return;
    }
    if (sequence.get(id) !== turn || served.closed) return;
    const refused = served.lock && checkLocked(prompt, served.lock, served.lockLabel);
    if (refused) return report(appendToMessage(refused, keeping));
    if (current?.hash === prompt.hash) return;
    served.entries.set(id, prompt);
    callbacks.onChange?.({ id, version: prompt.version, hash: prompt.hash, path: prompt.path, previous: current && { version: current.version, hash: current.hash } });
  };

  const reloadAll = async (): Promise<void> => {
    const files = await listPromptFiles(served.dir);
    await Promise.all(files.map((file) => reloadFile(basename(file))));
  };

  const reloadLock = async (lockPath: string): Promise<void> => {
    let next: PromptLock | undefined;
    try {
      next = await readLockFile(lockPath);
    } catch (error) {
      return report(appendToMessage(withLocation(error), served.lock ? '; still enforcing the previous lock' : ''));
    }
    if (!next) {
      if (served.lock) report(inputError('FILE_MISSING', `${served.lockLabel} was removed; still enforcing the lock it held`, { file: served.lockLabel }));
      return;
    }
    served.lock = next;
    await reloadAll();
  };

  const onWatchError = (error: Error) => report(new Error(`promptgate: watching prompts failed: ${error.message}`));
  const stops = [
    watchFolder(served.dir, {
      accept: (name) => name.endsWith('.prompt'),
      onChange: (name) => void (name === null ? reloadAll() : reloadFile(name)).catch(onWatchError),
      onError: onWatchError,
      debounceMs: callbacks.debounceMs,
    }),
  ];
  const lockPath = served.lockPath;
  if (lockPath) {
    const lockName = basename(lockPath);
    stops.push(watchFolder(dirname(lockPath), {
      accept: (name) => name === lockName,
      onChange: () => void reloadLock(lockPath).catch(onWatchError),
      onError: onWatchError,
      debounceMs: callbacks.debounceMs,
    }));
  }
  return () => {
    for (const stop of stops) stop();
  };
}

/** A PromptgateError whose message names its file (apps print `error.message`). */
export function withLocation(error: unknown): unknown {
  if (!isPromptgateError(error) || !error.location) return error;
  const where = `${error.location.file}${error.location.line ? `:${error.location.line}` : ''}: `;
  if (error.message.startsWith(where)) return error;
  return locatedError(error.code, error.message, error.location, error.hint);
}

function appendToMessage(error: unknown, suffix: string): Error {
  if (isPromptgateError(error)) return new PromptgateError(error.code, error.message + suffix, { hint: error.hint, location: error.location, exitCode: error.exitCode });
  const message = error instanceof Error ? error.message : String(error);
  return new Error(message + suffix);
}
