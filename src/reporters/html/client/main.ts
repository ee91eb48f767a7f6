/**
 * report.html's script (entry point). Bundled by `npm run generate` into one ES2017 iife in
 * ../client-script.generated.ts, which render.ts inlines and allows by its sha256 in the page's
 * CSP. It reads the run from the page's JSON data element and builds the DOM with textContent only.
 */
import { add } from './dom.js';
import { backdrop, closeDetail, detail, openDetail } from './detail.js';
import { applyFilter, renderCases, renderChart, renderHeader, renderSections, renderSummary } from './page.js';

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !detail.hidden) closeDetail();
});

const app = document.getElementById('app');
if (app) add(app, [renderHeader(), renderSummary(), renderSections(), renderChart(), renderCases(openDetail)]);
document.body.appendChild(backdrop);
document.body.appendChild(detail);
applyFilter();
