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
