import { createHash } from 'node:crypto';
import { escapeHtml, jsonForScript } from '../reporters/escape.js';
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

// src/history/client/*.ts, bundled at build time (`npm run generate`).
const SCRIPT_HASH = createHash('sha256').update(HISTORY_SCRIPT, 'utf8').digest('base64');

/** The page's Content-Security-Policy: nothing from the network, only the inline page script. */
export const HISTORY_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

/**
 * The self-contained history page (`promptgate history`): one HTML string, no network. The lines
 * come oldest first. What the page shows is computed here (page-data.ts) and embedded as JSON in a
 * non-executed script element; the page's script (client/) draws it with textContent and SVG/canvas
 * calls only, so untrusted text in it (case ids, suite and model names, versions) stays text.
 */
export function renderHistoryPage(entries: HistoryEntry[], options: HistoryPageOptions): string {
  const data = buildHistoryPageData(entries, options);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${HISTORY_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${REPORT_CSS}${HISTORY_CSS}</style>`,
    '</head>',
    '<body>',
    '<main id="app"></main>',
    `<noscript><p>This page needs JavaScript to display. The same history is in ${escapeHtml('index.jsonl')} and history.md next to it.</p></noscript>`,
    `<script type="application/json" id="data">${jsonForScript(data)}</script>`,
    `<script>${HISTORY_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
