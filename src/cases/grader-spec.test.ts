import { describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { assertionFromConfig, parseGraderSpec, splitList, toAssertion, type AssertionInput } from './grader-spec.js';

const source = { file: 'evals/qa.csv', line: 4 };
const parse = (spec: string) => parseGraderSpec(spec, source);

function specError(run: () => unknown): PromptgateError {
  try {
    run();
  } catch (error) {
    if (error instanceof PromptgateError) return error;
    throw error;
  }
  throw new Error('expected a PromptgateError');
}

describe('parseGraderSpec', () => {
  it.each([
    ['equals:Paris', 'equals', 'Paris'],
    ['contains: Paris ', 'contains', 'Paris'],
    ['icontains:paris', 'icontains', 'paris'],
    ['starts-with:The answer', 'starts-with', 'The answer'],
    ['regex:^\\d+$', 'regex', '^\\d+$'],
    ['regex:/^yes/i', 'regex', '/^yes/i'],
    ['rubric:is polite', 'rubric', 'is polite'],
    ['llm-rubric:is polite', 'rubric', 'is polite'],
    ['grade:is polite', 'rubric', 'is polite'],
    ['js:isShort', 'js', 'isShort'],
    ['javascript:isShort', 'js', 'isShort'],
    ['schema:schemas/answer.json', 'schema', 'schemas/answer.json'],
  ])('%s → %s', (spec, type, value) => {
    expect(parse(spec)).toEqual({ type, negate: false, value, weight: 1, source, spec: spec.trim() });
  });

  it('/pattern/flags is a regex with the raw literal as value, when it is a JS regex literal', () => {
    expect(parse('/^(yes|no)$/im')).toMatchObject({ type: 'regex', negate: false, value: '/^(yes|no)$/im' });
    expect(parse('/a\\/b[/]/')).toMatchObject({ type: 'regex', value: '/a\\/b[/]/' });
    // An unescaped `/` in the body or letters that are not flags: a path, compared as text.
    for (const cell of ['/usr/bin/', '/api/v1/users', '/home/user/dims']) expect(parse(cell)).toMatchObject({ type: 'equals', value: cell });
  });

  it('not- negates any type', () => {
    expect(parse('not-contains:sorry')).toMatchObject({ type: 'contains', negate: true, value: 'sorry' });
    expect(parse('not-is-json')).toMatchObject({ type: 'is-json', negate: true });
    expect(parse('not-rubric:mentions a price')).toMatchObject({ type: 'rubric', negate: true });
  });

  it('contains-any / contains-all keep a list, with quoted items holding commas', () => {
    expect(parse('contains-any:red, green ,blue').value).toEqual(['red', 'green', 'blue']);
    expect(parse('contains-all:"Paris, France",Europe').value).toEqual(['Paris, France', 'Europe']);
    expect(splitList('a,,b, ')).toEqual(['a', 'b']);
  });

  it('thresholds in parentheses', () => {
    expect(parse('rubric(0.8):is helpful')).toMatchObject({ type: 'rubric', threshold: 0.8, value: 'is helpful' });
    expect(parse('latency(1500)')).toMatchObject({ type: 'latency', threshold: 1500, negate: false });
    expect(parse('cost(0.002)')).toMatchObject({ type: 'cost', threshold: 0.002 });
    expect(parse('not-latency(200)')).toMatchObject({ type: 'latency', negate: true, threshold: 200 });
    expect(parse('latency:900')).toMatchObject({ type: 'latency', threshold: 900 });
  });

  it('is-json, contains-json, inline schemas', () => {
    expect(parse('is-json')).toEqual({ type: 'is-json', negate: false, weight: 1, source, spec: 'is-json' });
    expect(parse('contains-json')).toMatchObject({ type: 'contains-json', negate: false });
    expect(parse('contains-json:{"type":"object"}')).toMatchObject({ type: 'contains-json', value: { type: 'object' } });
    expect(parse('schema:{"required":["a"]}')).toMatchObject({ type: 'schema', value: { required: ['a'] } });
    expect(parse('is-json:{"type":"array"}')).toMatchObject({ type: 'is-json', value: { type: 'array' } });
  });

  it('a cell that names no type is an exact match of the whole (trimmed) cell', () => {
    for (const cell of ['Paris', 'Answer: yes', 'note: the answer is 4', 'yes', 'python', 'contains', '42 (approx)', '/usr/bin/env x']) {
      expect(parse(`  ${cell} `)).toEqual({ type: 'equals', negate: false, value: cell, weight: 1, source, spec: cell });
    }
  });

  it('an unsupported promptfoo type is GRADER_INVALID naming file:line', () => {
    for (const [spec, name] of [['python:file.py', 'python'], ['similar(0.8):hello', 'similar'], ['webhook:http://x', 'webhook'], ['file://grader.js', 'file'], ['not-python:x', 'python']]) {
      const error = specError(() => parse(spec));
      expect(error.code).toBe('GRADER_INVALID');
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(`unknown grader type '${name}'`);
      expect(error.location).toEqual(source);
    }
  });

  it('validates what it can without running', () => {
    expect(specError(() => parse('rubric(abc):x')).message).toBe("threshold 'abc' is not a number ≥ 0");
    expect(specError(() => parse('latency()')).message).toMatch(/threshold '' is not a number/);
    expect(specError(() => parse('schema:{"type": }')).message).toMatch(/^invalid JSON in inline schema/);
    expect(specError(() => parse('schema:[1]')).message).toBe('an inline schema must be a JSON object');
    expect(specError(() => parse('contains:')).message).toBe("'contains' needs a value (contains:<value>)");
    expect(specError(() => parse('not-equals')).message).toBe("'equals' needs a value (equals:<value>)");
    expect(specError(() => parse('cost:cheap')).message).toMatch(/threshold 'cheap'/);
    expect(specError(() => parse('  ')).message).toBe('empty grader spec');
  });
});

describe('assertionFromConfig', () => {
  it('applies aliases, not-, weight (default 1), threshold and metric', () => {
    expect(assertionFromConfig({ type: 'llm-rubric', value: 'is kind', threshold: 0.7, weight: 2, metric: 'tone' }, source)).toMatchObject({
      type: 'rubric', negate: false, value: 'is kind', threshold: 0.7, weight: 2, metric: 'tone', source,
    });
    expect(assertionFromConfig({ type: 'not-icontains', value: 'error' }, source)).toMatchObject({ type: 'icontains', negate: true, weight: 1 });
    expect(assertionFromConfig({ type: 'javascript', value: 'short' }, source).type).toBe('js');
    expect(assertionFromConfig({ type: 'latency', threshold: 300 }, source)).toMatchObject({ type: 'latency', threshold: 300 });
  });

  it('keeps list and schema values, splitting list strings', () => {
    expect(assertionFromConfig({ type: 'contains-all', value: ['a', 'b'] }, source).value).toEqual(['a', 'b']);
    expect(assertionFromConfig({ type: 'contains-any', value: 'a, b' }, source).value).toEqual(['a', 'b']);
    expect(assertionFromConfig({ type: 'contains-json', value: { type: 'object' } }, source)).toMatchObject({ type: 'contains-json', value: { type: 'object' } });
    expect(assertionFromConfig({ type: 'contains-json' }, source).type).toBe('contains-json');
    expect(assertionFromConfig({ type: 'schema', value: '{"type":"string"}' }, source).value).toEqual({ type: 'string' });
  });

  it('rejects unknown types and bad numbers with GRADER_INVALID', () => {
    expect(specError(() => assertionFromConfig({ type: 'similar', value: 'x' }, source)).message).toBe("unknown grader type 'similar'");
    expect(specError(() => assertionFromConfig({ type: 'contains', value: 'x', weight: -1 }, source)).message).toMatch(/^weight -1/);
    expect(specError(() => assertionFromConfig({ type: 'contains', value: 'x', threshold: 'high' as unknown as number }, source)).message).toMatch(/^threshold "high"/);
    expect(specError(() => assertionFromConfig({ type: 'rubric' }, source)).message).toBe("'rubric' needs a value (rubric:<value>)");
    expect(specError(() => assertionFromConfig({ type: 'cost' }, source)).message).toMatch(/needs a limit/);
    expect(specError(() => assertionFromConfig({ type: 'contains', value: 'x', metric: 3 as unknown as string }, source)).code).toBe('GRADER_INVALID');
    const misspelt = specError(() => assertionFromConfig({ type: 'contains', value: 'x', thresold: 0.5 } as unknown as AssertionInput, source));
    expect(misspelt.message).toBe("unknown key 'thresold' in an assertion (allowed: type, value, weight, threshold, metric)");
    expect(misspelt.code).toBe('GRADER_INVALID');
  });

  it('toAssertion takes either form', () => {
    expect(toAssertion('icontains:ok', source)).toMatchObject({ type: 'icontains', value: 'ok' });
    expect(toAssertion({ type: 'equals', value: 'ok' }, source)).toMatchObject({ type: 'equals', value: 'ok' });
  });
});
