/**
 * Drives history.html in a real Chromium (the worker's shared one, test/helpers/browser.ts) from
 * file:// with its CSP in force, on a generated history of 60 nightly runs (./synthetic.ts).
 * How fast it opens and filters at 1,000 runs × 1,000 cases is a benchmark (`npm run bench:history`),
 * not a test.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHistoryPage } from '../../src/history/page.js';
import type { HistoryEntry } from '../../src/history/types.js';
import { runBrowserTests, sharedBrowser } from '../helpers/browser.js';
import { HOSTILE, MODEL_CHANGE_RUN, NEW_VERSION, NEWLY_FAILING_FROM, OLD_VERSION, PROMPT_CHANGE_RUN, RUNS, makeHistory, runDir } from './synthetic.js';

const OUT = resolve('test-output', 'history');

// Only used inside page.evaluate callbacks, which run in the browser (the project's lib has no DOM).
declare const document: {
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }>;
  querySelector(selector: string): { getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } } | null;
};
declare const window: Record<string, unknown>;

describe.skipIf(!runBrowserTests)('history.html in Chromium', () => {
  let page: Page;
  let entries: HistoryEntry[];
  let url: string;
  const errors: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    const launched = sharedBrowser();
    entries = makeHistory();
    await rm(OUT, { recursive: true, force: true });
    await mkdir(OUT, { recursive: true });
    // Every run's report, so that following a point lands on a real page.
    await Promise.all(entries.map(async (entry, i) => {
      await mkdir(join(OUT, runDir(i)), { recursive: true });
      await writeFile(join(OUT, runDir(i), 'report.html'), `<!doctype html><title>report ${i}</title><p>run ${i}</p>`);
    }));
    const file = join(OUT, 'history.html');
    await writeFile(file, renderHistoryPage(entries, { title: `nightly ${HOSTILE.caseId}`, filters: { since: '60d' }, reportHref: (e) => `./${e.runDir}/report.html` }));
    url = pathToFileURL(file).href;
    page = await (await launched).newPage({ viewport: { width: 1400, height: 900 } });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    // CSP violations and failed loads show up as console errors.
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) errors.push(`request: ${request.url()}`);
    });
    await page.goto(url);
    await page.getByTestId('heat-row').first().waitFor();
  });

  afterAll(async () => {
    await page?.close();
  });

  const series = (name: string) => page.getByTestId('series').filter({ has: page.locator('.series-name', { hasText: name }) });

  it('marks the model-version change and the prompt change on the time axis, at the run where they happened', async () => {
    const mini = series('support · gpt-4o-mini');
    const markers = mini.getByTestId('chart-pass-rate').getByTestId('change-marker');
    await expect(markers.evaluateAll((list) => list.map((m) => [m.getAttribute('data-kind'), m.getAttribute('data-run')]))).resolves.toEqual([
      ['prompt', entries[PROMPT_CHANGE_RUN].runId],
      ['model', entries[MODEL_CHANGE_RUN].runId],
    ]);
    await expect(markers.nth(1).locator('text').textContent()).resolves.toBe(`model → ${NEW_VERSION}`);
    await expect(markers.nth(1).locator('title').textContent()).resolves.toContain(`model version: ${OLD_VERSION} → ${NEW_VERSION}`);
    // The marker's line stands on the x of the first run with the new version.
    const point = mini.locator(`[data-testid="point"][data-run="${entries[MODEL_CHANGE_RUN].runId}"] circle`);
    await expect(markers.nth(1).locator('line').getAttribute('x1')).resolves.toBe(String(Number(await point.getAttribute('cx'))));
    await expect(mini.getByTestId('change').allTextContents()).resolves.toEqual([
      `prompt 2026-09-21 (${entries[PROMPT_CHANGE_RUN].runId}): support@1.0.0 → support@1.1.0`,
      `model version 2026-10-11 (${entries[MODEL_CHANGE_RUN].runId}): ${OLD_VERSION} → ${NEW_VERSION}`,
    ]);
    // claude-haiku's version never changed: only the prompt change is marked.
    await expect(series('support · claude-haiku').getByTestId('change-marker').evaluateAll((list) => list.map((m) => m.getAttribute('data-kind')))).resolves.toEqual(['prompt']);
    await expect(mini.getByTestId('point').count()).resolves.toBe(RUNS);
    await expect(mini.getByTestId('chart-cost').locator('path.cost').count()).resolves.toBe(1);
    await expect(mini.getByTestId('chart-latency').locator('path.p95, path.p50').count()).resolves.toBe(2);
  });

  it('puts the two flaky cases at the top of the heat-map, then the newly failing one, and draws its latest runs red', async () => {
    const rows = page.getByTestId('heat-row');
    const top = await rows.evaluateAll((list) => list.slice(0, 5).map((r) => [r.getAttribute('data-case'), r.getAttribute('data-tag')]));
    expect(top).toEqual([['case-07', 'flaky'], ['case-13', 'flaky'], ['case-21', 'newly-failing'], ['case-02', 'failing'], [expect.any(String), 'none']]);
    await expect(rows.nth(0).locator('.badge').textContent()).resolves.toBe('flaky · 59 flips');
    await expect(rows.nth(2).locator('.badge').textContent()).resolves.toBe(`newly failing · ${RUNS - NEWLY_FAILING_FROM} runs`);
    await expect(page.getByTestId('heat-count').textContent()).resolves.toBe('Showing 62 of 62 cases');
    // Row 2's cells: pass before run 57, fail from it on (read back from the canvas).
    const cells = await page.evaluate(([row, runs]) => {
      const canvas = document.querySelector('[data-testid="heat-canvas"]') as unknown as { getAttribute(n: string): string; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
      const cw = Number(canvas.getAttribute('data-cell'));
      const ctx = canvas.getContext('2d');
      return Array.from({ length: runs }, (_, run) => {
        const [r, g] = Array.from(ctx.getImageData(run * cw + Math.floor(cw / 2), row * 16 + 4, 1, 1).data);
        return r > g ? 'f' : 'p';
      }).join('');
    }, [2, RUNS] as const);
    expect(cells).toBe('p'.repeat(NEWLY_FAILING_FROM) + 'f'.repeat(RUNS - NEWLY_FAILING_FROM));
    await expect(page.getByTestId('mover-case').first().locator('td').allTextContents()).resolves.toEqual(['case-21', 'support · gpt-4o-mini', '100.0%', '57.1%', '−42.9 pp']);
  });

  it('filters by suite, model and case id', async () => {
    await page.getByTestId('filter-model').selectOption('claude-haiku');
    await expect(page.getByTestId('series').evaluateAll((list) => list.filter((s) => !(s as unknown as { hidden: boolean }).hidden).length)).resolves.toBe(1);
    await expect(page.getByTestId('heat-count').textContent()).resolves.toBe('Showing 30 of 30 cases');
    await expect(page.getByTestId('heat-row').first().getAttribute('data-case')).resolves.toBe('case-13');
    await page.getByTestId('filter-case').fill('CASE-2');
    await expect(page.getByTestId('heat-row').evaluateAll((list) => list.map((r) => r.getAttribute('data-case')))).resolves.toEqual(Array.from({ length: 10 }, (_, i) => `case-2${i}`));
    await page.getByTestId('filter-model').selectOption('');
    await page.getByTestId('filter-suite').selectOption(HOSTILE.suite);
    await page.getByTestId('filter-case').fill('');
    await expect(page.getByTestId('heat-row').evaluateAll((list) => list.map((r) => r.getAttribute('data-case')))).resolves.toEqual([HOSTILE.caseId, 'case-00']);
    await page.getByTestId('filter-suite').selectOption('');
    await expect(page.getByTestId('heat-count').textContent()).resolves.toBe('Showing 62 of 62 cases');
  });

  it('shows hostile names, versions and case ids as text and runs none of them', async () => {
    const hostile = series(`${HOSTILE.suite} · ${HOSTILE.model}`);
    await expect(hostile.count()).resolves.toBe(1);
    await expect(hostile.getByTestId('change').allTextContents()).resolves.toEqual([
      `prompt 2026-10-24 (run-53): support@1.0.0 → support@${HOSTILE.prompt}`,
      `model version 2026-10-26 (run-55): x-1 → ${HOSTILE.version}`,
    ]);
    const row = page.getByTestId('heat-row').filter({ has: page.locator('.case-id', { hasText: HOSTILE.caseId }) });
    await expect(row.locator('.case-id').textContent()).resolves.toBe(HOSTILE.caseId);
    await expect(row.getAttribute('data-case')).resolves.toBe(HOSTILE.caseId);
    await expect(page.locator('h1').textContent()).resolves.toBe(`nightly ${HOSTILE.caseId}`);
    await expect(page.getByTestId('point').last().getAttribute('data-run')).resolves.toBe(HOSTILE.runId);
    // Nothing the data holds became an element or an attribute that runs script.
    const injected = await page.evaluate(() => ({
      pwned: window.__pwned,
      elements: document.querySelectorAll('img, iframe, object, embed, script:not(#data)').length,
      handlers: document.querySelectorAll('[onload], [onerror], [onmouseover], [srcdoc]').length,
      links: Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href')).filter((href) => !/^\.\/nightly-\d\d\/report\.html$/.test(href ?? '')),
    }));
    expect(injected).toEqual({ pwned: undefined, elements: 1, handlers: 0, links: [] });
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  // Last: it navigates away from the page.
  it("opens a run's report when its point is clicked", async () => {
    const target = entries[45];
    // A fresh page: no filter left over from another test.
    await page.goto(url);
    await series('support · gpt-4o-mini').locator(`[data-testid="point"][data-run="${target.runId}"]`).click();
    await page.waitForURL(pathToFileURL(join(OUT, target.runDir, 'report.html')).href);
    await expect(page.title()).resolves.toBe('report 45');
    expect(errors).toEqual([]);
  });
});
