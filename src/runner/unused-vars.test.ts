import { describe, expect, it } from 'vitest';
import type { TestCase } from '../cases/types.js';
import { parsePromptSource } from '../prompts/parse.js';
import { createUnusedVarsCheck } from './unused-vars.js';

const prompt = (body: string) => parsePromptSource(`---\nversion: 1.0.0\n---\n${body}`, 'prompts/p.prompt');
const testCase = (vars: Record<string, unknown>, file = 'evals/p.csv', line = 2, js = false): TestCase => ({
  id: 'x', vars, tags: [], metadata: {}, source: { file, line },
  assertions: js ? [{ type: 'js', negate: false, value: 'check', weight: 1, source: { file, line } }] : [],
});

function warningsFor(body: string, cases: TestCase[]): string[] {
  const check = createUnusedVarsCheck(prompt(body));
  for (const c of cases) check.add(c);
  return check.warnings();
}

describe('unused case variables', () => {
  it('names each unused CSV column once, on the header line, with "did you mean" for near misses of reserved columns', () => {
    const row = { q: 'a', expected: 'x', _expected: 'x', Expected2: 'x', expeted: 'x', description: 'd', id: '1', name: 'n', a: 'z' };
    const warnings = warningsFor('{{q}}', [testCase(row), testCase(row, 'evals/p.csv', 3)]);
    expect(warnings).toEqual([
      "evals/p.csv:1: column 'expected' is not used by prompts/p.prompt (did you mean `__expected`?)",
      "evals/p.csv:1: column '_expected' is not used by prompts/p.prompt (did you mean `__expected`?)",
      "evals/p.csv:1: column 'Expected2' is not used by prompts/p.prompt (did you mean `__expected2`?)",
      "evals/p.csv:1: column 'expeted' is not used by prompts/p.prompt (did you mean `__expected`?)",
      "evals/p.csv:1: column 'description' is not used by prompts/p.prompt (did you mean `__description`?)",
      "evals/p.csv:1: column 'id' is not used by prompts/p.prompt (did you mean `__id`?)",
      "evals/p.csv:1: column 'name' is not used by prompts/p.prompt (its values never reach the model: remove it, or use {{name}} in the template)",
      "evals/p.csv:1: column 'a' is not used by prompts/p.prompt (its values never reach the model: remove it, or use {{a}} in the template)",
    ]);
  });

  it('names a JSONL vars key on the first line that has it', () => {
    expect(warningsFor('{{q}}', [testCase({ q: 1 }, 'evals/p.jsonl', 1), testCase({ q: 2, tags: 'x' }, 'evals/p.jsonl', 2)])).toEqual([
      'evals/p.jsonl:2: vars key \'tags\' is not used by prompts/p.prompt (did you mean the line\'s own "tags" key, outside "vars"?)',
    ]);
  });

  it('says nothing when every variable is read, the template reads the whole context, or a js grader sees the variables', () => {
    expect(warningsFor('{{q}} {{#if flag}}{{user.name}}{{/if}}', [testCase({ q: 1, flag: true, user: {} })])).toEqual([]);
    expect(warningsFor('{{#each this}}{{@key}}={{this}}{{/each}}', [testCase({ q: 1, expected: 2 })])).toEqual([]);
    expect(warningsFor('{{q}}', [testCase({ q: 1, expected: 2 }), testCase({ q: 2, expected: 3 }, 'evals/p.csv', 3, true)])).toEqual([]);
  });
});
