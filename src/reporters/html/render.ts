import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaseResult, RunHeader } from '../../run-record/types.js';
import { escapeHtml, jsonForScript } from '../escape.js';
import type { Reporter } from '../types.js';
import { CLIENT_SCRIPT } from './client-script.generated.js';
import { buildReportData, type ReportDataOptions } from './data.js';
import { REPORT_CSS } from './styles.js';
import { buildReportView, flakySection } from './view.js';

export type HtmlOptions = ReportDataOptions;

// src/reporters/html/client/*.ts, bundled at build time (`npm run generate`).
const SCRIPT = CLIENT_SCRIPT;
// The CSP allows exactly this script by its hash: no other script, inline handler or URL can run.
const SCRIPT_HASH = createHash('sha256').update(SCRIPT, 'utf8').digest('base64');

/** The page's Content-Security-Policy: nothing from the network, only the inline app script. */
export const REPORT_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

/**
 * Renders a run as one self-contained HTML page (inline CSS and JS, no network, works from
 * file://). The run data is embedded as JSON in a non-executed script element; the page script
 * builds the DOM from it with textContent only. Word diffs of baseline against candidate are computed here.
 */
export async function renderHtml(run: RunHeader, cases: AsyncIterable<CaseResult>, options: HtmlOptions = {}): Promise<string> {
  const data = await buildReportData(run, cases, options);
  const view = buildReportView(data.run);
  const flaky = flakySection(data.cases);
  if (flaky) view.sections.push(flaky);
  const title = `promptgate ${run.command} · ${run.runId}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<main id="app"></main>',
    '<noscript><p>This report needs JavaScript to display. All results are also in run.json next to this file.</p></noscript>',
    `<script type="application/json" id="data">${jsonForScript({ ...data, view })}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A reporter that writes `<runDir>/report.html` when the run ends. */
export function createHtmlReporter(options: HtmlOptions = {}): Reporter {
  return {
    name: 'html',
    async onRunEnd(run, cases, runDir) {
      const file = join(runDir, 'report.html');
      await writeFile(file, await renderHtml(run, cases(), options), 'utf8');
      return [file];
    },
  };
}
