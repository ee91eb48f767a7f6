import { describe, expect, it } from 'vitest';
import type { TestCase } from '../cases/types.js';
import { inShard, matchesFilter, parseShard } from './select.js';

describe('shards', () => {
  it('parses i/n and refuses nonsense', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('0/4')).toBeUndefined();
    expect(parseShard('5/4')).toBeUndefined();
    expect(parseShard('a/b')).toBeUndefined();
  });

  it('puts every case in exactly one shard, independently of other cases', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `case-${i}`);
    const n = 4;
    const counts = [0, 0, 0, 0];
    for (const id of ids) {
      const shards = [1, 2, 3, 4].filter((index) => inShard(id, { index, count: n }));
      expect(shards).toHaveLength(1);
      counts[shards[0] - 1]++;
    }
    // Roughly even (hash buckets), never empty.
    for (const count of counts) expect(count).toBeGreaterThan(180);
  });
});

describe('--filter', () => {
  const testCase = { id: 'abc123', vars: {}, assertions: [], description: 'Refund Request', tags: ['billing'], metadata: {}, source: { file: 'x.csv', line: 2 } } as TestCase;
  it('matches id, description, tags and suite, ignoring case', () => {
    expect(matchesFilter(testCase, 'support', 'refund')).toBe(true);
    expect(matchesFilter(testCase, 'support', 'BILL')).toBe(true);
    expect(matchesFilter(testCase, 'support', 'abc1')).toBe(true);
    expect(matchesFilter(testCase, 'support', 'supp')).toBe(true);
    expect(matchesFilter(testCase, 'support', 'shipping')).toBe(false);
    expect(matchesFilter(testCase, 'support', undefined)).toBe(true);
  });
});
