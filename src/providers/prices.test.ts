import { describe, expect, it } from 'vitest';
import { costOf, lookupPrice, PRICE_TABLE } from './prices.js';

describe('lookupPrice', () => {
  it('matches dated ids by the longest prefix', () => {
    expect(lookupPrice('gpt-4o-mini-2024-07-18')).toEqual(PRICE_TABLE['gpt-4o-mini']);
    expect(lookupPrice('gpt-4o-2024-08-06')).toEqual(PRICE_TABLE['gpt-4o']);
    expect(lookupPrice('gpt-4.1-nano-2025-04-14')).toEqual(PRICE_TABLE['gpt-4.1-nano']);
    expect(lookupPrice('claude-3-5-haiku-20241022')).toEqual(PRICE_TABLE['claude-3-5-haiku']);
    expect(lookupPrice('claude-sonnet-4-20250514')).toEqual(PRICE_TABLE['claude-sonnet-4']);
    expect(lookupPrice('claude-opus-4-1-20250805')).toEqual(PRICE_TABLE['claude-opus-4']);
    expect(lookupPrice('claude-opus-4-5-20251101')).toEqual(PRICE_TABLE['claude-opus-4-5']);
    expect(lookupPrice('o3-mini')).toEqual(PRICE_TABLE['o3-mini']);
    expect(lookupPrice('o3-2025-04-16')).toEqual(PRICE_TABLE.o3);
  });

  it('needs a dash or the end after the prefix', () => {
    expect(lookupPrice('gpt-4oo')).toBeUndefined();
    expect(lookupPrice('o3x')).toBeUndefined();
    expect(lookupPrice('llama3.1:8b')).toBeUndefined();
  });

  it('ignores a vendor/ prefix and case', () => {
    expect(lookupPrice('openai/GPT-4o-mini')).toEqual(PRICE_TABLE['gpt-4o-mini']);
  });

  it('has every model the brief lists', () => {
    for (const id of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o3-mini', 'claude-3-5-haiku', 'claude-3-5-sonnet', 'claude-sonnet-4', 'claude-opus-4', 'claude-3-haiku']) {
      expect(PRICE_TABLE[id], id).toBeDefined();
    }
  });
});

describe('costOf', () => {
  it('prices input and output tokens per million', () => {
    expect(costOf('gpt-4o-mini-2024-07-18', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBeCloseTo(0.75, 10);
    expect(costOf('claude-3-5-sonnet-20241022', { inputTokens: 2000, outputTokens: 500 })).toBeCloseTo(0.0135, 10);
  });

  it('uses the config override first', () => {
    expect(costOf('gpt-4o', { inputTokens: 1000, outputTokens: 1000 }, { input: 1, output: 2 })).toBeCloseTo(0.003, 10);
    expect(costOf('my-local-llama', { inputTokens: 1000, outputTokens: 0 }, { input: 0, output: 0 })).toBe(0);
  });

  it('is null for an unknown model or unknown usage', () => {
    expect(costOf('my-local-llama', { inputTokens: 10, outputTokens: 10 })).toBeNull();
    expect(costOf('gpt-4o', undefined)).toBeNull();
  });
});
