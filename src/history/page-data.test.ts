import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildHistoryPageData, classifyCase, safeHref } from './page-data.js';
import { HISTORY_CSP, renderHistoryPage } from './page.js';
import { GENERATED_PAGE_SCRIPT, pageScriptSource } from './page-codegen.js';
import { HISTORY_SCRIPT } from './page-script.generated.js';
import type { HistoryEntry, HistoryRow } from './types.js';

function row(over: Partial<HistoryRow> & { outcomes: HistoryRow['outcomes'] }): HistoryRow {
  const values = Object.values(over.outcomes);
  const passed = values.filter((o) => o === 'p').length;
  const failed = values.filter((o) => o === 'f').length;
  return {
    suite: 's', model: 'm', promptId: 'p', promptVersion: '1.0.0', promptHash: 'h1', modelsReported: ['m-1'],
    cases: values.length, passed, failed, errored: values.length - passed - failed, passRate: passed + failed ? passed / (passed + failed) : null,
    meanScore: null, costUsd: 0.01, latencyP50: 100, latencyP95: 200, ...over,
  };
}

function entry(i: number, rows: HistoryRow[]): HistoryEntry {
  const at = new Date(Date.UTC(2026, 0, 1 + i)).toISOString();
  return { v: 1, runId: `r${i}`, command: 'run', status: 'complete', startedAt: at, finishedAt: at, runDir: `d${i}`, rows };
}

const href = (e: HistoryEntry) => `./${e.runDir}/report.html`;

describe('history page data', () => {
  it('tags flaky (3+ flips), newly failing (passed before, failing at the end) and failing cases; errors and skips are not flips', () => {
    expect(classifyCase('pfpfp')).toEqual({ flips: 4, tag: 'flaky', streak: 0 });
    expect(classifyCase('pppff')).toEqual({ flips: 1, tag: 'newly-failing', streak: 2 });
    expect(classifyCase('ppepsf')).toEqual({ flips: 1, tag: 'newly-failing', streak: 1 });
    expect(classifyCase('..fff')).toEqual({ flips: 0, tag: 'failing', streak: 3 });
    expect(classifyCase('pfpp')).toEqual({ flips: 2, tag: '', streak: 0 });
    expect(classifyCase('eeee')).toEqual({ flips: 0, tag: '', streak: 0 });
  });

  it('orders the heat-map flaky (most flips first), newly failing (newest first), failing, then the rest; a case missing from a run is "."', () => {
    const plan: Record<string, string> = { steady: 'pppppp', broke: 'ppppff', newest: 'pppppf', flaky3: 'pfpfpp', flaky5: 'pfpfpf', always: 'ffffff' };
    const entries = Array.from({ length: 6 }, (_, i) => entry(i, [row({ outcomes: Object.fromEntries(Object.entries(plan).map(([id, o]) => [id, o[i] as 'p' | 'f'])) })]));
    entries[2].rows[0].outcomes.late = 's';
    entries[5].rows[0].outcomes.late = 'p';
    const data = buildHistoryPageData(entries, { reportHref: href });
    expect(data.cases.map((c) => c.id)).toEqual(['flaky5', 'flaky3', 'newest', 'broke', 'always', 'late', 'steady']);
    expect(data.cases.find((c) => c.id === 'late')?.o).toBe('..s..p');
    expect(data.runs.map((r) => r.href)).toEqual(entries.map(href));
    // Latest 3 runs against the 3 before: broke 100% → 33.3%; flaky3 (pfp → fpp) and steady did not move.
    expect(data.window).toBe(3);
    expect(data.movers.cases.map((m) => [data.cases[m.i].id, m.before, m.after])).toEqual([
      ['broke', 1, 1 / 3],
      ['newest', 1, 2 / 3],
      ['flaky5', 2 / 3, 1 / 3],
    ]);
  });

  it('marks a model-version change against the last run that reported one, and prompt version or hash changes', () => {
    const o = { a: 'p' as const };
    const data = buildHistoryPageData([
      entry(0, [row({ outcomes: o, modelsReported: ['m-1'] })]),
      // Every call errored: no version reported, which is no change.
      entry(1, [row({ outcomes: { a: 'e' }, modelsReported: [] })]),
      entry(2, [row({ outcomes: o, modelsReported: ['m-1'] })]),
      entry(3, [row({ outcomes: o, modelsReported: ['m-1', 'm-2'], promptVersion: '1.1.0', promptHash: 'h2' })]),
      entry(4, [row({ outcomes: o, modelsReported: ['m-2'], promptVersion: '1.1.0', promptHash: 'h3' }), row({ outcomes: o, model: 'other' })]),
    ], { reportHref: href });
    expect(data.series.map((s) => [s.model, s.runs])).toEqual([['m', [0, 1, 2, 3, 4]], ['other', [4]]]);
    expect(data.series[0].changes).toEqual([
      { run: 3, kind: 'model', from: 'm-1', to: 'm-1, m-2' },
      { run: 3, kind: 'prompt', from: 'p@1.0.0', to: 'p@1.1.0' },
      { run: 4, kind: 'model', from: 'm-1, m-2', to: 'm-2' },
      { run: 4, kind: 'prompt', from: 'p@1.1.0 (h2)', to: 'p@1.1.0 (h3)' },
    ]);
    expect(data.series[1].changes).toEqual([]);
  });

  it('refuses report links with a scheme other than http(s) or file', () => {
    expect(safeHref('./2026-01-01/report.html')).toBe('./2026-01-01/report.html');
    expect(safeHref('https://ci.example/r/1')).toBe('https://ci.example/r/1');
    expect(safeHref('file:///tmp/r.html')).toBe('file:///tmp/r.html');
    expect(safeHref(' JavaScript:alert(1)')).toBe('');
    expect(safeHref('data:text/html,<script>')).toBe('');
  });
});

describe('history.html', () => {
  it('embeds the data so that no string closes the script element, and allows only its own script', () => {
    const hostile = '</script><script>alert(1)</script><!--';
    const html = renderHistoryPage([entry(0, [row({ suite: hostile, model: hostile, modelsReported: [hostile], outcomes: { [hostile]: 'p' } })])], { title: hostile, reportHref: href });
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain('<!--');
    expect(html).toContain(`<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--</title>`);
    const data = JSON.parse(/<script type="application\/json" id="data">(.*?)<\/script>/s.exec(html)![1]);
    expect(data.cases[0].id).toBe(hostile);
    expect(HISTORY_CSP).toContain(`script-src 'sha256-${createHash('sha256').update(HISTORY_SCRIPT, 'utf8').digest('base64')}'`);
    expect(html).toContain(`<script>${HISTORY_SCRIPT}</script>`);
  });

  it('an empty history is a page too', () => {
    const html = renderHistoryPage([], { reportHref: href });
    expect(html).toContain('"runs":[]');
  });

  it("the generated script matches src/history/client/*.ts (run `npm run generate` after editing them), and builds the page with DOM calls only", () => {
    const committed = readFileSync(new URL(GENERATED_PAGE_SCRIPT, import.meta.url), 'utf8');
    expect(committed === pageScriptSource(), `${GENERATED_PAGE_SCRIPT} is stale: run \`npm run generate\``).toBe(true);
    expect(HISTORY_SCRIPT).toMatch(/^"use strict";\n\(\(\) => \{/);
    expect(HISTORY_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|\bimport\(|fetch\(|XMLHttpRequest/);
  });
});
