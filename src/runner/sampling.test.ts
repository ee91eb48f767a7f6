import { describe, expect, it } from 'vitest';
import type { CaseResult, ComparisonSampling, RepeatOutcome, SideResult } from '../run-record/types.js';
import { createSamplingTally, drawsFresh, isNoisy, mergeSampling } from './sampling.js';

const repeat = (cached: boolean, attempts = cached ? 0 : 1): RepeatOutcome => ({
  repeat: 0, output: 'x', error: null, grade: null, modelReported: null, latencyMs: 1, usage: null, costUsd: null, cached, attempts,
});
const side = (...repeats: RepeatOutcome[]): SideResult => ({ promptId: 'p', promptVersion: '1', promptHash: 'h', status: 'pass', passRate: 1, meanScore: 1, repeats });
const caseOf = (suite: string, model: string, candidate: SideResult, baseline?: SideResult): CaseResult => ({
  ...candidate, suite, model, caseId: 'c', tags: [], source: { file: 'e.csv', line: 2 }, vars: {}, ...(baseline ? { baseline } : {}),
});

describe('isNoisy / drawsFresh', () => {
  it('a side is noisy with repeats or a temperature that is not 0 (unset included); replay never is', () => {
    expect(isNoisy('openai', {}, 1)).toBe(true);
    expect(isNoisy('anthropic', { temperature: 0.7 }, 1)).toBe(true);
    expect(isNoisy('openai', { temperature: 0 }, 1)).toBe(false);
    expect(isNoisy('openai', { temperature: 0 }, 3)).toBe(true);
    expect(isNoisy(async () => ({ ok: true, output: 'x' }) as never, {}, 1)).toBe(true);
    expect(isNoisy('replay', {}, 5)).toBe(false);
  });

  it('noisy sides are drawn fresh, except a baseline whose cache the user chose', () => {
    const policy = { readCache: true, baselineCache: false };
    expect(drawsFresh(policy, 'candidate', true)).toBe(true);
    expect(drawsFresh(policy, 'baseline', true)).toBe(true);
    expect(drawsFresh(policy, 'baseline', false)).toBe(false);
    expect(drawsFresh({ ...policy, baselineCache: true }, 'baseline', true)).toBe(false);
    expect(drawsFresh({ ...policy, baselineCache: true }, 'candidate', true)).toBe(true);
  });
});

describe('createSamplingTally', () => {
  it('counts the answers of each side and the cache hits once per call; a stored side made no call', () => {
    const tally = createSamplingTally({ readCache: true, baselineCache: true, by: '--baseline-cache' });
    tally.note('s', 'm', 'candidate', { noisy: true, fresh: true });
    tally.note('s', 'm', 'baseline', { noisy: true, fresh: false });
    tally.addCase(caseOf('s', 'm', side(repeat(false), repeat(false)), side(repeat(true), repeat(false), repeat(false, 0))));
    tally.addCall({ purpose: 'eval', cached: true } as never);
    tally.addCall({ purpose: 'judge', cached: true } as never);
    expect(tally.finish()).toEqual({
      candidate: 'fresh', baseline: 'cache', cachedCalls: 1, choice: 'baseline-cache', by: '--baseline-cache',
      sides: { candidate: { noisy: true, calls: 2, cached: 0 }, baseline: { noisy: true, calls: 2, cached: 1 } },
    });

    const stored = createSamplingTally({ readCache: false, baselineCache: false, by: 'drift' });
    stored.note('s', 'm', 'candidate', { noisy: true, fresh: true });
    stored.note('s', 'm', 'baseline', { stored: true });
    stored.addCase(caseOf('s', 'm', side(repeat(false)), side(repeat(false))));
    expect(stored.finish()).toMatchObject({ candidate: 'fresh', baseline: 'stored', choice: 'no-cache', by: 'drift', sides: { baseline: { calls: 0 } } });
  });

  it('rows sampled differently are listed; the noisy rows decide a side, and with none the deterministic ones do', () => {
    const tally = createSamplingTally({ readCache: true, baselineCache: false });
    tally.note('hot', 'm', 'candidate', { noisy: true, fresh: true });
    tally.note('hot', 'm', 'baseline', { noisy: true, fresh: true });
    tally.note('cold', 'm', 'candidate', { noisy: false, fresh: false });
    tally.note('cold', 'm', 'baseline', { noisy: false, fresh: false });
    const result = tally.finish();
    expect([result.candidate, result.baseline, result.choice, result.by]).toEqual(['fresh', 'fresh', 'default', undefined]);
    expect(result.rows).toEqual([
      { suite: 'hot', model: 'm', candidate: 'fresh', baseline: 'fresh' },
      { suite: 'cold', model: 'm', candidate: 'cache', baseline: 'cache' },
    ]);
    const cold = createSamplingTally({ readCache: true, baselineCache: false });
    cold.note('cold', 'm', 'candidate', { noisy: false, fresh: false });
    expect(cold.finish()).toMatchObject({ candidate: 'cache', baseline: 'fresh', sides: { candidate: { noisy: false } } });
  });
});

describe('mergeSampling', () => {
  const shard = (baseline: ComparisonSampling['baseline'], cached: number, choice: ComparisonSampling['choice'] = 'default'): ComparisonSampling => ({
    candidate: 'fresh', baseline, cachedCalls: cached, choice, ...(choice === 'baseline-cache' ? { by: '--baseline-cache' } : {}),
    sides: { candidate: { noisy: true, calls: 4, cached: 0 }, baseline: { noisy: true, calls: 4, cached } },
  });

  it('adds the counts up; a cache reused in any shard is reused in the merge, with the choice that allowed it', () => {
    expect(mergeSampling([shard('fresh', 0), shard('fresh', 0)])).toEqual({ ...shard('fresh', 0), sides: { candidate: { noisy: true, calls: 8, cached: 0 }, baseline: { noisy: true, calls: 8, cached: 0 } } });
    const mixed = mergeSampling([shard('fresh', 0), shard('cache', 4, 'baseline-cache')])!;
    expect([mixed.baseline, mixed.choice, mixed.by, mixed.cachedCalls, mixed.sides.baseline.cached, mixed.rows]).toEqual(['cache', 'baseline-cache', '--baseline-cache', 4, 4, undefined]);
  });

  it('is absent when a shard did not record it', () => {
    expect(mergeSampling([shard('fresh', 0), undefined])).toBeUndefined();
    expect(mergeSampling([])).toBeUndefined();
  });
});
