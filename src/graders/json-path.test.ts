import { describe, expect, it } from 'vitest';
import { assertionFromConfig, parseGraderSpec } from '../cases/grader-spec.js';
import type { Assertion } from '../cases/types.js';
import { PromptgateError } from '../errors.js';
import { gradeAssertion } from './grade.js';
import { makeContext } from './test-context.js';
import { validateAssertion } from './validate.js';

const source = { file: 'cases/t.jsonl', line: 3 };
const spec = (text: string): Assertion => parseGraderSpec(text, source);
const context = makeContext({ vars: { tier: 'pro' } });
const grade = (output: string, assertion: Assertion) => gradeAssertion(output, assertion, context);

const ANSWER = JSON.stringify({ customer: { tier: 'pro', name: 'Ada', since: '2021-04-01' }, items: [{ sku: 'A', qty: 2 }, { sku: 'B', qty: 5 }], refund: null, 'odd key': true });

describe('json-path', () => {
  it('reads <path> <op> <JSON value>, a path alone (exists), and the object form', () => {
    expect(spec('json-path:$.customer.tier = "pro"').value).toEqual({ path: '$.customer.tier', op: '=', value: 'pro' });
    expect(spec('json-path:$.items[0].qty>=2').value).toEqual({ path: '$.items[0].qty', op: '>=', value: 2 });
    expect(spec('json-path:$.items[?@.qty > 1].sku != "C"').value).toEqual({ path: '$.items[?@.qty > 1].sku', op: '!=', value: 'C' });
    expect(spec("json-path:$['odd key'] == true").value).toEqual({ path: "$['odd key']", op: '=', value: true });
    expect(spec('json-path:$.refund').value).toEqual({ path: '$.refund', op: 'exists' });
    expect(spec('json-path:$.refund exists').value).toEqual({ path: '$.refund', op: 'exists' });
    const object = (value: unknown) => assertionFromConfig({ type: 'json-path', value }, source).value;
    expect(object({ path: '$.customer.tier', value: 'pro' })).toEqual({ path: '$.customer.tier', op: '=', value: 'pro' });
    expect(object({ path: '$.items', op: 'exists' })).toEqual({ path: '$.items', op: 'exists' });
    expect(object({ path: '$.n', op: '<', value: 3 })).toEqual({ path: '$.n', op: '<', value: 3 });
    expect(object('$.customer.tier = "pro"')).toEqual({ path: '$.customer.tier', op: '=', value: 'pro' });
  });

  it('refuses what it cannot read at load time, naming file:line (exit 2)', () => {
    const cases: Array<[string | Record<string, unknown>, RegExp]> = [
      ['json-path:$.customer.tier = pro', /^the value "pro" is not JSON$/],
      ['json-path:$.a ~ 1', /^expected an operator after the path "\$\.a"/],
      ['json-path:$.a =', /^the operator = needs a JSON value after it$/],
      ['json-path:customer.tier = "pro"', /^the path "customer\.tier" does not start with \$/],
      ['json-path:$.items[ = 1', /^invalid JSONPath "\$\.items\[ = 1"/],
      ['json-path:$.items[?match(@.sku, "(a+)+")]', /uses match\(\)\/search\(\)/],
      ['json-path:$.a exists 1', /^`exists` takes no value$/],
      ['json-path', /^'json-path' needs a value/],
      [{ path: '$.a', op: '~' }, /^unknown operator "~"/],
      [{ path: '$.a', op: '<' }, /^the operator < needs a value$/],
      [{ path: '$.a', where: 1 }, /^unknown key 'where'/],
    ];
    for (const [input, message] of cases) {
      let error: unknown;
      try {
        if (typeof input === 'string') spec(input);
        else assertionFromConfig({ type: 'json-path', value: input }, source);
      } catch (caught) {
        error = caught;
      }
      expect(error, String(message)).toBeInstanceOf(PromptgateError);
      expect((error as PromptgateError).exitCode).toBe(2);
      expect((error as PromptgateError).location).toEqual(source);
      expect((error as PromptgateError).message).toMatch(message);
    }
  });

  /** [spec, pass, reason] on ANSWER. */
  const ROWS: Array<[string, boolean, string]> = [
    ['json-path:$.customer.tier = "pro"', true, '$.customer.tier is "pro": = "pro"'],
    ['json-path:$.customer.tier = "free"', false, '$.customer.tier is "pro", expected = "free"'],
    ['json-path:$.customer.tier != "free"', true, '$.customer.tier is "pro": != "free"'],
    ['json-path:$.items[1].qty > 4', true, '$.items[1].qty is 5: > 4'],
    ['json-path:$.items[1].qty <= 4', false, '$.items[1].qty is 5, expected <= 4'],
    ['json-path:$.items[*].qty >= 2', true, 'the 2 values $.items[*].qty selects are: >= 2'],
    ['json-path:$.items[*].qty >= 3', false, "$['items'][0]['qty'] (of 2 values $.items[*].qty selects) is 2, expected >= 3"],
    ['json-path:$.customer.since < "2022-01-01"', true, '$.customer.since is "2021-04-01": < "2022-01-01"'],
    ['json-path:$.customer.name < 3', false, '$.customer.name is "Ada", which cannot be compared with 3 (< compares two numbers or two strings)'],
    ['json-path:$.items[0] = {"qty": 2, "sku": "A"}', true, '$.items[0] is {"sku":"A","qty":2}: = {"qty":2,"sku":"A"}'],
    ['json-path:$.refund = null', true, '$.refund is null: = null'],
    ['json-path:$.refund', true, '$.refund selects a value'],
    ['json-path:$..sku', true, '$..sku selects 2 values'],
    ['json-path:$.customer.email', false, "$.customer.email selects nothing in the output's JSON"],
    ['json-path:$.customer.email = "x"', false, "$.customer.email selects nothing in the output's JSON"],
    ['not-json-path:$.error', true, "$.error selects nothing in the output's JSON"],
    ['not-json-path:$.customer.tier = "free"', true, '$.customer.tier is "pro", expected = "free"'],
    ['json-path:$.customer.tier = "{{tier}}"', true, '$.customer.tier is "pro": = "pro"'],
  ];
  it.each(ROWS)('%s → %s', async (text, pass, reason) => {
    const graded = await grade(ANSWER, spec(text));
    expect(graded).toMatchObject({ pass, score: pass ? 1 : 0, reason });
    expect(graded.errored).toBeUndefined();
  });

  it('reads a ```json block as `schema` does', async () => {
    expect((await grade(`Here you go:\n\`\`\`json\n${ANSWER}\n\`\`\``, spec('json-path:$.customer.tier = "pro"'))).pass).toBe(true);
  });

  it('output that is not JSON fails with the reason, and fails closed under not-', async () => {
    const plain = await grade('The tier is pro.', spec('json-path:$.customer.tier = "pro"'));
    expect(plain).toMatchObject({ pass: false, score: 0 });
    expect(plain.reason).toMatch(/^output is not valid JSON, so \$\.customer\.tier cannot be read: /);
    expect(plain.errored).toBeUndefined();
    for (const text of ['not-json-path:$.customer.tier = "free"', 'not-json-path:$.error']) {
      expect(await grade('', spec(text))).toMatchObject({ pass: false, score: 0 });
    }
  });

  it('a templated value that renders to something unreadable is no verdict, never a pass, also negated', async () => {
    const graded = await gradeAssertion(ANSWER, spec('not-json-path:$.customer.tier = {{tier}}'), context);
    expect(graded).toMatchObject({ pass: false, score: 0, errored: true });
    expect(graded.reason).toMatch(/^json-path: the value "pro" is not JSON/);
  });

  it('check accepts a good path', async () => {
    expect(await validateAssertion(spec('json-path:$.a = 1'), { graders: {}, rootDir: process.cwd(), hasJudge: false })).toBeUndefined();
  });
});
