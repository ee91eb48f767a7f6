import { watch, type FSWatcher } from 'node:fs';

export interface FolderWatchOptions {
  /** Which file names matter (others are ignored). */
  accept(name: string): boolean;
  /** Called once a file has been quiet for `debounceMs` after a change; null: unknown file (reload all). */
  onChange(name: string | null): void;
  onError(error: Error): void;
  debounceMs: number;
}

/**
 * Watches one folder (not recursive) with fs.watch and reports each changed file once it has been
 * quiet for `debounceMs`: editors and deploys write a file in several steps (truncate, write,
 * rename), and reading it halfway would see a broken prompt. Neither the watcher nor its timers
 * keep the process alive. Returns a function that stops watching.
 */
export function watchFolder(dir: string, options: FolderWatchOptions): () => void {
  const timers = new Map<string | null, NodeJS.Timeout>();
  let closed = false;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_event, filename) => {
      const name = filename === null || filename === undefined ? null : String(filename);
      if (closed || (name !== null && !options.accept(name))) return;
      clearTimeout(timers.get(name));
      const timer = setTimeout(() => {
        timers.delete(name);
        if (!closed) options.onChange(name);
      }, options.debounceMs);
      timer.unref();
      timers.set(name, timer);
    });
    watcher.on('error', (error) => {
      if (!closed) options.onError(error);
    });
  } catch (error) {
    options.onError(error instanceof Error ? error : new Error(String(error)));
  }
  return () => {
    closed = true;
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
    watcher?.close();
  };
}
