import { describe, expect, it } from 'vitest';
import { assertionFromConfig, parseGraderSpec, splitList, toAssertion, type AssertionInput } from './grader-spec.js';
import { thrown } from '../../test/helpers/thrown.js';

const source = { file: 'evals/qa.csv', line: 4 };
const parse = (spec: string) => parseGraderSpec(spec, source);

const specError = (run: () => unknown) => thrown(run);

describe('parseGraderSpec', () => {
  it.each([
    ['equals:Paris', 'equals', 'Paris'],
    ['contains: Paris ', 'contains', 'Paris'],
    ['icontains:paris', 'icontains', 'paris'],
    ['regex:^\\d+$', 'regex', '^\\d+$'],
    ['regex:/^yes/i', 'regex', '/^yes/i'],
    ['rubric:is polite', 'rubric', 'is polite'],
    ['llm-rubric:is polite', 'rubric', 'is polite'],
    ['grade:is polite', 'rubric', 'is polite'],
    ['js:isShort', 'js', 'isShort'],
    // promptfoo's inline JavaScript (and its legacy fn:/eval:), not the config's named graders.
    ['javascript:output.length < 5', 'javascript', 'output.length < 5'],
    ['fn:output.length < 5', 'javascript', 'output.length < 5'],
    ['python:len(output) < 5', 'python', 'len(output) < 5'],
    ['file://graders/check.ts:short', 'javascript', 'file://graders/check.ts:short'],
    ['file://graders/check.py', 'python', 'file://graders/check.py'],
    ['webhook:http://127.0.0.1:9/grade', 'webhook', 'http://127.0.0.1:9/grade'],
    ['schema:schemas/answer.json', 'schema', 'schemas/answer.json'],
  ])('%s → %s', (spec, type, value) => {
    expect(parse(spec)).toEqual({ type, negate: false, value, weight: 1, source, spec: spec.trim() });
  });

  it('a bare /pattern/flags cell is an exact match of its text, as promptfoo reads it (it has no regex-literal rule)', () => {
    for (const cell of ['/^(yes|no)$/im', '/a\\/b[/]/', '/usr/bin/', '/api/v1/users']) expect(parse(cell)).toMatchObject({ type: 'equals', value: cell });
    expect(parse('regex:/^yes/i')).toMatchObject({ type: 'regex', value: '/^yes/i' });
  });

  it('a bare type name is that type (promptfoo\'s rule); one that needs a value is refused, never an exact match', () => {
    expect(parse('is-json')).toMatchObject({ type: 'is-json', negate: false });
    expect(parse('not-is-json')).toMatchObject({ type: 'is-json', negate: true });
    expect(specError(() => parse('contains')).message).toBe("'contains' needs a value (contains:<value>)");
    expect(specError(() => parse('regex')).message).toBe("'regex' needs a value (regex:<value>)");
    expect(specError(() => parse('python')).message).toBe("'python' needs a value (python:<value>)");
    expect(specError(() => parse('ruby')).message).toBe("grader type 'ruby' is not supported yet: promptgate runs JavaScript and Python graders, not Ruby");
    expect(specError(() => parse('is-valid-function-call')).message).toMatch(/^grader type 'is-valid-function-call' is not supported yet: .*use is-valid-openai-tools-call$/);
    expect(parse('tool-call-f1:a,b')).toMatchObject({ type: 'tool-call-f1', value: ['a', 'b'] });
    expect(parse('is-valid-openai-tools-call')).toMatchObject({ type: 'is-valid-openai-tools-call', negate: false });
    expect(specError(() => parse('guardrails')).message).toMatch(/^grader type 'guardrails' cannot run here: /);
    // promptfoo's special types are not in its cell grammar: alone they are text. With a value,
    // promptgate runs select-best (promptfoo would compare the cell as text and fail: a departure),
    // and refuses the others (a near miss).
    expect(parse('human')).toMatchObject({ type: 'equals', value: 'human' });
    expect(parse('select-best')).toMatchObject({ type: 'equals', value: 'select-best' });
    expect(parse('select-best:the shortest')).toMatchObject({ type: 'select-best', value: 'the shortest' });
    expect(specError(() => parse('max-score:x')).code).toBe('GRADER_INVALID');
  });

  it('promptfoo\'s legacy prefixes: fn:, eval:, javascript:, grade:, llm-rubric:, python:, file://', () => {
    const js = parse('javascript:isShort').type;
    expect(parse('fn:isShort')).toMatchObject({ type: js, value: 'isShort', spec: 'fn:isShort' });
    expect(parse('eval: isShort ')).toMatchObject({ type: js, value: 'isShort' });
    expect(parse('file://graders/short.js')).toMatchObject({ type: js, value: 'file://graders/short.js' });
    expect(parse('file://graders/short.ts:check')).toMatchObject({ type: js, value: 'file://graders/short.ts:check' });
    expect(parse('grade:is polite')).toMatchObject({ type: 'rubric', value: 'is polite' });
    expect(parse('file://check.py')).toMatchObject({ type: 'python', value: 'file://check.py' });
    // Any other file:// cell: an exact match of the file's content, read when the case is graded.
    expect(parse('file://answers/paris.txt')).toMatchObject({ type: 'equals', value: 'file://answers/paris.txt', deferParse: true });
    // promptfoo compares `not-fn:…` as text: refused, with what to write.
    const notFn = specError(() => parse('not-fn:isShort'));
    expect(notFn.message).toBe("'not-fn' is not a grader type (promptfoo would compare the whole cell as text)");
    expect(notFn.hint).toMatch(/^write not-javascript:/);
    expect(parse('fn')).toMatchObject({ type: 'equals', value: 'fn' });
  });

  it('promptfoo\'s cell default thresholds (0.75; similar 0.8); a limit given as the value stays the limit', () => {
    expect(parse('starts-with:The answer')).toMatchObject({ type: 'starts-with', value: 'The answer', threshold: 0.75 });
    expect(parse('latency')).toMatchObject({ type: 'latency', threshold: 0.75 });
    expect(parse('cost')).toMatchObject({ type: 'cost', threshold: 0.75 });
    expect(parse('latency:900')).toMatchObject({ type: 'latency', threshold: 900 });
    expect(parse('contains:x').threshold).toBeUndefined();
    expect(assertionFromConfig({ type: 'starts-with', value: 'x' }, source).threshold).toBeUndefined();
  });

  it('type names with a colon: the longest known name wins', () => {
    const error = specError(() => parse('not-trajectory:tool-used(2):search'));
    expect(error.message).toBe("grader type 'trajectory:tool-used' cannot run here: it grades the trajectory of an agent harness");
  });

  it('a value with {{var}} is parsed by its type once rendered; a list is split first', () => {
    expect(parse('is-json:{{schema}}')).toMatchObject({ type: 'is-json', value: '{{schema}}', deferParse: true });
    expect(parse('contains-any:{{a}}, b')).toMatchObject({ type: 'contains-any', value: ['{{a}}', 'b'] });
    expect(parse('contains-any:{{a}}, b').deferParse).toBeUndefined();
    expect(parse('contains:{{city}}')).toMatchObject({ type: 'contains', value: '{{city}}' });
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
    expect(parse('contains-json')).toEqual({ type: 'contains-json', negate: false, weight: 1, source, spec: 'contains-json' });
    expect(parse('contains-json')).toMatchObject({ type: 'contains-json', negate: false });
    expect(parse('contains-json:{"type":"object"}')).toMatchObject({ type: 'contains-json', value: { type: 'object' } });
    expect(parse('schema:{"required":["a"]}')).toMatchObject({ type: 'schema', value: { required: ['a'] } });
    expect(parse('is-json:{"type":"array"}')).toMatchObject({ type: 'is-json', value: { type: 'array' } });
  });

  it('a cell that names no type is an exact match of the whole (trimmed) cell', () => {
    for (const cell of ['Paris', 'Answer: yes', 'note: the answer is 4', 'yes', 'human', 'Contains', '42 (approx)', '/usr/bin/env x']) {
      expect(parse(`  ${cell} `)).toEqual({ type: 'equals', negate: false, value: cell, weight: 1, source, spec: cell });
    }
  });

  it('an unsupported promptfoo type is GRADER_INVALID naming file:line', () => {
    for (const [spec, name] of [['ruby:file.rb', 'ruby'], ['ruby:puts 1', 'ruby'], ['not-ruby:x', 'ruby'], ['is-valid-openai-function-call', 'is-valid-openai-function-call'], ['max-score:x', 'max-score']]) {
      const error = specError(() => parse(spec));
      expect(error.code).toBe('GRADER_INVALID');
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(new RegExp(`^grader type '${name}' is not supported yet: `));
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
    expect(assertionFromConfig({ type: 'javascript', value: 'output.length < 5' }, source).type).toBe('javascript');
    expect(assertionFromConfig({ type: 'js', value: 'short' }, source).type).toBe('js');
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
    expect(specError(() => assertionFromConfig({ type: 'ruby', value: 'x' }, source)).message).toMatch(/^grader type 'ruby' is not supported yet: /);
    expect(specError(() => assertionFromConfig({ type: 'contains', value: 'x', weight: -1 }, source)).message).toMatch(/^weight -1/);
    expect(specError(() => assertionFromConfig({ type: 'contains', value: 'x', threshold: 'high' as unknown as number }, source)).message).toMatch(/^threshold "high"/);
    expect(specError(() => assertionFromConfig({ type: 'rubric' }, source)).message).toBe("'rubric' needs a value (rubric:<value>)");
    expect(specError(() => assertionFromConfig({ type: 'cost' }, source)).message).toMatch(/needs a limit/);
    expect(specError(() => assertionFromConfig({ type: 'contains', value: 'x', metric: 3 as unknown as string }, source)).code).toBe('GRADER_INVALID');
    const misspelt = specError(() => assertionFromConfig({ type: 'contains', value: 'x', thresold: 0.5 } as unknown as AssertionInput, source));
    expect(misspelt.message).toBe("unknown key 'thresold' in an assertion (allowed: type, value, weight, threshold, metric, config)");
    expect(misspelt.code).toBe('GRADER_INVALID');
  });

  it('toAssertion takes either form', () => {
    expect(toAssertion('icontains:ok', source)).toMatchObject({ type: 'icontains', value: 'ok' });
    expect(toAssertion({ type: 'equals', value: 'ok' }, source)).toMatchObject({ type: 'equals', value: 'ok' });
  });
});
