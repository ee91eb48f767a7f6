import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean, editDistance } from './suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps, ignoring case', () => {
    expect(editDistance('concurency', 'concurrency')).toBe(1);
    expect(editDistance('repat', 'repeat')).toBe(1);
    expect(editDistance('gtp', 'gpt')).toBe(1);
    expect(editDistance('baseUrl', 'baseURL')).toBe(0);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('closestMatch / didYouMean', () => {
  const keys = ['concurrency', 'repeat', 'reporters', 'reports'];
  it('returns the closest candidate when it is a plausible typo', () => {
    expect(closestMatch('reporter', keys)).toBe('reporters');
    expect(didYouMean('concurrancy', keys)).toBe(' (did you mean "concurrency"?)');
  });
  it('returns nothing when no candidate is close', () => {
    expect(closestMatch('colour', keys)).toBeUndefined();
    expect(didYouMean('x', [])).toBe('');
  });
});
