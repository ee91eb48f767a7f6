import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHistoryEntry, readHistoryEntry } from '../../src/history/entry.js';
import { appendHistoryEntry, loadHistory } from '../../src/history/index.js';
import type { HistoryEntry } from '../../src/history/types.js';
import type { RunFile } from '../../src/run-record/types.js';
import { writeRunFile } from '../../src/run-record/writer.js';
import { makeRun } from '../reporters/synthetic.js';

/** index.jsonl on synthetic run folders: what a line holds, concurrent appends, and a torn line. */

async function writeRun(reports: string, run: RunFile): Promise<string> {
  const dir = join(reports, run.runId);
  await mkdir(dir, { recursive: true });
  const { cases, ...header } = run;
  await writeRunFile(dir, header, cases);
  return dir;
}

describe('index.jsonl lines', () => {
  let reports: string;
  let compareDir: string;
  beforeAll(async () => {
    reports = await mkdtemp(join(tmpdir(), 'promptgate-history-'));
    const run = makeRun({ cases: 20, compare: true });
    compareDir = await writeRun(reports, { ...run, runId: 'r-compare', gitCommit: 'a'.repeat(40) });
  });
  afterAll(() => rm(reports, { recursive: true, force: true }));

  it("a compare's line holds the candidate's outcomes and figures, not the baseline's", async () => {
    const entry = await readHistoryEntry(compareDir);
    expect(entry).toMatchObject({ v: 1, runId: 'r-compare', command: 'compare', runDir: 'r-compare', verdict: 'fail', gitCommit: 'a'.repeat(40) });
    const [row] = entry.rows;
    // makeRun: per 20 cases, 2 regressed (candidate fail), 1 improved (pass), 1 errored, 2 unchanged-fail, 14 unchanged-pass.
    expect(row).toMatchObject({ promptVersion: '1.1.0', cases: 20, passed: 15, failed: 4, errored: 1 });
    expect(row.outcomes['case-00000']).toBe('f');
    expect(row.outcomes['case-00002']).toBe('p');
    expect(row.outcomes['case-00003']).toBe('e');
    expect(isHistoryEntry(JSON.parse(JSON.stringify(entry)))).toBe(true);
  });

  it('no graded case: pass rate and score are null, not 0 %', async () => {
    const run = makeRun({ cases: 0, compare: false, extra: [{ kind: 'error' }, { kind: 'ungraded' }] });
    const dir = await writeRun(reports, { ...run, runId: 'r-errors' });
    const [row] = (await readHistoryEntry(dir)).rows;
    expect(row).toMatchObject({ passRate: null, meanScore: null, errored: 1, ungraded: 1 });
    expect(Object.values(row.outcomes)).toEqual(['e', 'e']);
  });

  it('concurrent appends leave whole lines; after a torn line the next one starts on a line of its own', async () => {
    const index = join(reports, 'index.jsonl');
    await Promise.all(Array.from({ length: 24 }, () => appendHistoryEntry(compareDir)));
    const lines = (await readFile(index, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(24);
    for (const line of lines) expect(isHistoryEntry(JSON.parse(line))).toBe(true);

    await appendFile(index, '{"v":1,"runId":"r-');
    await appendHistoryEntry(compareDir);
    const after = (await readFile(index, 'utf8')).split('\n');
    expect(after.at(-3)).toBe('{"v":1,"runId":"r-');
    expect((JSON.parse(after.at(-2)!) as HistoryEntry).runId).toBe('r-compare');

    // The reader skips the torn line, keeps the last line of each run, and adds the folder it missed.
    const history = await loadHistory(reports);
    expect(history.skipped).toEqual([{ line: 25, kind: 'torn' }]);
    expect(history.entries.map((e) => e.runId)).toEqual(['r-compare', 'r-errors']);
    expect([history.added, history.orphaned, history.rebuilt]).toEqual([1, 0, true]);
  });

  it('lines this version does not read are skipped: wrong shapes, and folders outside the reports folder', async () => {
    const entry = await readHistoryEntry(compareDir);
    for (const bad of [{ ...entry, v: 2 }, { ...entry, runDir: '../elsewhere' }, { ...entry, runDir: 'a/b' }, { ...entry, rows: [{ suite: 's' }] }, { ...entry, startedAt: 'soon' }, [entry], null]) {
      expect(isHistoryEntry(bad)).toBe(false);
    }
    const other = await mkdtemp(join(tmpdir(), 'promptgate-history-'));
    await writeFile(join(other, 'index.jsonl'), `${JSON.stringify({ ...entry, runDir: '..' })}\n`);
    const history = await loadHistory(other);
    expect(history.entries).toEqual([]);
    expect(history.skipped).toEqual([{ line: 1, kind: 'foreign' }]);
    await rm(other, { recursive: true, force: true });
  });
});
