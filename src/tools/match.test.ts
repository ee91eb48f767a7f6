import { describe, expect, it } from 'vitest';
import { matchesPartial, partialMismatch } from './match.js';

describe('matchesPartial', () => {
  it('every key given must be there and equal; keys not given are not checked', () => {
    const actual = { order_id: 'A1', amount: 10, note: 'x', meta: { currency: 'EUR', rate: 1 } };
    expect(matchesPartial(actual, {})).toBe(true);
    expect(matchesPartial(actual, { order_id: 'A1' })).toBe(true);
    expect(matchesPartial(actual, { meta: { currency: 'EUR' } })).toBe(true);
    expect(matchesPartial(actual, { amount: 100 })).toBe(false);
    expect(matchesPartial(actual, { missing: null })).toBe(false);
    expect(matchesPartial(actual, { meta: { currency: 'USD' } })).toBe(false);
  });

  it('primitives are ===: no coercion between "10" and 10, null is not missing', () => {
    expect(matchesPartial({ a: '10' }, { a: 10 })).toBe(false);
    expect(matchesPartial({ a: 10.0 }, { a: 10 })).toBe(true);
    expect(matchesPartial({ a: null }, { a: null })).toBe(true);
    expect(matchesPartial({ a: false }, { a: 0 })).toBe(false);
    expect(matchesPartial(5, 5)).toBe(true);
  });

  it('arrays have the exact length, elements matched in order (objects in them partially)', () => {
    const actual = { items: [{ sku: 'A', qty: 1 }, { sku: 'B', qty: 2 }] };
    expect(matchesPartial(actual, { items: [{ sku: 'A' }, { sku: 'B' }] })).toBe(true);
    expect(matchesPartial(actual, { items: [{ sku: 'A' }] })).toBe(false);
    expect(matchesPartial(actual, { items: [{ sku: 'B' }, { sku: 'A' }] })).toBe(false);
    expect(matchesPartial({ tags: ['a', 'b'] }, { tags: ['a', 'b'] })).toBe(true);
  });

  it('says where the first mismatch is', () => {
    expect(partialMismatch({ refund: { amount: 100 } }, { refund: { amount: 10 } })).toBe('refund.amount: expected 10, got 100');
    expect(partialMismatch({ a: 1 }, { order_id: 'A1' })).toBe('order_id: missing');
    expect(partialMismatch({ items: [1, 2, 3] }, { items: [1, 2] })).toBe('items: expected 2 items, got 3');
    expect(partialMismatch({ items: [{ sku: 'A' }] }, { items: [{ sku: 'B' }] })).toBe('items[0].sku: expected "B", got "A"');
    expect(partialMismatch({ 'odd key': 1 }, { 'odd key': 2 })).toBe('["odd key"]: expected 2, got 1');
    expect(partialMismatch({ a: [1] }, { a: { b: 1 } })).toBe('a: expected an object, got [1]');
    expect(partialMismatch({ a: 'x' }, { a: [1] })).toBe('a: expected an array, got "x"');
    expect(partialMismatch(null, { a: 1 })).toBe('expected an object, got null');
    expect(partialMismatch({ a: 1, b: 2 }, { a: 1, b: 2 })).toBeUndefined();
  });
});
