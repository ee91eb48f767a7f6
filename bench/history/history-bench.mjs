#!/usr/bin/env node
/**
 * `npm run bench:history`: the history page (src/history/page.ts) at scale, on the current build.
 *
 * Writes a generated reports/index.jsonl of R runs (default 1,000), each of C cases (default 1,000:
 * 2 suites of C/2) on 2 models, so R × 2C heat-map cells, with model-version and prompt changes,
 * flaky and breaking cases. Then:
 * 1. generation: a child process (bench/history/render.mjs) reads and parses index.jsonl and writes
 *    history.html with renderHistoryPage from dist/: wall time from spawn to exit (Node start-up
 *    included), its own parse / render / write split, peak RSS, and the page's size (raw and gzip);
 * 2. the page in headless Chromium (playwright-core, /usr/bin/chromium or PROMPTGATE_CHROMIUM), from
 *    file://, fresh pages: time to the first heat-map rows and charts shown, then to a model filter
 *    applied, then to a case-id text filter applied, then to "Show 200 more" drawn.
 * Figures go to BENCHMARKS.md between the history-bench markers. Exits non-zero only when it
 * cannot run, never on a number. Not a test: the machine's load cannot fail anything here.
 *
 * Options: --runs <n> (default 1000), --cases <n> per run (default 1000), --pages <n> (fresh pages
 * in Chromium, default 3), --out <file> (default BENCHMARKS.md), --no-write (print only), --keep
 * (keep the temporary folder with index.jsonl and history.html, and print its path).
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { machineInfo, mb, median, ms, runMeasured, writeBetweenMarkers } from '../measure.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START = '<!-- history-bench:start (written by `npm run bench:history`; edit outside these markers) -->';
const END = '<!-- history-bench:end -->';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    cases: { type: 'string', default: '1000' },
    pages: { type: 'string', default: '3' },
    out: { type: 'string', default: join(ROOT, 'BENCHMARKS.md') },
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Math.max(2, Number(opts.runs) || 1000);
const CASES = Math.max(2, Number(opts.cases) || 1000);
const PAGES = Math.max(1, Number(opts.pages) || 3);
const MODELS = ['gpt-4o-mini', 'claude-haiku'];
const SUITES = ['support', 'billing'];
const log = (line) => process.stderr.write(`${line}\n`);

/** mulberry32: the same history on every run of the bench. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One nightly run per day. Per case: 2% flaky (pass with probability 0.5), 1% break for good at a
 * random run, 0.5% always fail, 0.2% error now and then; gpt-4o-mini's version changes at 30% and
 * 70% of the runs, the prompts' version every 100 runs.
 */
