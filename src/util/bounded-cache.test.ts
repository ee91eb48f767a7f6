import { describe, expect, it } from 'vitest';
import { setBounded } from './bounded-cache.js';

describe('setBounded', () => {
  it('keeps at most `limit` entries, dropping the one set first; setting a kept key drops nothing', () => {
    const cache = new Map<string, number>();
    for (const [i, key] of ['a', 'b', 'c'].entries()) setBounded(cache, key, i, 2);
    expect([...cache]).toEqual([['b', 1], ['c', 2]]);
    setBounded(cache, 'b', 9, 2);
    expect([...cache]).toEqual([['b', 9], ['c', 2]]);
  });
});
