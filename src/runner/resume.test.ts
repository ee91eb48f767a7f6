import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../run-record/types.js';
import { loadResumeState, resumeKeyOf } from './resume.js';

const call = (caseId: string, extra: Partial<CallRecord> = {}) =>
  ({ requestKey: 'k1', purpose: 'eval', side: 'candidate', suite: 's', caseId, model: 'staging', repeat: 0, output: 'out', error: null, ...extra }) as CallRecord;

describe('loadResumeState', () => {
  it('keeps successful whole lines by call (model entry and repeat included) and leaves calls.jsonl as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-resume-'));
    const lines = [
      call('a'),
      call('b'), // same request as a, another case: a call of its own
      call('a', { model: 'prod', output: 'prod out' }), // another model entry: a call of its own
      call('a', { repeat: 1, output: 'second' }),
      call('c', { requestKey: 'k2', output: null, error: { code: 'server_error', message: '500' } }),
      call('d', { requestKey: 'k3', purpose: 'judge' }),
      call('e', { requestKey: 'k4', output: null, error: { code: 'timeout', message: 'slow' } }),
      call('e', { requestKey: 'k4', output: 'later' }), // an errored call made again by an earlier resume
    ].map((record) => JSON.stringify(record));
    const text = `${lines.join('\n')}\n{"requestKey": "k5", "outp`;
    await writeFile(join(dir, 'calls.jsonl'), text);
    const kept = await loadResumeState(dir);
    expect([...kept.values()].map((r) => `${r.caseId}/${r.model}/${r.repeat}`)).toEqual(['a/staging/0', 'b/staging/0', 'a/prod/0', 'a/staging/1', 'd/staging/0', 'e/staging/0']);
    expect(kept.get(resumeKeyOf(call('a', { model: 'prod' })))?.output).toBe('prod out');
    expect(kept.get(resumeKeyOf(call('a')))?.output).toBe('out');
    expect(kept.get(resumeKeyOf(call('e', { requestKey: 'k4' })))?.output).toBe('later');
    expect(kept.has(resumeKeyOf(call('d', { requestKey: 'k3', purpose: 'eval' })))).toBe(false);
    // Every line stays; the torn last one is ended so the next append starts a line of its own.
    expect(await readFile(join(dir, 'calls.jsonl'), 'utf8')).toBe(`${text}\n`);
    await loadResumeState(dir);
    expect(await readFile(join(dir, 'calls.jsonl'), 'utf8')).toBe(`${text}\n`);
  });

  it('refuses a folder without calls.jsonl', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-resume-'));
    await expect(loadResumeState(dir)).rejects.toThrow('no calls.jsonl in the run folder to resume');
  });
});
