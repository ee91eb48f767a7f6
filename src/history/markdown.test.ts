import { describe, expect, it } from 'vitest';
import { renderHistoryMarkdown, sparkBar } from './markdown.js';
import type { HistoryEntry, HistoryRow } from './types.js';

function row(patch: Partial<HistoryRow> = {}): HistoryRow {
  return {
    suite: 'support', model: 'gpt', promptId: 'support', promptVersion: '1.0.0', promptHash: 'h1', modelsReported: ['gpt-2026-01-01'],
    cases: 10, passed: 9, failed: 1, errored: 0, passRate: 0.9, meanScore: 0.9, costUsd: 0.0042, latencyP50: 300, latencyP95: 900, outcomes: {}, ...patch,
  };
}
function entry(i: number, rows: HistoryRow[], patch: Partial<HistoryEntry> = {}): HistoryEntry {
  const startedAt = new Date(Date.UTC(2026, 10, 1 + i)).toISOString();
  return { v: 1, runId: `run-${i}`, command: 'run', status: 'complete', startedAt, finishedAt: startedAt, runDir: `run-${i}`, rows, ...patch };
}

describe('sparkBar', () => {
  it('draws a pass rate on a fixed scale, and a run with no graded case as a dot', () => {
    expect([0, 0.07, 0.5, 0.93, 1].map(sparkBar).join('')).toBe('▁▁▅██');
    expect(sparkBar(null)).toBe('·');
  });
});

describe('history.md', () => {
  it('one row per suite × model: the last runs as bars, the latest rate, the change, the cost, and what changed', () => {
    const rates = [1, 0.5, null, 0.8];
    const entries = rates.map((rate, i) => entry(i, [row({ passRate: rate, passed: rate === null ? 0 : rate * 10, failed: rate === null ? 0 : 10 - rate * 10, errored: rate === null ? 10 : 0 })]));
    entries[3].rows[0] = { ...entries[3].rows[0], promptVersion: '1.1.0', promptHash: 'h2', modelsReported: ['gpt-2026-02-01'] };
    const md = renderHistoryMarkdown(entries, { lastRuns: 3 });
    expect(md).toContain('4 runs, 2026-11-01 to 2026-11-04');
    expect(md).toContain('| support | gpt | ▅·▇ | 80.0% (8 of 10) | – | $0.0042 | prompt 1.0.0 → 1.1.0; model gpt-2026-01-01 → gpt-2026-02-01 |');
    // The change is against the run before; when that one has no rate, there is none.
    const two = renderHistoryMarkdown([entries[0], entries[1]]);
    expect(two).toContain('| support | gpt | █▅ | 50.0% (5 of 10) | −50.0 pp | $0.0042 |  |');
  });

  it('a run that stopped short or errored says so: never a bare 100%', () => {
    const stopped = entry(1, [row({ cases: 3, selected: 10, passed: 3, failed: 0, passRate: 1, errored: 0 })], { status: 'budget_exhausted', verdict: 'error' });
    const md = renderHistoryMarkdown([stopped]);
    expect(md).toContain('100.0% (3 of 3), **budget exhausted**: 3 of 10 cases ran, gate error');
    const errored = renderHistoryMarkdown([entry(1, [row({ errored: 2, ungraded: 1, passed: 7, failed: 0, passRate: 1 })])]);
    expect(errored).toContain('100.0% (7 of 7), 2 errored, 1 ungraded');
  });

  it('hostile suite, model, version and filter text stays text: no HTML, link, mention, extra cell or line', () => {
    const hostile = '<img src=x onerror=alert(1)> | [x](http://evil.test) @org/team #7 **b** `c`\n::error::owned';
    const base = entry(0, [row({ suite: hostile, model: hostile, promptVersion: hostile, modelsReported: [hostile] })]);
    const next = entry(1, [row({ suite: hostile, model: hostile, promptHash: 'h2' })]);
    const md = renderHistoryMarkdown([base, next], { filters: { suite: hostile, model: hostile, since: hostile } });
    expect(md).not.toMatch(/<img|<script|\]\(|@org|#7|\*\*b|`c`|http:\/\//);
    expect(md.split('\n').some((line) => line.startsWith('::'))).toBe(false);
    const rows = md.split('\n').filter((line) => line.startsWith('| '));
    expect(rows).toHaveLength(3);
    for (const line of rows) expect(line.replace(/\\\|/g, '').split('|')).toHaveLength(9);
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt; \\| &#91;x&#93;');
  });

  it('says when there is nothing to draw, and how many shard runs were left out', () => {
    expect(renderHistoryMarkdown([], { shards: 2 })).toBe('## promptgate history\n\nno runs\n\n2 shard runs (`--shard`) left out: the merged run of a split holds its cases.\n\n');
  });
});
