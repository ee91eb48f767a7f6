import { describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { assertionFromConfig, parseGraderSpec } from './grader-spec.js';
import { editDistance } from './grader-typo.js';

const source = { file: 'evals/qa.csv', line: 9 };

function refusal(cell: string): PromptgateError {
  try {
    parseGraderSpec(cell, source);
  } catch (error) {
    if (error instanceof PromptgateError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(cell)} to be refused`);
}

describe('grader type typos', () => {
  /** Cells whose prefix is a near miss of a type: refused with "did you mean", naming file:line. */
  const TYPOS: Array<[string, string]> = [
    ['startswith:ship', 'starts-with'],
    ['starts_with:x', 'starts-with'],
    ['start-with:x', 'starts-with'],
    ['startsWith:ship', 'starts-with'],
    ['icontans:BILL', 'icontains'],
    ['contians:foo', 'contains'],
    ['contain:foo', 'contains'],
    ['containss:foo', 'contains'],
    ['not-contans:x', 'not-contains'],
    ['not_contains:x', 'not-contains'],
    ['notcontains:x', 'not-contains'],
    ['not-icontians:x', 'not-icontains'],
    ['contains_any:a,b', 'contains-any'],
    ['containsall:a,b', 'contains-all'],
    ['contains-al:a,b', 'contains-all'],
    ['equal:42', 'equals'],
    ['not-equal:42', 'not-equals'],
    ['is_json', 'is-json'],
    ['isjson', 'is-json'],
    ['not-is_json', 'not-is-json'],
    ['is-jsn:{"type":"object"}', 'is-json'],
    ['contains_json:{"type":"object"}', 'contains-json'],
    ['llmrubric:is polite', 'llm-rubric'],
    ['llm_rubric:is polite', 'llm-rubric'],
    ['rubirc:is polite', 'rubric'],
    ['rubrics(0.8):is polite', 'rubric'],
    ['javscript:isShort', 'javascript'],
    ['javascirpt:isShort', 'javascript'],
    ['latncy(500)', 'latency'],
    ['latenct(500)', 'latency'],
    ['schem:a.json', 'schema'],
    // promptfoo types promptgate does not run: the right name, and that it is not run
    ['simlar(0.8):hello', 'similar'],
    ['levenshtien:foo', 'levenshtein'],
    ['is_sql', 'is-sql'],
    ['answer_relevance:x', 'answer-relevance'],
    ['guardrail:x', 'guardrails'],
  ];

  it.each(TYPOS)('%s → did you mean %s', (cell, suggestion) => {
    const error = refusal(cell);
    expect(error.code).toBe('GRADER_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.location).toEqual(source);
    expect(error.message).toMatch(/^unknown grader type '/);
    expect(error.hint).toContain(`did you mean \`${suggestion}\`?`);
    expect(error.format()).toMatch(/^evals\/qa\.csv:9: unknown grader type '[^']+' \(did you mean `/);
  });

  it('says when the suggestion is a promptfoo type promptgate does not run, and how to keep an exact match', () => {
    expect(refusal('conversation-relevanse:x').hint).toContain('(a promptfoo type promptgate does not run)');
    expect(refusal('startswith:ship').hint).toContain('To match the whole cell as text, write equals:startswith:ship');
    expect(parseGraderSpec('equals:startswith:ship', source)).toMatchObject({ type: 'equals', value: 'startswith:ship' });
  });

  /** Answer-like cells: exact matches of the whole cell, as in promptfoo. */
  const ANSWERS = [
    'Answer: 42', 'Note: see above', 'note: see above', 'yes', 'no', 'error: none', 'content: x', 'contents: the box', 'context: none',
    'contact: bob@example.com', 'score: 8/10', 'Score: 8/10', 'scheme: https', 'schemes: two', 'result: ok', 'status: done', 'output: 3',
    'summary: fine', 'title: Dune', 'name: Ann', 'total: 12', 'price: $5', 'class: A', 'date: 2024-01-01', 'time: 10:00', 'host: db1',
    'cast: Tom Hanks', 'blue: #00f', 'trade: even', 'grace: period', 'meter: 3', 'rouge: red', 'moderator: Ann', 'classified: no',
    'fatality: none', 'factually: true', 'actuality: real', 'refusal: the model declined', 'operation: done', 'federation: yes',
    'regexp', 'contain', 'equal', 'Contains: milk, soy', 'Regex: none', 'STARTSWITH: x', 'json: yes', 'js-ish: no',
    'step 1: mix', 'Q: why?', 'a: b', 're: your mail', 'todo: nothing', 'ps: hi', 'http://example.com', 'mailto:ann@example.com',
    'nothing: here', 'notes: none', 'notice: none', 'human', '/^yes$/i', '/usr/bin/', '42 (approx)', 'x(1)', 'v2: ready', 'iPhone: 15',
  ];

  it.each(ANSWERS)('%j stays an exact match', (cell) => {
    expect(parseGraderSpec(cell, source)).toEqual({ type: 'equals', negate: false, value: cell, weight: 1, source, spec: cell });
  });

  it('suggests the type an assertion object (JSONL assert, suite assert) misspelt', () => {
    const typo = (type: string) => {
      try {
        assertionFromConfig({ type, value: 'x' }, source);
      } catch (error) {
        return error as PromptgateError;
      }
      throw new Error('expected an error');
    };
    expect(typo('startswith').hint).toBe('did you mean `starts-with`?');
    expect(typo('not_contains').hint).toBe('did you mean `not-contains`?');
    expect(typo('Contains').hint).toBe('did you mean `contains`?');
    expect(typo('scheme').hint).toBe('did you mean `schema`?');
    expect(typo('simlar').hint).toBe('did you mean `similar`?');
    expect(typo('conversation-relevanse').hint).toBe('did you mean `conversation-relevance`? (a promptfoo type promptgate does not run)');
    expect(typo('frobnicate').hint).toMatch(/^supported: /);
    expect(typo('frobnicate').message).toBe("unknown grader type 'frobnicate'");
  });

  it('measures edits as insertions, deletions, substitutions and swaps', () => {
    expect(editDistance('contians', 'contains')).toBe(1);
    expect(editDistance('icontans', 'icontains')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('ab', 'ba')).toBe(1);
  });
});
