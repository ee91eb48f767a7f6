import type { HistoryEntry } from './types.js';

/** What the history page is drawn from, besides the index lines. */
export interface HistoryPageOptions {
  /** The page's title (e.g. the repository's name). */
  title?: string;
  /** The filters the page was made with (`--suite`, `--model`, `--since`), shown on it. */
  filters?: { suite?: string; model?: string; since?: string };
  /** Link from a run to its report, relative to the page (e.g. `./<runDir>/report.html`). */
  reportHref(entry: HistoryEntry): string;
}

/**
 * The self-contained history page (`promptgate history`): one HTML string, no network. The lines
 * come oldest first; untrusted text in them (case ids, suite and model names) is escaped.
 */
export function renderHistoryPage(entries: HistoryEntry[], options: HistoryPageOptions): string {
  // Placeholder until the page lands (issue 19): the CLI and its tests can already write a file.
  void options;
  return `<!doctype html><meta charset="utf-8"><title>promptgate history</title><p>${entries.length} runs</p>`;
}
