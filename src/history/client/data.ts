/** The history page's data, read once from the page's non-executed JSON script element. */
import type { HistoryPageData } from '../page-data.js';

const source = document.getElementById('data');
export const DATA: HistoryPageData = JSON.parse(source?.textContent ?? '{}') as HistoryPageData;

/** `2026-11-30` (UTC) for a run's start. */
export function day(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** `2026-11-30 02:00` (UTC). */
export function dayTime(at: number): string {
  return new Date(at).toISOString().slice(0, 16).replace('T', ' ');
}

/** A series' name as shown: `suite · model`. */
export function seriesName(s: { suite: string; model: string }): string {
  return `${s.suite} · ${s.model}`;
}
