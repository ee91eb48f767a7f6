import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunHeader } from '../run-record/types.js';
import { resolveAcceptedBy } from './accepted-by.js';
import { whyNotBaseline } from './eligibility.js';

const header = (patch: Partial<RunHeader> = {}): RunHeader =>
  ({
    status: 'complete',
    options: { repeat: 1, concurrency: 1, cache: false },
    totals: { cases: 10, passed: 9, failed: 1, errored: 0, calls: 10, cachedCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: null, errorsByCode: {} },
    gate: { verdict: 'pass', reasons: [] },
    ...patch,
  }) as RunHeader;

describe('whyNotBaseline', () => {
  it('accepts a complete, decided run (a failing gate is still a measurement)', () => {
    expect(whyNotBaseline(header())).toBeUndefined();
    expect(whyNotBaseline(header({ gate: { verdict: 'fail', reasons: [] } }))).toBeUndefined();
  });

  it('refuses runs that stopped short, errored, are a slice, or decided nothing', () => {
    expect(whyNotBaseline(header({ status: 'interrupted', stopped: { reason: 'batch_timeout', message: 'batches still running', resume: 'promptgate run --resume x' } }))).toBe(
      'it was interrupted (batch_timeout: batches still running): finish it with --resume first',
    );
    expect(whyNotBaseline(header({ status: 'budget_exhausted' }))).toBe('its cost budget ran out before every case ran');
    expect(whyNotBaseline(header({ options: { repeat: 1, concurrency: 1, cache: false, shard: '2/3' } }))).toMatch(/^it is one shard \(2\/3\)/);
    expect(whyNotBaseline(header({ selection: [{ suite: 's', model: 'm', cases: 10, idsDigest: 'x', inRun: 6 }] }))).toBe('it ran 6 of the 10 selected case(s) of s › m (an incomplete merge)');
    expect(whyNotBaseline(header({ totals: { ...header().totals, errored: 2 } }))).toBe('2 case(s) errored in it (no verdict for them)');
    expect(whyNotBaseline(header({ gate: { verdict: 'error', reasons: [] } }))).toBe('it has no verdict');
    expect(whyNotBaseline(header({ gate: undefined }))).toBe('it has no verdict');
    expect(whyNotBaseline(header({ totals: { ...header().totals, passed: 0, failed: 0, ungraded: 10 } }))).toBe('no case in it was graded');
  });
});

describe('resolveAcceptedBy', () => {
  it('outside git with no git config: $GITHUB_ACTOR, else $USER, else null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-who-'));
    const bare = { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_CEILING_DIRECTORIES: tmpdir() };
    expect(await resolveAcceptedBy(dir, { ...bare, GITHUB_ACTOR: 'octo-bot', USER: 'ada' })).toBe('octo-bot');
    expect(await resolveAcceptedBy(dir, { ...bare, USER: 'ada' })).toBe('ada');
    expect(await resolveAcceptedBy(dir, bare)).toBeNull();
  });
});
