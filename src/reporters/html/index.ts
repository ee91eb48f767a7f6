/** The HTML reporter: one self-contained report.html per run. */
export { createHtmlReporter, renderHtml, REPORT_CSP, type HtmlOptions } from './render.js';
