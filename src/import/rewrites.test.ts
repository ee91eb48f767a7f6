import { describe, expect, it } from 'vitest';
import { readPromptfooCell } from './promptfoo-cells.js';
import { expandVariableLists, resolveVariableReferences, rewriteExpectedCell, stripTrailingNewlines } from './rewrites.js';

const where = { file: 'cases.csv', line: 2 };

describe('promptfoo cells as promptgate reads them', () => {
  // [cell, promptfoo's type (`equals` with exact = no type prefix), what the import writes]
  const rows: Array<[string, string, boolean, string]> = [
    ['Paris', 'equals', true, 'Paris'],
    ['Answer: 42', 'equals', true, 'Answer: 42'],
    ['contains:Paris', 'contains', false, 'contains:Paris'],
    ['not-icontains:sorry', 'icontains', false, 'not-icontains:sorry'],
    ['is-json', 'is-json', false, 'is-json'],
    ['grade:is polite', 'llm-rubric', false, 'grade:is polite'],
    ['starts-with(0.5):Yes', 'starts-with', false, 'starts-with(0.5):Yes'],
    // promptgate-only type names: promptfoo knows no such type, so the whole cell is the answer.
    ['rubric:shout', 'equals', true, 'equals:rubric:shout'],
    ['schema:{"type":"object"}', 'equals', true, 'equals:schema:{"type":"object"}'],
    ['js:polite', 'equals', true, 'equals:js:polite'],
    // a regex literal: an exact match to promptfoo, and to promptgate too (nothing to rewrite).
    ['/ab+c/i', 'equals', true, '/ab+c/i'],
    // promptfoo's threshold is digits only: otherwise no type matches.
    ['equals(x):y', 'equals', true, 'equals:equals(x):y'],
    // a near miss promptgate refuses, promptfoo compares as text.
    ['startswith:ship', 'equals', true, 'equals:startswith:ship'],
  ];
  it.each(rows)('%s', (cell, type, exact, written) => {
    const reading = readPromptfooCell(cell);
    expect(reading.type).toBe(type);
    expect(reading.exact).toBe(exact);
    const outcome = rewriteExpectedCell(cell, where);
    expect(outcome).toMatchObject({ cell: written });
    if (written !== cell) expect(outcome).toMatchObject({ rewrite: 'exact-match' });
  });

  it('a typo rewritten to an exact match says so', () => {
    expect(rewriteExpectedCell('startswith:ship', where)).toMatchObject({ note: expect.stringContaining("unknown grader type 'startswith'") });
  });

  it('a type promptgate cannot run is a problem, not an exact match', () => {
    expect(rewriteExpectedCell('classifier:joy', where)).toEqual({ problem: expect.stringContaining("grader type 'classifier' cannot run here"), hint: expect.any(String) });
  });

  it("reads `similar:cosine(0.8):x` as promptfoo 0.121's regex does: `similar` with the rest as its value", () => {
    expect(readPromptfooCell('similar:cosine(0.8):x')).toEqual({ type: 'similar', negate: false, value: 'cosine(0.8):x', exact: false });
    expect(readPromptfooCell('not-contains-any: a, b')).toEqual({ type: 'contains-any', negate: true, value: ['a', 'b'], exact: false });
    expect(readPromptfooCell('fn:output.length < 5')).toEqual({ type: 'javascript', negate: false, value: 'output.length < 5', exact: false });
    expect(readPromptfooCell('file://check.py:grade')).toEqual({ type: 'python', negate: false, value: 'check.py:grade', exact: false });
  });
});

describe('variables as promptfoo renders them', () => {
  it('substitutes {{other}} references, a round at a time, up to 5 rounds; unknown names stay', () => {
    expect(resolveVariableReferences({ a: 'Hi {{ b }}', b: 'Bo {{c}}', c: 'x', d: '{{nope}}', n: 3 })).toEqual({
      vars: { a: 'Hi Bo x', b: 'Bo x', c: 'x', d: '{{nope}}', n: 3 },
      changed: true,
    });
    expect(resolveVariableReferences({ a: 'plain' })).toEqual({ vars: { a: 'plain' }, changed: false });
  });

  it('drops one trailing newline', () => {
    expect(stripTrailingNewlines({ a: 'x\n\n', b: 'y', c: 1 })).toEqual({ vars: { a: 'x\n', b: 'y', c: 1 }, changed: true });
  });

  it('expands lists of strings into one set of variables per combination; other lists are one value', () => {
    expect(expandVariableLists({ a: ['x', 'y'], b: ['1', '2'], c: [{ k: 1 }], d: 'z' })).toEqual([
      { a: 'x', b: '1', c: [{ k: 1 }], d: 'z' },
      { a: 'x', b: '2', c: [{ k: 1 }], d: 'z' },
      { a: 'y', b: '1', c: [{ k: 1 }], d: 'z' },
      { a: 'y', b: '2', c: [{ k: 1 }], d: 'z' },
    ]);
  });
});
