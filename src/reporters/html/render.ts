import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaseResult, RunHeader } from '../../run-record/types.js';
import type { Reporter } from '../types.js';
import { CLIENT_SCRIPT } from './client-script.generated.js';
import { buildReportData, type ReportDataOptions } from './data.js';
import { renderSelfContainedPage, selfContainedCsp } from './page-shell.js';
import { REPORT_CSS } from './styles.js';
import { buildReportView, flakySection } from './view.js';

export type HtmlOptions = ReportDataOptions;

// src/reporters/html/client/*.ts, bundled at build time (`npm run generate`).
const SCRIPT = CLIENT_SCRIPT;

/** The page's Content-Security-Policy: nothing from the network, only the inline app script. */
export const REPORT_CSP = selfContainedCsp(SCRIPT);

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
  return renderSelfContainedPage({
    title,
    csp: REPORT_CSP,
    css: REPORT_CSS,
    noscript: 'This report needs JavaScript to display. All results are also in run.json next to this file.',
    data: { ...data, view },
    script: SCRIPT,
  });
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
