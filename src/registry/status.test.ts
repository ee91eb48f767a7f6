import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTraffic, readTraffic, type LabelStatus, type TrafficRow } from './status.js';

const SINCE = '2026-01-10T00:00:00.000Z';
const label: LabelStatus = { label: 'production', id: 'greet', version: '1.1.0', hash: 'bbbbbbbbbbbb', since: SINCE, by: 'a', action: 'promote', previous: null, receipt: null };
const row = (patch: Partial<TrafficRow>): TrafficRow => ({ label: 'production', store: 'file:./registry', id: 'greet', version: '1.1.0', hash: 'bbbbbbbbbbbb', calls: 1, errors: 0, firstAt: SINCE, lastAt: SINCE, ...patch });
const OLD = { version: '1.0.0', hash: 'aaaaaaaaaaaa' };

describe('status --log: what served traffic against the label', () => {
  it('flags the label whose latest call, after it moved, was served by another hash', () => {
    const traffic = [row({ lastAt: '2026-01-10T01:00:00.000Z' }), row({ ...OLD, lastAt: '2026-01-10T02:00:00.000Z', calls: 7 })];
    const [mismatch, ...rest] = compareTraffic([label], traffic);
    expect(rest).toEqual([]);
    expect(mismatch).toMatchObject({ label: 'production', id: 'greet', expected: { hash: 'bbbbbbbbbbbb', since: SINCE }, served: { ...OLD, calls: 7, lastAt: '2026-01-10T02:00:00.000Z' } });
    expect(traffic.map((t) => t.current)).toEqual([true, false]);
  });

  it('no mismatch: apps that switched (old calls, then new ones), old calls before the move, calls without a label, or another label', () => {
    const switched = [row({ ...OLD, lastAt: '2026-01-10T00:00:30.000Z' }), row({ lastAt: '2026-01-10T01:00:00.000Z' })];
    expect(compareTraffic([label], switched)).toEqual([]);
    expect(compareTraffic([label], [row({ ...OLD, lastAt: '2026-01-09T23:00:00.000Z' })])).toEqual([]);
    const unlabelled = row({ ...OLD, label: null, lastAt: '2026-01-11T00:00:00.000Z' });
    expect(compareTraffic([label], [unlabelled])).toEqual([]);
    expect(unlabelled.current).toBeUndefined();
    expect(compareTraffic([label], [row({ ...OLD, label: 'staging', lastAt: '2026-01-11T00:00:00.000Z' })])).toEqual([]);
  });

  it('reads production calls from several logs, per label, store and version (judge and eval calls, junk lines skipped)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-status-'));
    const line = (patch: Record<string, unknown>) => JSON.stringify({ purpose: 'production', promptId: 'greet', promptVersion: '1.1.0', promptHash: 'bbbbbbbbbbbb', startedAt: SINCE, error: null, vars: {}, ...patch });
    await writeFile(join(dir, 'a.jsonl'), [line({ promptLabel: 'production', promptStore: 'file:./r' }), line({ purpose: 'judge' }), 'not json', line({ purpose: 'eval' })].join('\n'));
    await writeFile(join(dir, 'b.jsonl'), [line({ promptLabel: 'production', promptStore: 'file:./r', startedAt: '2026-01-12T00:00:00.000Z', error: { code: 'x', message: 'y' } }), line({})].join('\n'));
    const traffic = await readTraffic([join(dir, 'a.jsonl'), join(dir, 'b.jsonl')]);
    expect(traffic).toEqual([
      { label: null, store: null, id: 'greet', version: '1.1.0', hash: 'bbbbbbbbbbbb', calls: 1, errors: 0, firstAt: SINCE, lastAt: SINCE },
      { label: 'production', store: 'file:./r', id: 'greet', version: '1.1.0', hash: 'bbbbbbbbbbbb', calls: 2, errors: 1, firstAt: SINCE, lastAt: '2026-01-12T00:00:00.000Z' },
    ]);
  });
});
