/**
 * Drives report.html in a real Chromium (Debian's /usr/bin/chromium via playwright-core), from
 * file:// with its CSP in force. Skipped only when Chromium is absent and CI is not set.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/reporters/html/index.js';
import type { RunFile } from '../../src/run-record/types.js';
import { CHROMIUM, runBrowserTests as run, sharedBrowser } from '../helpers/browser.js';
import { HOSTILE, makeDrift, makeRepeatRun, makeRun, streamOf } from './synthetic.js';

if (!run) console.warn(`[html-browser] skipped: no Chromium at ${CHROMIUM} (install it with: apt-get install -y chromium). These tests always run when CI is set.`);

const OUT = resolve('test-output');
/** Screenshots for a human to look at (test-output/*.png), only when asked: PNG encoding is most of a page's CPU here. */
const SCREENSHOTS = Boolean(process.env.PROMPTGATE_SCREENSHOTS);
const screenshot = async (page: Page, name: string, fullPage = false) => {
  if (SCREENSHOTS) await page.screenshot({ path: join(OUT, name), fullPage });
};

// Only used inside page.evaluate callbacks, which run in the browser (the project's lib has no DOM).
declare function requestAnimationFrame(callback: () => void): number;
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
};

interface Watched {
  page: Page;
  dialogs: string[];
  errors: string[];
}

