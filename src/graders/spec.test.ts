import { describe, expect, it } from 'vitest';
import { renderAssertionSpec } from './spec.js';
import { makeAssertion } from './test-context.js';

describe('renderAssertionSpec', () => {
  it('renders the spec grammar', () => {
    expect(renderAssertionSpec(makeAssertion('contains', 'foo', { negate: true }))).toBe('not-contains:foo');
    expect(renderAssertionSpec(makeAssertion('rubric', 'is polite', { threshold: 0.8 }))).toBe('rubric(0.8):is polite');
    expect(renderAssertionSpec(makeAssertion('latency', undefined, { threshold: 2000 }))).toBe('latency(2000)');
    expect(renderAssertionSpec(makeAssertion('is-json'))).toBe('is-json');
    expect(renderAssertionSpec(makeAssertion('contains-any', ['a', 'b']))).toBe('contains-any:a,b');
    expect(renderAssertionSpec(makeAssertion('schema', { type: 'object' }))).toBe('schema:{"type":"object"}');
  });

  it('prefers the spec as the user wrote it', () => {
    expect(renderAssertionSpec(makeAssertion('regex', '/a+/i', { spec: '/a+/i' }))).toBe('/a+/i');
  });

  it('keeps it to one short line', () => {
    const spec = renderAssertionSpec(makeAssertion('rubric', `line one\nline two ${'x'.repeat(200)}`));
    expect(spec).not.toContain('\n');
    expect(spec.startsWith('rubric:line one line two')).toBe(true);
    expect(spec.endsWith('…')).toBe(true);
    expect(spec.length).toBeLessThan(100);
  });
});
