/**
 * `<reports>/index.jsonl`, the run history: one HistoryEntry per finished run folder. A run adds its
 * line when its run.json is written (appendHistoryEntry: one write of one whole line); `promptgate
 * history` reads it (loadHistory), and rebuilds it from the run folders when it is missing or stale.
 * A torn line (a crash mid-write) or a line this version does not know is skipped with a warning,
 * never trusted.
 */
import { writeFileAtomic } from '../util/write-atomic.js';
import { createReadStream, existsSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { RUN_FILE } from '../run-record/writer.js';
import { isHistoryEntry, readFolderEntry, readHistoryEntry } from './entry.js';
import { HISTORY_INDEX_FILE, type HistoryEntry } from './types.js';

/** A line of index.jsonl that was not taken: `torn` (not JSON), `foreign` (JSON, not an entry this version reads). */
export interface SkippedLine {
  line: number;
  kind: 'torn' | 'foreign';
}

export interface HistoryIndex {
  /** index.jsonl (absolute). */
  file: string;
  /** One per run folder (the last line of a run wins: a resumed run adds a second), oldest first. */
  entries: HistoryEntry[];
  skipped: SkippedLine[];
  /** Whether index.jsonl was written again from the run folders (missing, stale, or `rebuild`). */
  rebuilt: boolean;
  /** Run folders added from their run.json, and lines kept whose folder is gone. */
  added: number;
  orphaned: number;
  /** Run folders whose run.json could not be read (left out, one warning each). */
  unreadable: string[];
}

/**
 * Adds the index line of the finished run in `runDir` to index.jsonl in the folder that holds it
 * (`reports/` or `--out`). Returns the entry.
 */
export async function appendHistoryEntry(runDir: string): Promise<HistoryEntry> {
  // The run.json the session or merge has just written: read back without the schema check.
  const entry = await readHistoryEntry(runDir, { trusted: true });
  await appendLine(join(dirname(runDir), HISTORY_INDEX_FILE), JSON.stringify(entry));
  return entry;
}

/**
 * Appends one whole line in one write (O_APPEND: concurrent runs never interleave inside a line).
 * After a torn last line (no newline at the end) a newline goes first, so the torn line stays the
 * only one lost.
 */
async function appendLine(file: string, text: string): Promise<void> {
  const handle = await open(file, 'a+');
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    const data = Buffer.from(`${prefix}${text}\n`, 'utf8');
    let written = 0;
    while (written < data.length) written += (await handle.write(data, written)).bytesWritten;
  } finally {
    await handle.close();
  }
}

/** The lines of index.jsonl, with the raw text of foreign lines (kept when the file is written again). */
async function readIndexFile(file: string): Promise<{ entries: Map<string, HistoryEntry>; skipped: SkippedLine[]; foreign: string[] }> {
  const entries = new Map<string, HistoryEntry>();
  const skipped: SkippedLine[] = [];
  const foreign: string[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      skipped.push({ line, kind: 'torn' });
      continue;
    }
    if (!isHistoryEntry(value)) {
      skipped.push({ line, kind: 'foreign' });
      foreign.push(text);
      continue;
    }
    // A resumed run adds a second line for its folder: the last one describes it.
    entries.delete(value.runDir);
    entries.set(value.runDir, value);
  }
  return { entries, skipped, foreign };
}

/** Run folders in `reportsDir`: folders holding a run.json, by name. */
async function listRunFolders(reportsDir: string): Promise<string[]> {
  if (!existsSync(reportsDir)) return [];
  const items = await readdir(reportsDir, { withFileTypes: true });
  return items.filter((item) => item.isDirectory() && existsSync(join(reportsDir, item.name, RUN_FILE))).map((item) => item.name).sort();
}

const byTime = (a: HistoryEntry, b: HistoryEntry) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);

/**
 * The history of `reportsDir`. index.jsonl is taken as it is when it has a line for every run
 * folder there; when it is missing or misses one (a run killed before it wrote its line, a folder
 * copied in), it is written again with the missing folders read from their run.json. Lines whose
 * folder is gone are KEPT: the history outlives pruned run folders (a nightly CI job that keeps
 * index.jsonl between runs but only the last run folder); they are counted in `orphaned` and the
 * page's link to their report is dead. `rebuild`: every line made again from the folders there,
 * which drops the lines of folders that are gone. A folder whose run.json names another run (e.g.
 * a copy of an accepted baseline) is not a run.
 */
export async function loadHistory(reportsDir: string, options: { rebuild?: boolean } = {}): Promise<HistoryIndex> {
  const file = join(reportsDir, HISTORY_INDEX_FILE);
  const folders = await listRunFolders(reportsDir);
  const exists = existsSync(file);
  const read = exists && !options.rebuild ? await readIndexFile(file) : { entries: new Map<string, HistoryEntry>(), skipped: [], foreign: [] };
  const present = new Set(folders);
  const entries = new Map(read.entries);
  const orphaned = [...read.entries.keys()].filter((runDir) => !present.has(runDir)).length;
  const unreadable: string[] = [];
  let added = 0;
  for (const name of folders) {
    if (entries.has(name)) continue;
    let entry: HistoryEntry | undefined;
    try {
      entry = await readFolderEntry(join(reportsDir, name));
    } catch {
      unreadable.push(name);
      continue;
    }
    if (entry) {
      entries.set(name, entry);
      added++;
    }
  }
  const sorted = [...entries.values()].sort(byTime);
  // Nothing to write in a reports folder without runs (it may not even exist).
  const rebuilt = (exists || sorted.length > 0) && (!exists || options.rebuild === true || added > 0);
  if (rebuilt) await writeIndex(file, sorted, read.foreign);
  return { file, entries: sorted, skipped: read.skipped, rebuilt, added, orphaned, unreadable };
}

/** index.jsonl written whole: to a temp file renamed into place (a reader never sees half of it). */
async function writeIndex(file: string, entries: HistoryEntry[], foreign: string[]): Promise<void> {
  await writeFileAtomic(file, [...foreign, ...entries.map((entry) => JSON.stringify(entry))].map((line) => `${line}\n`).join(''));
}
