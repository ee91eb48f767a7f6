import { escapeHtml } from '../reporters/escape.js';
import { renderSelfContainedPage, selfContainedCsp } from '../reporters/html/page-shell.js';
import { REPORT_CSS } from '../reporters/html/styles.js';
import { buildHistoryPageData } from './page-data.js';
import { HISTORY_SCRIPT } from './page-script.generated.js';
import { HISTORY_CSS } from './page-styles.js';
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

/** The page's Content-Security-Policy: nothing from the network, only the inline page script (src/history/client/*.ts, bundled at build time by `npm run generate`). */
export const HISTORY_CSP = selfContainedCsp(HISTORY_SCRIPT);

/**
 * The self-contained history page (`promptgate history`): one HTML string, no network. The lines
 * come oldest first. What the page shows is computed here (page-data.ts) and embedded as JSON in a
 * non-executed script element; the page's script (client/) draws it with textContent and SVG/canvas
 * calls only, so untrusted text in it (case ids, suite and model names, versions) stays text.
 */
export function renderHistoryPage(entries: HistoryEntry[], options: HistoryPageOptions): string {
  const data = buildHistoryPageData(entries, options);
  return renderSelfContainedPage({
    title: data.title,
    csp: HISTORY_CSP,
    css: REPORT_CSS + HISTORY_CSS,
    noscript: `This page needs JavaScript to display. The same history is in ${escapeHtml('index.jsonl')} and history.md next to it.`,
    data,
    script: HISTORY_SCRIPT,
  });
}
