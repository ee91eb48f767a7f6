import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256, stableStringify } from './hash.js';

describe('stableStringify', () => {
  it('sorts keys at every depth, keeps array order, and matches JSON.stringify otherwise', () => {
    const a = { b: 1, a: { z: [3, { y: 1, x: 2 }], c: null }, d: 'é' };
    const b = { d: 'é', a: { c: null, z: [3, { x: 2, y: 1 }] }, b: 1 };
    expect(stableStringify(a)).toBe('{"a":{"c":null,"z":[3,{"x":2,"y":1}]},"b":1,"d":"é"}');
    expect(stableStringify(b)).toBe(stableStringify(a));
    expect(stableStringify([{ b: 1, a: 2 }])).toBe('[{"a":2,"b":1}]');
    expect(stableStringify({ when: new Date(0), skip: undefined })).toBe('{"when":"1970-01-01T00:00:00.000Z"}');
    expect(stableStringify('text')).toBe('"text"');
  });
});

describe('sha256', () => {
  it('is the hex sha256 of the text', () => {
    expect(sha256('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
  });
});

describe('stableStringify against a sorted copy through JSON.stringify', () => {
  const sortedCopy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortedCopy);
    if (value && typeof value === 'object' && (value as object).constructor === Object) {
      return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedCopy((value as Record<string, unknown>)[key])]));
    }
    return value;
  };
  it('gives the same text for every kind of JSON value', () => {
    const samples: unknown[] = [
      { provider: 'openai', model: 'm', params: { temperature: 0, max_tokens: 16, stop: ['\n', '"'] }, messages: [{ role: 'user', content: 'Hi "there"\n\u2028 é 😀' }], repeat: 0 },
      { z: { y: { x: [1.5, -0, 1e21, null, true, 'ü'] } }, a: [] , m: {} },
      [undefined, () => 1, Symbol('s'), NaN, Infinity],
      { skip: undefined, fn: () => 1, keep: 0 },
      { nested: [{ b: [{ d: 1, c: 2 }], a: 'x' }] },
      'plain', 42, null, true,
    ];
    for (const sample of samples) expect(stableStringify(sample)).toBe(JSON.stringify(sortedCopy(sample)));
  });
});
