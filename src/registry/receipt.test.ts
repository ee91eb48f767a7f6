import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRun } from '../../test/reporters/synthetic.js';
import type { CaseResult, RunHeader } from '../run-record/types.js';
import { writeRunFile } from '../run-record/writer.js';
import { findReceipt, readRunHeaders, receiptOf, receiptRefusal } from './receipt.js';

const ID = 'support';
const HASH = 'bbbbbbbbbbbb';

function header(kind: 'run' | 'compare', patch: (h: RunHeader) => void = () => {}): RunHeader {
  const { cases: _, ...h } = makeRun({ compare: kind === 'compare', cases: 4 }) as { cases: CaseResult[] } & RunHeader;
  const copy = structuredClone(h);
  copy.gate = kind === 'run' ? { verdict: 'pass', reasons: [], floor: 0.8 } : { verdict: 'pass', reasons: [] };
  if (copy.comparison) copy.comparison.gate = { verdict: 'pass', reasons: [] };
  // Every row graded: the synthetic run mixes statuses.
  for (const row of copy.summary) Object.assign(row, { passed: Math.max(row.passed, 1) });
  patch(copy);
  return copy;
}

describe('gate receipts', () => {
  it('a complete run with a passing floor, and a passing comparison, are receipts for their candidate hash', () => {
    expect(receiptRefusal(header('run'), ID, HASH)).toBeUndefined();
    expect(receiptRefusal(header('compare'), ID, HASH)).toBeUndefined();
    const receipt = receiptOf({ file: '/p/reports/r1/run.json', header: header('compare') }, ID, HASH, '/p');
    expect(receipt).toMatchObject({ command: 'compare', verdict: 'pass', runFile: 'reports/r1/run.json', date: '2025-01-02T03:05:17.500Z' });
    expect(receipt?.models[0]).toMatchObject({ name: expect.any(String), reported: expect.any(Array) });
  });

  it('another hash, or the baseline side, is no receipt', () => {
    expect(receiptRefusal(header('run'), ID, 'cccccccccccc')).toMatch(/did not run support at cccccccccccc/);
    // The synthetic comparison's baseline is support at aaaaaaaaaaaa.
    expect(receiptRefusal(header('compare'), ID, 'aaaaaaaaaaaa')).toMatch(/as its candidate/);
  });

  it('`run` without a floor is no receipt: its gate passes on any pass rate', () => {
    expect(receiptRefusal(header('run', (h) => (h.gate = { verdict: 'pass', reasons: [] })), ID, HASH)).toMatch(/without a pass-rate floor/);
    expect(receiptRefusal(header('run', (h) => delete h.gate), ID, HASH)).toBe('it has no gate');
  });

  it('a gate that did not pass is no receipt', () => {
    for (const verdict of ['fail', 'inconclusive', 'error'] as const) {
      expect(receiptRefusal(header('compare', (h) => (h.gate = { verdict, reasons: [] })), ID, HASH)).toBe(`its gate verdict is ${verdict}`);
    }
  });

  it('an interrupted run is no receipt, even with a pass recorded', () => {
    expect(receiptRefusal(header('run', (h) => (h.status = 'interrupted')), ID, HASH)).toBe('it is interrupted');
  });

  it('a shard, a filtered run, or a merge of incomplete shards is no receipt', () => {
    expect(receiptRefusal(header('run', (h) => (h.options.shard = '1/2')), ID, HASH)).toMatch(/one shard \(1\/2\)/);
    expect(receiptRefusal(header('run', (h) => (h.options.filter = 'refund')), ID, HASH)).toMatch(/--filter "refund"/);
    const partial = header('run', (h) => (h.selection = [{ suite: 'support', model: 'gpt-4o-mini', cases: 10, idsDigest: 'x', inRun: 6 }]));
    expect(receiptRefusal(partial, ID, HASH)).toMatch(/holds 6 of the 10 selected case\(s\)/);
    const whole = header('run', (h) => (h.selection = [{ suite: 'support', model: 'gpt-4o-mini', cases: 10, idsDigest: 'x', inRun: 10 }]));
    expect(receiptRefusal(whole, ID, HASH)).toBeUndefined();
  });

  it('a run whose row for the prompt graded no case is no receipt', () => {
    const ungraded = header('run', (h) => Object.assign(h.summary[0], { passed: 0, failed: 0, ungraded: h.summary[0].cases }));
    expect(receiptRefusal(ungraded, ID, HASH)).toMatch(/no case of .* was graded/);
    expect(receiptRefusal(header('run', (h) => (h.summary = [])), ID, HASH)).toMatch(/no result for support/);
  });

  it('a comparison of the content with itself is no receipt (drift, which compares a version with its stored run, is)', () => {
    const self = (command: string) => header('compare', (h) => {
      h.command = command;
      h.prompts = h.prompts.map((p) => ({ ...p, hash: HASH }));
    });
    expect(receiptRefusal(self('compare'), ID, HASH)).toMatch(/compared support at bbbbbbbbbbbb with itself/);
    expect(receiptRefusal(self('ci'), ID, HASH)).toMatch(/with itself/);
    expect(receiptRefusal(self('drift'), ID, HASH)).toBeUndefined();
  });

  it('a comparison whose own gate did not pass, or another command, is no receipt', () => {
    expect(receiptRefusal(header('compare', (h) => (h.comparison!.gate = { verdict: 'fail', reasons: [] })), ID, HASH)).toMatch(/comparison did not pass/);
    expect(receiptRefusal(header('run', (h) => (h.command = 'report')), ID, HASH)).toMatch(/`report` has no gate/);
  });

  it('finds the newest receipt among run folders, skipping broken folders, and says why the newest run is none', async () => {
    const reports = await mkdtemp(join(tmpdir(), 'pg-receipt-'));
    const write = async (name: string, h: RunHeader) => writeRunFile(await mkdir(join(reports, name), { recursive: true }).then(() => join(reports, name)), h, []);
    await write('a', header('run', (h) => Object.assign(h, { runId: 'old', finishedAt: '2025-01-01T00:00:00.000Z' })));
    await write('b', header('compare', (h) => Object.assign(h, { runId: 'new', finishedAt: '2025-01-03T00:00:00.000Z' })));
    await write('c', header('run', (h) => Object.assign(h, { runId: 'newest', finishedAt: '2025-01-04T00:00:00.000Z', status: 'interrupted' })));
    await mkdir(join(reports, 'broken'));
    await writeFile(join(reports, 'broken', 'run.json'), '{ not json');
    const runs = await readRunHeaders(reports);
    expect(runs.map((r) => r.header.runId)).toEqual(['newest', 'new', 'old']);
    const found = findReceipt(runs, ID, HASH, reports);
    expect(found).toMatchObject({ found: true, receipt: { runId: 'new', command: 'compare', runFile: 'b/run.json' } });
    expect(findReceipt(runs.slice(0, 1), ID, HASH, reports)).toEqual({ found: false, nearest: { runFile: 'c/run.json', reason: 'it is interrupted' } });
    expect(findReceipt(runs, 'other', HASH, reports)).toEqual({ found: false });
    expect(await readRunHeaders(join(reports, 'missing'))).toEqual([]);
  });
});
