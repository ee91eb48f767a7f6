import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../run-record/types.js';
import { loadResumeState, resumeKeyOf } from './resume.js';

const call = (caseId: string, extra: Partial<CallRecord> = {}) =>
  ({ requestKey: 'k1', purpose: 'eval', side: 'candidate', suite: 's', caseId, repeat: 0, output: 'out', error: null, ...extra }) as CallRecord;

describe('loadResumeState', () => {
  it('keeps successful whole lines, drops errored and torn ones, and rewrites calls.jsonl to match', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-resume-'));
    const lines = [
      call('a'),
      call('b'), // same request as a, another case: a call of its own
      call('c', { requestKey: 'k2', output: null, error: { code: 'server_error', message: '500' } }),
      call('d', { requestKey: 'k3', purpose: 'judge' }),
    ].map((record) => JSON.stringify(record));
    await writeFile(join(dir, 'calls.jsonl'), `${lines.join('\n')}\n{"requestKey": "k4", "outp`);
    const kept = await loadResumeState(dir);
    expect([...kept.values()].map((r) => r.caseId)).toEqual(['a', 'b', 'd']);
    expect(kept.get(resumeKeyOf(call('b')))?.caseId).toBe('b');
    expect(kept.has(resumeKeyOf(call('d', { requestKey: 'k3', purpose: 'eval' })))).toBe(false);
    const rewritten = (await readFile(join(dir, 'calls.jsonl'), 'utf8')).trim().split('\n');
    expect(rewritten.map((line) => JSON.parse(line).caseId)).toEqual(['a', 'b', 'd']);
  });

  it('refuses a folder without calls.jsonl', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-resume-'));
    await expect(loadResumeState(dir)).rejects.toThrow('no calls.jsonl in the run folder to resume');
  });
});