describe.skipIf(!run)('report.html in Chromium', () => {
  let browser: Browser;
  let launched: Promise<Browser> | undefined;
  let reportUrl: string;
  let bigUrl: string;
  let plainUrl: string;
  let driftUrl: string;
  let report: RunFile;
  let plain: RunFile;

  beforeAll(async () => {
    // Chromium starts (or is already there, from another file of this worker) while the reports are written.
    launched = sharedBrowser();
    await mkdir(OUT, { recursive: true });
    report = makeRun({ cases: 60, models: ['gpt-4o-mini', 'claude-haiku'], extra: [{
      kind: 'regressed', id: 'hostile-case', description: HOSTILE.script,
      candidateOutput: `${HOSTILE.img} ${HOSTILE.script} ${HOSTILE.svg} </script><script>alert(4)</script>`,
      baselineOutput: `${HOSTILE.svg} safe baseline words`,
      vars: { q: HOSTILE.img }, reason: HOSTILE.svg,
    }] });
    // Its answers also called tools: the candidate changed an argument and called a tool whose name and arguments are hostile.
    const hostileCase = report.cases.find((c) => c.caseId === 'hostile-case')!;
    hostileCase.baseline!.repeats[0].toolCalls = [{ id: 'call_a', name: 'refund', rawArguments: '{"amount":10}', arguments: { amount: 10 } }];
    hostileCase.repeats[0].toolCalls = [
      { id: 'call_b', name: 'refund', rawArguments: '{"amount":100}', arguments: { amount: 100 } },
      { id: 'call_c', name: HOSTILE.svg, rawArguments: `{"x":"${HOSTILE.img}</script><script>alert(5)</script>"`, argumentsError: 'Unexpected end of JSON input' },
    ];
    const file = join(OUT, 'report.html');
    await writeFile(file, await renderHtml(report, streamOf(report.cases)));
    reportUrl = pathToFileURL(file).href;
    plain = makeRun({ cases: 30, compare: false });
    const plainFile = join(OUT, 'report-run.html');
    await writeFile(plainFile, await renderHtml(plain, streamOf(plain.cases)));
    plainUrl = pathToFileURL(plainFile).href;
    const drift = { ...makeRun({ cases: 12, compare: false }), command: 'drift' as const, drift: makeDrift() };
    const driftFile = join(OUT, 'report-drift.html');
    await writeFile(driftFile, await renderHtml(drift, streamOf(drift.cases)));
    driftUrl = pathToFileURL(driftFile).href;
    const big = makeRun({ cases: 2_000, models: ['gpt-4o-mini', 'claude-haiku', 'llama-3'] });
    const bigFile = join(OUT, 'report-2k.html');
    await writeFile(bigFile, await renderHtml(big, streamOf(big.cases)));
    bigUrl = pathToFileURL(bigFile).href;
    browser = await launched;
  });

  afterAll(async () => {
    // The page only: the browser is the worker's (test/helpers/browser.ts). Also when writing a report failed before the launch was awaited.
    await launched?.catch(() => undefined);
    await shared?.close();
  });

  /**
   * One page for the whole file, navigated anew by each test (a fresh document: nothing carries
   * over, the report keeps no state in storage), since a new page costs a new renderer process.
   * The listeners are the current test's only.
   */
  let shared: Page | undefined;
  async function open(url: string): Promise<Watched> {
    shared ??= await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const page = shared;
    for (const event of ['dialog', 'pageerror', 'console', 'request'] as const) page.removeAllListeners(event);
    const watched: Watched = { page, dialogs: [], errors: [] };
    page.on('dialog', (dialog) => {
      watched.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => watched.errors.push(`pageerror: ${error.message}`));
    // CSP violations and failed loads show up as console errors.
    page.on('console', (message) => {
      if (message.type() === 'error') watched.errors.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith('file:') && !request.url().startsWith('data:')) watched.errors.push(`request: ${request.url()}`);
    });
    await page.goto(url);
    await page.getByTestId('case-row').first().waitFor();
    return watched;
  }

  it('shows the header, summary and chart, and filters to exactly the regressed cases', async () => {
    const { page, dialogs, errors } = await open(reportUrl);
    await expect(page.getByTestId('verdict').textContent()).resolves.toContain('fail');
    await expect(page.getByTestId('summary').locator('tbody tr').count()).resolves.toBe(2);
    await expect(page.getByTestId('chart').getByTestId('bar-baseline').count()).resolves.toBe(2);
    await expect(page.getByTestId('case-row').count()).resolves.toBe(61);

    const regressed = report.cases.filter((c) => c.change === 'regressed');
    await expect(page.getByTestId('filter-regressed').textContent()).resolves.toBe(`Regressed (${regressed.length})`);
    await page.getByTestId('filter-regressed').click();
    await expect(page.getByTestId('filter-regressed').getAttribute('aria-pressed')).resolves.toBe('true');
    const rows = page.getByTestId('case-row');
    await expect(rows.count()).resolves.toBe(regressed.length);
    const changes = await rows.evaluateAll((list) => list.map((r) => r.getAttribute('data-change')));
    expect(changes.every((c) => c === 'regressed')).toBe(true);
    const ids = await rows.evaluateAll((list) => list.map((r) => Number(r.getAttribute('data-index'))));
    const shown = await page.evaluate((indexes) => {
      const data = JSON.parse(document.getElementById('data')?.textContent ?? '{}');
      return indexes.map((i: number) => data.cases[i].caseId);
    }, ids);
    expect(new Set(shown)).toEqual(new Set(regressed.map((c) => c.caseId)));
    await screenshot(page, 'report-regressed.png', true);

    await page.getByTestId('filter-all').click();
    await expect(rows.count()).resolves.toBe(61);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('opens a case with both outputs and a word diff', async () => {
    const { page, dialogs, errors } = await open(reportUrl);
    await page.getByTestId('filter-regressed').click();
    const target = report.cases.find((c) => c.caseId === 'case-00020');
    await page.getByTestId('search').fill('case-00020');
    await expect.poll(() => page.getByTestId('case-row').count()).toBe(1);
    await page.getByTestId('case-row').first().click();
    const detail = page.getByTestId('case-detail');
    await detail.waitFor({ state: 'visible' });
    await expect(detail.getByTestId('output-baseline').textContent()).resolves.toBe(target?.baseline?.repeats[0].output);
    await expect(detail.getByTestId('output-candidate').textContent()).resolves.toBe(target?.repeats[0].output);
    const diff = detail.getByTestId('diff');
    expect(await diff.locator('ins.ins').count()).toBeGreaterThan(0);
    expect(await diff.locator('del.del').count()).toBeGreaterThan(0);
    await expect(diff.locator('ins.ins').last().textContent()).resolves.toContain('two');
    await expect(detail.getByTestId('assertions').first().textContent()).resolves.toContain('icontains:thirty days');
    await screenshot(page, 'report-detail.png');
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'hidden' });
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('narrows rows by search over ids, descriptions, variables and outputs', async () => {
    const { page, errors } = await open(reportUrl);
    const rows = page.getByTestId('case-row');
    await page.getByTestId('search').fill('Refund question 3');
    // Descriptions "Refund question 3", "… 30", "… 33", "… 36", "… 39".
    await expect.poll(() => rows.count()).toBe(5);
    await page.getByTestId('search').fill('can i return item 42?');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByTestId('search').fill('no questions asked');
    const passing = report.cases.filter((c) => c.status === 'pass').length;
    await expect.poll(() => rows.count()).toBe(passing);
    await page.getByTestId('search').fill('nothing matches this');
    await expect.poll(() => rows.count()).toBe(0);
    await expect(page.getByTestId('empty').isVisible()).resolves.toBe(true);
    expect(errors).toEqual([]);
  });

  it('shows hostile text literally and runs none of it', async () => {
    const { page, dialogs, errors } = await open(reportUrl);
    await page.getByTestId('search').fill('hostile-case');
    await expect.poll(() => page.getByTestId('case-row').count()).toBe(1);
    await expect(page.getByTestId('case-row').first().locator('.case-name').textContent()).resolves.toContain(HOSTILE.script);
    await page.getByTestId('case-row').first().click();
    const detail = page.getByTestId('case-detail');
    const candidate = report.cases.find((c) => c.caseId === 'hostile-case')?.repeats[0].output;
    await expect(detail.getByTestId('output-candidate').textContent()).resolves.toBe(candidate);
    await expect(detail.getByTestId('output-baseline').textContent()).resolves.toBe(`${HOSTILE.svg} safe baseline words`);
    await expect(detail.getByTestId('vars').textContent()).resolves.toContain(HOSTILE.img);
    await expect(detail.locator('h2').textContent()).resolves.toBe(HOSTILE.script);
    // The candidate's tool calls (in the drawer and the row's preview) and the tool-call diff, with a hostile tool name and arguments, are text too.
    const hostileCall = `${HOSTILE.svg}(invalid JSON: {"x":"${HOSTILE.img}</script><script>alert(5)</script>")`;
    const row = page.getByTestId('case-row').first().locator('td.preview');
    await expect(Promise.all([detail.getByTestId('tool-calls-candidate').locator('li').allTextContents(), detail.getByTestId('tool-diff').locator('li').allTextContents(), row.textContent()])).resolves.toEqual([
      ['→ refund({"amount":100})', `→ ${hostileCall}`],
      ['refund.amount: 10 → 100', `added call: ${hostileCall}`],
      expect.stringContaining(`alert(4)</script> → refund({"amount":100}) → ${HOSTILE.svg}`),
    ]);
    const injected = await page.evaluate(() => document.querySelectorAll('img, svg, script:not(#data), iframe, object').length);
    // The page's own app script is the only script element besides the data.
    expect(injected).toBe(1);
    await screenshot(page, 'report-hostile.png');
    // Two frames and a task later, whatever the opened detail queued (load, error, toggle events) has run.
    await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0)))));
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shows what drift found: changed model versions, changed outputs and new errors, hostile text as text', async () => {
    const { page, dialogs, errors } = await open(driftUrl);
    const section = page.getByTestId('drift');
    await expect(section.locator('h3').allTextContents()).resolves.toEqual(['Model versions that changed', 'Outputs that changed', 'New errors (2)']);
    await expect(section.getByTestId('drift-table-0').locator('tbody td').nth(2).textContent()).resolves.toBe(`gpt-4o-mini-2026-11-20 ${HOSTILE.script}`);
    await expect(section.getByTestId('drift-table-1').locator('tbody td').nth(2).textContent()).resolves.toBe('9 / 60');
    await expect(section.getByTestId('drift-table-2').locator('tbody tr').count()).resolves.toBe(2);
    await expect(section.getByTestId('drift-table-2').locator('tbody td').nth(3).textContent()).resolves.toBe(`provider_error: 500 ${HOSTILE.img}`);
    await screenshot(page, 'report-drift.png', true);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shows a plain run without comparison filters, and filters failing cases', async () => {
    const { page, dialogs, errors } = await open(plainUrl);
    await expect(page.getByTestId('verdict').textContent()).resolves.toBe('gate: no gate');
    await expect(page.getByTestId('filter-regressed').count()).resolves.toBe(0);
    await expect(page.getByTestId('filter-improved').count()).resolves.toBe(0);
    await expect(page.getByTestId('chart').getByTestId('bar-baseline').count()).resolves.toBe(0);
    await expect(page.getByTestId('chart').getByTestId('bar-candidate').count()).resolves.toBe(1);
    await page.getByTestId('filter-failing').click();
    const failing = plain.cases.filter((c) => c.status === 'fail').length;
    await expect.poll(() => page.getByTestId('case-row').count()).toBe(failing);
    await page.getByTestId('case-row').first().click();
    const detail = page.getByTestId('case-detail');
    await expect(detail.getByTestId('output-candidate').count()).resolves.toBe(1);
    await expect(detail.getByTestId('output-baseline').count()).resolves.toBe(0);
    await expect(detail.getByTestId('diff').count()).resolves.toBe(0);
    await screenshot(page, 'report-run.png', true);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('with repeats: a flaky section and a Flaky filter list the flakiest cases first; a case shows its repeats passed', async () => {
    // [baseline, candidate] repeats passed of 4: case-2 and case-5 half (flakiest), case-1 and case-4 one off.
    const repeated = makeRepeatRun([[4, 4], [4, 1], [2, 2], [0, 0], [3, 4], [4, 2]], 4);
    const file = join(OUT, 'report-repeats.html');
    await writeFile(file, await renderHtml(repeated, streamOf(repeated.cases)));
    const { page, dialogs, errors } = await open(pathToFileURL(file).href);
    const section = page.getByTestId('flaky');
    await expect(section.locator('tbody tr td:first-child').allTextContents()).resolves.toEqual(['case-2', 'case-5', 'case-1', 'case-4']);
    await expect(page.getByTestId('filter-flaky').textContent()).resolves.toBe('Flaky (4)');
    await page.getByTestId('filter-flaky').click();
    const rows = page.getByTestId('case-row');
    await expect.poll(() => rows.count()).toBe(4);
    await expect(rows.locator('.case-name').allTextContents()).resolves.toEqual(['case-2', 'case-5', 'case-1', 'case-4']);
    await expect(rows.first().getByTestId('flaky').textContent()).resolves.toBe('flaky: 2/4 → 2/4');
    await rows.nth(2).click();
    await expect(page.getByTestId('case-detail').getByTestId('repeats-passed').textContent()).resolves.toBe('repeats passed 4/4 → 1/4');
    await screenshot(page, 'report-repeats.png', true);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  // How fast this stays at 10,000 cases is a benchmark (`npm run bench -- --only memory,reports`,
  // BENCHMARKS.md), not a test: a timed assertion would pass or fail with the machine's load.
  it('pages a large report 200 rows at a time, and filters and searches over all of its cases', async () => {
    const { page, errors } = await open(bigUrl);
    const rows = page.getByTestId('case-row');
    await expect(rows.count()).resolves.toBe(200);
    await expect(page.getByTestId('count').textContent()).resolves.toBe('Showing 200 of 2000 cases');
    await page.getByTestId('show-more').click();
    await expect(rows.count()).resolves.toBe(400);
    await page.getByTestId('filter-improved').click();
    await expect.poll(() => page.getByTestId('count').textContent()).toBe('Showing 100 of 100 cases');
    // Improved cases are every 20th; case-01000 … case-01999 hold 50 of them.
    await page.getByTestId('search').fill('case-01');
    await expect.poll(() => page.getByTestId('count').textContent()).toBe('Showing 50 of 50 cases');
    await expect(rows.count()).resolves.toBe(50);
    await screenshot(page, 'report-2k.png');
    expect(errors).toEqual([]);
  });
});
