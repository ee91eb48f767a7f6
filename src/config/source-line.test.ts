import { describe, expect, it } from 'vitest';
import { findLine } from './source-line.js';

const source = `export default defineConfig({
  concurrency: 4,
  models: {
    "gpt-4o": {
      provider: 'openai',
      concurrency: 2,
    },
  },
  myconcurrency: 1,
  reporters: ['console', 'jsonl'],
});`;

describe('findLine', () => {
  it('finds each key of the path after the previous one', () => {
    expect(findLine(source, ['concurrency'])).toBe(2);
    expect(findLine(source, ['models', 'gpt-4o', 'concurrency'])).toBe(6);
    expect(findLine(source, ['models', 'gpt-4o'])).toBe(4);
  });
  it('does not match a key inside a longer identifier', () => {
    expect(findLine(source, ['myconcurrency'])).toBe(9);
    expect(findLine('  xconcurrency: 1,\n  concurrency: 2', ['concurrency'])).toBe(2);
  });
  it('finds a string value, for array items', () => {
    expect(findLine(source, ['reporters', 1], 'jsonl')).toBe(10);
  });
  it('gives no line when the key is not in the text', () => {
    expect(findLine(source, ['judge'])).toBeUndefined();
    expect(findLine(source, ['suites', 0])).toBeUndefined();
    expect(findLine(undefined, ['concurrency'])).toBeUndefined();
  });
});
