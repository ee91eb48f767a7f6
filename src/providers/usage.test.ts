import { describe, expect, it } from 'vitest';
import { tokenUsageOf } from './usage.js';

describe('tokenUsageOf', () => {
  it('keeps whole counts from 0 to 1e9', () => {
    expect(tokenUsageOf(0, 0)).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(tokenUsageOf(12, 1e9)).toEqual({ inputTokens: 12, outputTokens: 1e9 });
  });

  it('is unknown (undefined) when either count is missing, not finite, negative, fractional or absurd', () => {
    for (const bad of [undefined, null, '12', Number.NaN, Number.POSITIVE_INFINITY, 1e308, -1, 2.5, 1e9 + 1]) {
      expect(tokenUsageOf(bad, 3)).toBeUndefined();
      expect(tokenUsageOf(3, bad)).toBeUndefined();
    }
  });
});