function writeIndex(file) {
  const rand = random(20261130);
  const perSuite = Math.floor(CASES / SUITES.length);
  const kinds = [];
  for (let s = 0; s < SUITES.length; s++) {
    for (let m = 0; m < MODELS.length; m++) {
      for (let c = 0; c < perSuite; c++) {
        const x = rand();
        kinds.push(x < 0.02 ? { kind: 'flaky' } : x < 0.03 ? { kind: 'break', at: Math.floor(rand() * RUNS) } : x < 0.035 ? { kind: 'fail' } : x < 0.037 ? { kind: 'error' } : { kind: 'pass' });
      }
    }
  }
  const lines = [];
  const start = Date.UTC(2024, 0, 1, 2);
  for (let r = 0; r < RUNS; r++) {
    const startedAt = new Date(start + r * 86_400_000).toISOString();
    const rows = [];
    let k = 0;
    for (const suite of SUITES) {
      for (const model of MODELS) {
        const outcomes = {};
        let passed = 0;
        let failed = 0;
        for (let c = 0; c < perSuite; c++, k++) {
          const { kind, at } = kinds[k];
          const o = kind === 'flaky' ? (rand() < 0.5 ? 'p' : 'f') : kind === 'break' ? (r >= at ? 'f' : 'p') : kind === 'fail' ? 'f' : kind === 'error' ? (rand() < 0.2 ? 'e' : 'p') : 'p';
          outcomes[`${suite}-case-${String(c).padStart(5, '0')}`] = o;
          if (o === 'p') passed++;
          if (o === 'f') failed++;
        }
        const version = model === 'gpt-4o-mini' ? (r < RUNS * 0.3 ? 'gpt-4o-mini-2024-07-18' : r < RUNS * 0.7 ? 'gpt-4o-mini-2025-04-01' : 'gpt-4o-mini-2026-11-20') : 'claude-haiku-20250101';
        rows.push({
          suite, model, promptId: suite, promptVersion: `1.${Math.floor(r / 100)}.0`, promptHash: `h${Math.floor(r / 100)}`, modelsReported: [version],
          cases: perSuite, passed, failed, errored: perSuite - passed - failed, passRate: passed / (passed + failed), meanScore: null,
          costUsd: 0.4 + rand() * 0.05, latencyP50: 400 + rand() * 50, latencyP95: 900 + rand() * 300, outcomes,
        });
      }
    }
    lines.push(JSON.stringify({ v: 1, runId: `2024-nightly-${String(r).padStart(4, '0')}`, command: 'drift', status: 'complete', startedAt, finishedAt: startedAt, gitCommit: 'abc1234', runDir: `run-${String(r).padStart(4, '0')}`, verdict: 'pass', rows }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function inChromium(file) {
  const executablePath = process.env.PROMPTGATE_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) return undefined;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  const samples = { load: [], model: [], text: [], more: [], script: [], modelSync: [], textSync: [] };
  const counts = [];
  const changed = (page, before) => page.waitForFunction((text) => document.querySelector('[data-testid="heat-count"]')?.textContent !== text, before, { polling: 'raf' });
  try {
    for (let i = 0; i < PAGES; i++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const t0 = performance.now();
      await page.goto(pathToFileURL(file).href);
      await page.getByTestId('heat-row').first().waitFor();
      await page.getByTestId('chart-pass-rate').first().waitFor();
      const t1 = performance.now();
      const c0 = await page.getByTestId('heat-count').textContent();
      await page.getByTestId('filter-model').selectOption('claude-haiku');
      await changed(page, c0);
      const t2 = performance.now();
      const c1 = await page.getByTestId('heat-count').textContent();
      await page.getByTestId('filter-case').fill('case-0012');
      await changed(page, c1);
      const t3 = performance.now();
      const c2 = await page.getByTestId('heat-count').textContent();
      await page.getByTestId('filter-case').fill('');
      await changed(page, c2);
      const c3 = await page.getByTestId('heat-count').textContent();
      const t4 = performance.now();
      // Only when there is more than a block to show (a small --cases has not).
      if (await page.getByTestId('heat-more').isVisible()) {
        await page.getByTestId('heat-more').click();
        await changed(page, c3);
      }
      const t5 = performance.now();
      counts.splice(0, counts.length, c0, c1, c2, c3, await page.getByTestId('heat-count').textContent());
      // The same steps timed inside the page, around the filters' own handlers (no round trips, no waiting for a frame).
      const inPage = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const model = document.querySelector('[data-testid="filter-model"]');
        const text = document.querySelector('[data-testid="filter-case"]');
        const time = (fn) => {
          const t = performance.now();
          fn();
          return performance.now() - t;
        };
        model.value = '';
        model.dispatchEvent(new Event('change'));
        return {
          script: nav.domInteractive - nav.responseEnd,
          model: time(() => {
            model.value = 'claude-haiku';
            model.dispatchEvent(new Event('change'));
          }),
          text: time(() => {
            text.value = 'case-0012';
            text.dispatchEvent(new Event('input'));
          }),
        };
      });
      samples.script.push(inPage.script);
      samples.modelSync.push(inPage.model);
      samples.textSync.push(inPage.text);
      samples.load.push(t1 - t0);
      samples.model.push(t2 - t1);
      samples.text.push(t3 - t2);
      samples.more.push(t5 - t4);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return { load: median(samples.load), model: median(samples.model), text: median(samples.text), more: median(samples.more), script: median(samples.script), modelSync: median(samples.modelSync), textSync: median(samples.textSync), counts, samples };
}

async function main() {
  const render = join(ROOT, 'dist', 'history', 'page.js');
  if (!existsSync(render)) throw new Error('dist/history/page.js not found: build first (`npm run bench:history` runs `npm run build`)');
  const machine = machineInfo();
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'promptgate-history-bench-'));
  try {
    const index = join(dir, 'index.jsonl');
    writeIndex(index);
    const indexBytes = statSync(index).size;
    log(`index.jsonl: ${RUNS} runs, ${(indexBytes / 2 ** 20).toFixed(1)} MiB`);
    const out = join(dir, 'history.html');
    const gens = [];
    for (let i = 0; i < 3; i++) {
      const r = await runMeasured(process.execPath, [join(ROOT, 'bench', 'history', 'render.mjs'), index, out], { cwd: ROOT, rss: true });
      if (r.code !== 0) throw new Error(`render.mjs exited ${r.code}: ${r.stderr.trim()}`);
      gens.push({ wallMs: r.wallMs, kb: r.peakRssKb, ...JSON.parse(r.stdout) });
    }
    gens.sort((a, b) => a.wallMs - b.wallMs);
    const gen = gens[1];
    const html = readFileSync(out);
    const size = html.length;
    const gzip = gzipSync(html).length;
    log(`generated in ${ms(gen.wallMs)} (parse ${ms(gen.parseMs)}, render ${ms(gen.renderMs)}, write ${ms(gen.writeMs)}), ${(size / 2 ** 20).toFixed(1)} MiB`);
    const browser = await inChromium(out);
    if (browser) log(`Chromium: load ${ms(browser.load)}, model filter ${ms(browser.model)}, text filter ${ms(browser.text)}, show more ${ms(browser.more)}`);
    const cells = RUNS * Math.floor(CASES / SUITES.length) * SUITES.length * MODELS.length;
    const body = [
      '## The history page at scale',
      '',
      `Measured by \`npm run bench:history\` (= \`npm run build && node bench/history/history-bench.mjs${RUNS !== 1000 || CASES !== 1000 ? ` --runs ${RUNS} --cases ${CASES}` : ''}\`) on ${machine.date}, in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
      '',
      `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu} (/proc/cpuinfo), ${machine.memoryGiB} GiB memory, Node ${machine.node}; load average ${machine.load} before the run and ${machineInfo().load} after it (other work on the machine slows every timed figure).`,
      '',
      `A generated reports/index.jsonl (bench/history/history-bench.mjs): ${RUNS.toLocaleString('en-US')} nightly runs, each of ${CASES.toLocaleString('en-US')} cases (${SUITES.length} suites) on ${MODELS.length} models, so ${(SUITES.length * MODELS.length).toLocaleString('en-US')} suite × model series and ${cells.toLocaleString('en-US')} heat-map cells; 2% of cases flaky, 1% breaking at some run, model-version changes at 30% and 70% of the runs, a prompt version every 100 runs. index.jsonl: ${(indexBytes / 2 ** 20).toFixed(1)} MiB.`,
      '',
      '| generating history.html | median of 3 |',
      '|---|---:|',
      `| wall, spawn to exit (Node start-up, read + parse index.jsonl, render, write) | ${ms(gen.wallMs)} |`,
      `| of which: read + JSON.parse of the ${RUNS.toLocaleString('en-US')} lines | ${ms(gen.parseMs)} |`,
      `| of which: renderHistoryPage (page data, sort, movers, HTML) | ${ms(gen.renderMs)} |`,
      `| of which: write | ${ms(gen.writeMs)} |`,
      `| peak RSS | ${mb(gen.kb)} |`,
      `| history.html | ${(size / 2 ** 20).toFixed(1)} MiB (${(gzip / 2 ** 20).toFixed(2)} MiB gzipped) |`,
      '',
      browser
        ? [
            `Opened in headless Chromium from file:// (median of ${PAGES} fresh pages; runs: ${browser.samples.load.map((x) => ms(x)).join(', ')} to load):`,
            '',
            '| first heat-map rows and charts shown | model filter applied | case-id text filter applied | "Show 200 more" drawn |',
            '|---:|---:|---:|---:|',
            `| ${ms(browser.load)} | ${ms(browser.model)} | ${ms(browser.text)} | ${ms(browser.more)} |`,
            '',
            `Heat-map counts shown: ${browser.counts.join(' → ')}. Timed from the bench (playwright), so each figure includes its round trips and the frame that shows the result. Inside the page (performance.now(), median): parsing the HTML and running the page's script until the DOM is interactive ${ms(browser.script)}; the model filter's handler ${ms(browser.modelSync)}; the case-id filter's handler ${ms(browser.textSync)}.`,
          ].join('\n')
        : 'Chromium: not available (no /usr/bin/chromium and PROMPTGATE_CHROMIUM unset).',
    ].join('\n');
    process.stdout.write(`${body}\n`);
    if (!opts['no-write']) {
      writeBetweenMarkers(opts.out, { start: START, end: END, text: body, place: 'end' });
      log(`wrote ${opts.out}`);
    }
  } finally {
    if (opts.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench:history could not run: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
