import { describe, expect, it } from 'vitest';
import { isPromptgateError } from '../errors.js';
import { filterHistory, parseSince } from './filter.js';
import type { HistoryEntry, HistoryRow } from './types.js';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');

function row(suite: string, model: string): HistoryRow {
  return { suite, model, promptId: suite, promptVersion: '1.0.0', promptHash: 'abc', modelsReported: [], cases: 1, passed: 1, failed: 0, errored: 0, passRate: 1, meanScore: 1, costUsd: null, latencyP50: null, latencyP95: null, outcomes: { a: 'p' } };
}
function entry(runId: string, startedAt: string, rows: HistoryRow[], shard?: string): HistoryEntry {
  return { v: 1, runId, command: 'run', status: 'complete', startedAt, finishedAt: startedAt, runDir: runId, rows, ...(shard ? { shard } : {}) };
}

describe('--since', () => {
  it('takes spans back from now, dates (UTC midnight) and ISO times', () => {
    expect(parseSince('30d', NOW)).toBe(NOW - 30 * 86_400_000);
    expect(parseSince('12h', NOW)).toBe(NOW - 12 * 3_600_000);
    expect(parseSince('2w', NOW)).toBe(NOW - 14 * 86_400_000);
    expect(parseSince('2026-11-01', NOW)).toBe(Date.parse('2026-11-01T00:00:00.000Z'));
    expect(parseSince('2026-11-01T08:30:00+02:00', NOW)).toBe(Date.parse('2026-11-01T06:30:00.000Z'));
  });

  it.each(['', '30', 'd', '30 days', '-3d', '1.5d', '30m', '2026-02-30', '2026-13-01', '26-11-01', 'yesterday', '2026-11-01T25:00:00Z'])('refuses %j: USAGE naming --since', (text) => {
    let thrown: unknown;
    try {
      parseSince(text, NOW);
    } catch (error) {
      thrown = error;
    }
    expect(isPromptgateError(thrown) && thrown.code === 'USAGE' && thrown.exitCode === 2 && thrown.format().startsWith('--since: ')).toBe(true);
  });
});

describe('filterHistory', () => {
  const entries = [
    entry('r1', '2026-10-01T00:00:00.000Z', [row('a', 'm1'), row('b', 'm2')]),
    entry('r2', '2026-11-20T00:00:00.000Z', [row('a', 'm2')]),
    entry('r3', '2026-11-21T00:00:00.000Z', [row('a', 'm1')], '1/2'),
    entry('r4', '2026-11-29T00:00:00.000Z', [row('b', 'm1')]),
  ];

  it('keeps the rows that match, drops entries left with none, and leaves shard runs out', () => {
    const suiteA = filterHistory(entries, { suite: 'a' });
    expect(suiteA.entries.map((e) => [e.runId, e.rows.map((r) => `${r.suite}/${r.model}`)])).toEqual([['r1', ['a/m1']], ['r2', ['a/m2']]]);
    expect(suiteA.shards).toBe(1);
    expect(filterHistory(entries, { model: 'm1' }).entries.map((e) => e.runId)).toEqual(['r1', 'r4']);
    expect(filterHistory(entries, { suite: 'b', model: 'm2' }).entries.map((e) => e.runId)).toEqual(['r1']);
    expect(filterHistory(entries, { since: parseSince('30d', NOW) }).entries.map((e) => e.runId)).toEqual(['r2', 'r4']);
    expect(filterHistory(entries, {}).entries).toHaveLength(3);
    // The entries themselves are not changed.
    expect(entries[0].rows).toHaveLength(2);
  });
});
