import { inputError } from '../errors.js';
import { readPromptFolder } from './folder.js';
import { promptLookup, type PromptHandle } from './handle.js';
import { watchPrompts } from './reload.js';
import { loadFromStore, type LoadPromptsFromStoreOptions } from './store-load.js';

export type { LoadPromptsFromStoreOptions } from './store-load.js';

/** `loadPrompts({ dir })`: the prompt files of a folder, or `loadPrompts({ store })`: a registry label. */
export type LoadPromptsOptions = LoadPromptsFromDirOptions | LoadPromptsFromStoreOptions;

/** Prompt files read from a folder of the app's own disk. */
export interface LoadPromptsFromDirOptions {
  /** The folder of `.prompt` files (relative to the working directory), e.g. `prompts`. */
  dir: string;
  store?: undefined;
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
  /** From a store: the label the new version is served from (absent for a file). */
  label?: string;
  /** From a store: the store's URL (absent for a file). */
  store?: string;
}

/** The prompts of one folder, or of one registry label, ready to render. */
export interface PromptRegistry {
  /** A live handle on prompt `id`; throws FILE_MISSING for an unknown id. */
  get(id: string): PromptHandle;
  has(id: string): boolean;
  /** The ids being served, sorted. */
  ids(): string[];
  /** The lock file in force (absolute path), if any (the dir form). */
  readonly lockFile: string | undefined;
  /** The registry label served (the store form), else undefined. */
  readonly label: string | undefined;
  /** The registry store's URL, credentials removed (the store form), else undefined. */
  readonly store: string | undefined;
  /** Stops watching / refreshing (and closes a store opened from a URL). Never rejects. */
  close(): Promise<void>;
}

/**
 * Loads every `.prompt` file of `dir` and serves them by id. Under a lock (prompts.lock.json
 * next to the prompt folder, or `lockFile`), a file whose hash differs from its locked version,
 * or that the lock does not list, is refused: the promise rejects with LOCK_MISMATCH naming the
 * file, the versions and both hashes. Invalid files reject with their own error (file and line).
 * With `watch: true`, changed or added files are reloaded; a refused change keeps the last good
 * version and is reported through `onError`; a changed lock file is re-read and re-applied.
 *
 * With `{ store, label }` it serves the versions a registry label points to instead, verified and
 * refreshed while running (store-load.ts).
 */
export async function loadPrompts(options: LoadPromptsOptions): Promise<PromptRegistry> {
  if (options && typeof options === 'object' && 'store' in options && options.store !== undefined) {
    if ('dir' in options && options.dir !== undefined) throw inputError('USAGE', 'loadPrompts takes { dir } or { store }, not both (a bundled folder for when the store is down is { store, fallback: { dir } })');
    return loadFromStore(options);
  }
  if (!options || typeof (options as LoadPromptsFromDirOptions).dir !== 'string' || (options as LoadPromptsFromDirOptions).dir === '') {
    throw inputError('USAGE', 'loadPrompts needs { dir }: the folder of .prompt files, or { store }: a registry store URL');
  }
  const dirOptions = options as LoadPromptsFromDirOptions;
  const served = await readPromptFolder(dirOptions.dir, dirOptions.lockFile);
  const { entries, lockPath } = served;
  const stopWatching = dirOptions.watch
    ? watchPrompts(served, {
      debounceMs: dirOptions.debounceMs ?? 50,
      onError: dirOptions.onError ?? ((error: Error) => process.emitWarning(error.message, 'PromptgateWarning')),
      onChange: dirOptions.onChange,
    })
    : undefined;

  return {
    ...promptLookup(entries, { prompt: (prompt) => prompt }, (id, known) => `no prompt ${JSON.stringify(id)} in ${dirOptions.dir} (${known.length ? `have: ${known.join(', ')}` : 'it has no .prompt files'})`),
    get lockFile() {
      return served.lock ? lockPath : undefined;
    },
    label: undefined,
    store: undefined,
    close() {
      served.closed = true;
      stopWatching?.();
      return Promise.resolve();
    },
  };
}

