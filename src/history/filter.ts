import { inputError } from '../errors.js';
import type { HistoryEntry } from './types.js';

const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * `--since`: a span back from `now` (`30d`, `12h`, `2w`) or a date (`2026-11-01`, UTC midnight) or
 * an ISO time (`2026-11-01T12:00:00Z`). Returns the earliest start time kept (ms). Anything else
 * is bad input (USAGE, exit 2, one line).
 */
export function parseSince(text: string, now: number): number {
  const value = text.trim();
  const span = /^(\d{1,6})([hdw])$/.exec(value);
  if (span) return now - Number(span[1]) * UNIT_MS[span[2]];
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (date) {
    const time = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    // Date.UTC rolls 2026-02-30 over to March: a date that does not exist is refused.
    if (new Date(time).toISOString().slice(0, 10) === value) return time;
  } else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const time = Date.parse(value);
    if (!Number.isNaN(time)) return time;
  }
  throw inputError('USAGE', `${JSON.stringify(text)} is neither a span nor a date`, { file: '--since' }, 'use e.g. 30d, 12h, 2w, 2026-11-01 or 2026-11-01T12:00:00Z');
}

export interface HistoryFilters {
  suite?: string;
  model?: string;
  /** Earliest start time kept (ms): parseSince. */
  since?: number;
}

/**
 * The entries the filters keep, each with only the suite × model rows they keep (an entry left
 * with none is dropped). Shard runs (`--shard i/n`) are left out: each holds a slice of the cases,
 * and the merged run is the run; `shards` counts them.
 */
export function filterHistory(entries: HistoryEntry[], filters: HistoryFilters): { entries: HistoryEntry[]; shards: number } {
  const kept: HistoryEntry[] = [];
  let shards = 0;
  for (const entry of entries) {
    if (filters.since !== undefined && Date.parse(entry.startedAt) < filters.since) continue;
    const rows = entry.rows.filter((row) => (filters.suite === undefined || row.suite === filters.suite) && (filters.model === undefined || row.model === filters.model));
    if (rows.length === 0) continue;
    if (entry.shard) {
      shards++;
      continue;
    }
    kept.push(rows.length === entry.rows.length ? entry : { ...entry, rows });
  }
  return { entries: kept, shards };
}
