import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertionFromConfig, parseGraderSpec } from '../cases/grader-spec.js';
import type { Assertion } from '../cases/types.js';
import { PromptgateError } from '../errors.js';
import type { ToolCall, ToolDefinition } from '../tools/types.js';
import { gradeAssertion, gradeOutput } from './grade.js';
import { makeContext } from './test-context.js';
import type { GraderContext } from './types.js';
import { validateAssertion } from './validate.js';

const root = mkdtempSync(join(tmpdir(), 'promptgate-tool-graders-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
writeFileSync(join(root, 'refund.schema.json'), JSON.stringify({ type: 'object', required: ['amount'], properties: { amount: { type: 'number', maximum: 50 } } }));

const source = { file: 'cases/t.csv', line: 7 };
const spec = (text: string): Assertion => parseGraderSpec(text, source);
const object = (input: Parameters<typeof assertionFromConfig>[0]): Assertion => assertionFromConfig(input, source);

const TOOLS: ToolDefinition[] = [
  {
    name: 'lookup_order',
    inputSchema: { type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' } }, additionalProperties: false },
  },
  {
    name: 'refund',
    inputSchema: { type: 'object', required: ['order_id', 'amount'], properties: { order_id: { type: 'string' }, amount: { type: 'number' }, reason: { type: 'string' } } },
  },
];

function call(name: string, args: unknown, id = `call_${name}`): ToolCall {
  return { id, name, rawArguments: JSON.stringify(args), arguments: args };
}
function badCall(name: string, raw: string): ToolCall {
  return { id: `call_${name}`, name, rawArguments: raw, argumentsError: 'invalid JSON: Unexpected end of JSON input' };
}
function ctx(toolCalls: ToolCall[] | undefined, extra: Partial<GraderContext> = {}): GraderContext {
  return makeContext({ toolCalls, prompt: { id: 'support', version: '1.0.0', tools: TOOLS }, rootDir: root, ...extra });
}
async function grade(assertion: Assertion, context: GraderContext, output = '') {
  return gradeAssertion(output, assertion, context);
}

const lookup = call('lookup_order', { order_id: 'A1' });
const refund10 = call('refund', { order_id: 'A1', amount: 10, reason: 'late' });
const refund100 = call('refund', { order_id: 'A1', amount: 100 });

describe('tool-call', () => {
  it('reads the cell: bare, a name, a name with partial JSON arguments; JSONL objects {name, arguments}', () => {
    expect(spec('tool-call')).toMatchObject({ type: 'tool-call', negate: false });
    expect(spec('tool-call').value).toBeUndefined();
    expect(spec('tool-call:refund').value).toEqual({ name: 'refund' });
    expect(spec('tool-call:refund {"amount": 10}').value).toEqual({ name: 'refund', arguments: { amount: 10 } });
    expect(spec('not-tool-call:refund')).toMatchObject({ type: 'tool-call', negate: true, value: { name: 'refund' } });
    expect(object({ type: 'tool-call', value: { name: 'refund', arguments: { amount: 10 } } }).value).toEqual({ name: 'refund', arguments: { amount: 10 } });
    expect(object({ type: 'tool-call', value: 'lookup_order' }).value).toEqual({ name: 'lookup_order' });
    // The other tool-call types are not read as `tool-call` with a value (the longest name wins).
    expect(spec('tool-call-count(2)')).toMatchObject({ type: 'tool-call-count', threshold: 2 });
    expect(spec('tool-call-f1:a,b')).toMatchObject({ type: 'tool-call-f1', value: ['a', 'b'] });
  });

  it('refuses values it cannot read, naming file:line (exit 2)', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => spec('tool-call:refund {amount: 10}'), /^invalid JSON in the partial arguments: /],
      [() => spec('tool-call:refund [1, 2]'), /^the partial arguments must be a JSON object$/],
      [() => spec('tool-call:lookup order'), /^invalid JSON in the partial arguments/],
      [() => spec('tool-call:"refund"'), /is not a tool name$/],
      [() => object({ type: 'tool-call', value: { name: 'refund', args: {} } }), /^unknown key 'args' in tool-call's value/],
      [() => object({ type: 'tool-call', value: { arguments: {} } }), /needs a `name`/],
      [() => object({ type: 'tool-call', value: { name: 'refund', arguments: [1] } }), /`arguments` must be an object/],
    ];
    for (const [make, message] of cases) {
      let error: unknown;
      try {
        make();
      } catch (caught) {
        error = caught;
      }
      expect(error, String(message)).toBeInstanceOf(PromptgateError);
      expect((error as PromptgateError).code).toBe('GRADER_INVALID');
      expect((error as PromptgateError).exitCode).toBe(2);
      expect((error as PromptgateError).location).toEqual(source);
      expect((error as PromptgateError).message).toMatch(message);
    }
  });

  it('bare: some tool was called; not-tool-call: none was', async () => {
    expect(await grade(spec('tool-call'), ctx([lookup]))).toMatchObject({ pass: true, reason: 'the model called "lookup_order"' });
    expect(await grade(spec('tool-call'), ctx([]))).toMatchObject({ pass: false, reason: 'the model called no tool' });
    expect(await grade(spec('tool-call'), ctx(undefined))).toMatchObject({ pass: false });
    expect(await grade(spec('not-tool-call'), ctx(undefined), 'Here is your answer.')).toMatchObject({ pass: true, score: 1 });
    expect(await grade(spec('not-tool-call'), ctx([lookup]))).toMatchObject({ pass: false, score: 0 });
  });

  it('a name: that tool was called; not-tool-call:<name>: not that tool', async () => {
    expect(await grade(spec('tool-call:refund'), ctx([lookup, refund10]))).toMatchObject({ pass: true });
    expect(await grade(spec('tool-call:refund'), ctx([lookup]))).toMatchObject({ pass: false, reason: 'no call to "refund" (the model called "lookup_order")' });
    expect(await grade(spec('not-tool-call:refund'), ctx([lookup]))).toMatchObject({ pass: true });
    expect(await grade(spec('not-tool-call:refund'), ctx([lookup, refund10]))).toMatchObject({ pass: false });
  });

  it('partial arguments: one call to the tool has them; the reason names the first mismatch', async () => {
    expect(await grade(spec('tool-call:refund {"amount": 10}'), ctx([refund10]))).toMatchObject({ pass: true, reason: 'the model called "refund" with matching arguments' });
    expect(await grade(spec('tool-call:refund {"amount": 10}'), ctx([refund100]))).toMatchObject({ pass: false, reason: 'the call to "refund": arguments amount: expected 10, got 100' });
    expect(await grade(spec('tool-call:refund {"amount": 10}'), ctx([refund100, refund10]))).toMatchObject({ pass: true });
    const two = await grade(spec('tool-call:refund {"amount": 5}'), ctx([refund100, refund10]));
    expect(two).toMatchObject({ pass: false, reason: 'none of the 2 calls to "refund" matches; the first: arguments amount: expected 5, got 100' });
    expect(await grade(spec('tool-call:refund {"currency": "EUR"}'), ctx([refund10]))).toMatchObject({ pass: false, reason: 'the call to "refund": arguments currency: missing' });
    expect(await grade(spec('not-tool-call:refund {"amount": 100}'), ctx([refund10]))).toMatchObject({ pass: true });
    expect(await grade(spec('not-tool-call:refund {"amount": 100}'), ctx([refund100]))).toMatchObject({ pass: false });
  });

  it('invalid JSON arguments fail with their reason, and fail closed under not-', async () => {
    const broken = badCall('refund', '{"amount": 10');
    const plain = await grade(spec('tool-call:refund {"amount": 10}'), ctx([broken]));
    expect(plain).toMatchObject({ pass: false, score: 0, reason: 'the call to "refund" has arguments that are not valid JSON: invalid JSON: Unexpected end of JSON input' });
    expect(plain.errored).toBeUndefined();
    expect(await grade(spec('not-tool-call:refund {"amount": 100}'), ctx([broken]))).toMatchObject({ pass: false, score: 0 });
    // Another call to the tool that matches still passes. A call the app could not read is no call,
    // even when no arguments are expected (the issue: invalid JSON arguments are a failure with their reason).
    expect(await grade(spec('tool-call:refund {"amount": 10}'), ctx([broken, refund10]))).toMatchObject({ pass: true });
    expect(await grade(spec('tool-call:refund'), ctx([broken, refund10]))).toMatchObject({ pass: true });
    expect(await grade(spec('tool-call:refund'), ctx([broken]))).toMatchObject({ pass: false, reason: 'the call to "refund" has arguments that are not valid JSON: invalid JSON: Unexpected end of JSON input' });
    expect(await grade(spec('tool-call'), ctx([broken]))).toMatchObject({ pass: false, reason: expect.stringMatching(/^the model called tools whose arguments are not valid JSON: /) });
    expect(await grade(spec('not-tool-call'), ctx([broken]))).toMatchObject({ pass: false });
    expect(await grade(spec('not-tool-call:refund'), ctx([broken]))).toMatchObject({ pass: false });
  });
});

describe('tool-call-count', () => {
  it('exactly n calls; with a name, n calls to that tool; not- is "not exactly n"', async () => {
    expect(await grade(spec('tool-call-count(2)'), ctx([lookup, refund10]))).toMatchObject({ pass: true, reason: '2 tool calls, expected 2' });
    expect(await grade(spec('tool-call-count(1)'), ctx([lookup, refund10]))).toMatchObject({ pass: false, reason: '2 tool calls, expected 1' });
    expect(await grade(spec('tool-call-count(0)'), ctx(undefined))).toMatchObject({ pass: true });
    expect(await grade(spec('tool-call-count(2):refund'), ctx([refund10, lookup, refund100]))).toMatchObject({ pass: true, reason: '2 calls to "refund", expected 2' });
    expect(await grade(spec('not-tool-call-count(1):refund'), ctx([refund10, refund100]))).toMatchObject({ pass: true });
    expect(await grade(object({ type: 'tool-call-count', value: 1 }), ctx([lookup]))).toMatchObject({ pass: true });
    expect(await grade(object({ type: 'tool-call-count', threshold: 1, value: 'lookup_order' }), ctx([lookup]))).toMatchObject({ pass: true });
  });

  it('needs a whole number', () => {
    expect(() => spec('tool-call-count')).toThrow("'tool-call-count' needs the number of calls");
    expect(() => spec('tool-call-count(1.5)')).toThrow('the number of calls 1.5 is not a whole number ≥ 0');
    expect(() => spec('tool-call-count(2):refund now')).toThrow('is not a tool name');
  });
});

describe('tool-args-schema', () => {
  it('no name: every call against its declared tool', async () => {
    expect(await grade(spec('tool-args-schema'), ctx([lookup, refund10]))).toMatchObject({ pass: true });
    const extra = call('lookup_order', { order_id: 'A1', also: 1 });
    expect(await grade(spec('tool-args-schema'), ctx([refund10, extra]))).toMatchObject({
      pass: false,
      reason: 'the arguments of the call to "lookup_order" do not match the schema: / must NOT have additional properties',
    });
    expect(await grade(spec('tool-args-schema'), ctx([call('delete_everything', {})]))).toMatchObject({ pass: false, reason: 'the model called "delete_everything", which the prompt does not declare' });
    expect(await grade(spec('tool-args-schema'), ctx([]))).toMatchObject({ pass: false, reason: 'the model called no tool' });
  });

  it('a name: its calls against the declared inputSchema, or the schema given (inline, file://, root path)', async () => {
    const missing = call('refund', { order_id: 'A1' });
    expect(await grade(spec('tool-args-schema:refund'), ctx([lookup, refund10]))).toMatchObject({ pass: true });
    expect(await grade(spec('tool-args-schema:refund'), ctx([missing]))).toMatchObject({ pass: false, reason: "the arguments of the call to \"refund\" do not match the schema: / must have required property 'amount'" });
    expect(await grade(spec('tool-args-schema:refund'), ctx([lookup]))).toMatchObject({ pass: false, reason: 'no call to "refund" (the model called "lookup_order")' });
    for (const given of ['{"type":"object","properties":{"amount":{"maximum":50}}}', 'refund.schema.json', 'file://../refund.schema.json']) {
      expect((await grade(spec(`tool-args-schema:refund ${given}`), ctx([refund10]))).pass, given).toBe(true);
      expect((await grade(spec(`tool-args-schema:refund ${given}`), ctx([refund10, refund100]))).pass, given).toBe(false);
    }
    expect(await grade(object({ type: 'tool-args-schema', value: { name: 'refund', schema: { type: 'object', required: ['reason'] } } }), ctx([refund100]))).toMatchObject({ pass: false });
    expect(await grade(spec('not-tool-args-schema:refund'), ctx([missing]))).toMatchObject({ pass: true });
  });

  it('invalid JSON arguments are not valid against any schema: a fail with the reason', async () => {
    const graded = await grade(spec('tool-args-schema:refund'), ctx([badCall('refund', '{"amount":')]));
    expect(graded).toMatchObject({ pass: false, reason: 'the call to "refund" has arguments that are not valid JSON: invalid JSON: Unexpected end of JSON input' });
    expect(graded.errored).toBeUndefined();
  });

  it('no schema to check against is a grader error, never a pass, also negated', async () => {
    const noTools = ctx([refund10], { prompt: { id: 'p', version: '1.0.0' } });
    for (const assertion of [spec('tool-args-schema:refund'), spec('not-tool-args-schema:refund'), spec('not-tool-args-schema'), spec('not-tool-args-schema:nope')]) {
      const context = assertion.value ? ctx([refund10], { prompt: { id: 'p', version: '1.0.0', tools: [TOOLS[0]] } }) : noTools;
      const graded = await grade(assertion, context);
      expect(graded, assertion.spec).toMatchObject({ pass: false, score: 0, errored: true });
      expect(graded.reason).toMatch(/^the prompt declares no tool/);
    }
    const broken = await grade(spec('not-tool-args-schema:refund {"type": "objekt"}'), ctx([refund10]));
    expect(broken).toMatchObject({ pass: false, errored: true });
    expect(broken.reason).toMatch(/^invalid JSON Schema/);
  });

  it('check refuses a schema that is not one, naming file:line', async () => {
    const error = await validateAssertion(spec('tool-args-schema:refund {"type": "objekt"}'), { graders: {}, rootDir: root, hasJudge: false });
    expect(error?.code).toBe('GRADER_INVALID');
    expect(error?.message).toMatch(/^cases\/t\.csv:7: invalid grader tool-args-schema:refund .*: invalid JSON Schema/);
    expect(await validateAssertion(spec('tool-args-schema:refund missing.json'), { graders: {}, rootDir: root, hasJudge: false })).toMatchObject({ code: 'GRADER_INVALID' });
    expect(await validateAssertion(spec('tool-args-schema:refund'), { graders: {}, rootDir: root, hasJudge: false })).toBeUndefined();
    expect(() => spec('tool-args-schema:refund {oops}')).toThrow(/^invalid JSON in inline schema/);
  });
});

describe("promptfoo's is-valid-openai-tools-call", () => {
  it('every call names a declared tool and matches its schema', async () => {
    expect(await grade(spec('is-valid-openai-tools-call'), ctx([lookup, refund10]))).toMatchObject({ pass: true, score: 1 });
    expect(await grade(spec('is-valid-openai-tools-call'), ctx([]))).toMatchObject({ pass: false, reason: 'the model made no tool calls' });
    expect(await grade(spec('is-valid-openai-tools-call'), ctx([call('nope', {})]))).toMatchObject({ pass: false, reason: 'called "nope", but the prompt declares no tool with that name' });
    const wrongType = call('refund', { order_id: 'A1', amount: 'ten' });
    expect(await grade(spec('is-valid-openai-tools-call'), ctx([wrongType]))).toMatchObject({ pass: false, reason: 'the call to "refund" does not match its schema: /amount must be number' });
    expect(await grade(spec('is-valid-openai-tools-call'), ctx([badCall('refund', '{')]))).toMatchObject({ pass: false, reason: 'the call to "refund" has arguments that are not valid JSON: invalid JSON: Unexpected end of JSON input' });
    expect(await grade(spec('not-is-valid-openai-tools-call'), ctx([wrongType]))).toMatchObject({ pass: true });
    expect(await grade(spec('not-is-valid-openai-tools-call'), ctx([lookup]))).toMatchObject({ pass: false });
  });

  it('a prompt without tools is no verdict, also negated (promptfoo: a fail under not- too)', async () => {
    for (const negate of [false, true]) {
      const graded = await grade(spec(`${negate ? 'not-' : ''}is-valid-openai-tools-call`), ctx([lookup], { prompt: { id: 'p', version: '1.0.0' } }));
      expect(graded).toMatchObject({ pass: false, score: 0, errored: true });
      expect(graded.reason).toMatch(/^the prompt declares no tools/);
    }
  });
});

describe("promptfoo's tool-call-f1", () => {
  /** [expected, called, threshold, f1, pass] — promptfoo's handleToolCallF1 on the same sets. */
  const ROWS: Array<[string, string[], number | undefined, number, boolean]> = [
    ['lookup_order,refund', ['lookup_order', 'refund'], undefined, 1, true],
    ['lookup_order, refund', ['refund', 'lookup_order', 'refund'], undefined, 1, true],
    ['lookup_order,refund', ['lookup_order'], undefined, 2 / 3, false],
    ['lookup_order,refund', ['lookup_order'], 0.6, 2 / 3, true],
    ['lookup_order', ['lookup_order', 'escalate'], undefined, 2 / 3, false],
    ['lookup_order', [], undefined, 0, false],
    ['lookup_order', ['escalate'], 0, 0, true],
  ];
  it.each(ROWS)('expected %s, called %j, threshold %s → F1 %s, pass %s', async (expected, called, threshold, f1, pass) => {
    const cell = `tool-call-f1${threshold === undefined ? '' : `(${threshold})`}:${expected}`;
    const graded = await grade(spec(cell), ctx(called.map((name, i) => call(name, {}, `c${i}`))));
    expect(graded.pass).toBe(pass);
    expect(graded.score).toBeCloseTo(f1, 9);
    // promptfoo keeps the F1 as the score under not- and inverts only the pass.
    const negated = await grade(spec(`not-${cell}`), ctx(called.map((name, i) => call(name, {}, `c${i}`))));
    expect(negated.pass).toBe(!pass);
    expect(negated.score).toBeCloseTo(f1, 9);
  });

  it('reads a JSONL list; refuses no names and a threshold outside 0..1', async () => {
    expect(object({ type: 'tool-call-f1', value: ['a', ' b ', ''] }).value).toEqual(['a', 'b']);
    expect(() => spec('tool-call-f1: , ')).toThrow("'tool-call-f1' needs at least one expected tool name");
    expect(() => spec('tool-call-f1')).toThrow("'tool-call-f1' needs a value");
    const error = await validateAssertion(spec('tool-call-f1(2):a'), { graders: {}, rootDir: root, hasJudge: false });
    expect(error?.message).toMatch(/the threshold 2 is outside 0\.\.1/);
  });
});

describe('an answer that only calls tools', () => {
  it('is the text "" for text graders, and graded on its calls by the tool graders', async () => {
    const context = ctx([lookup]);
    const grade = await gradeOutput(
      '',
      [spec('tool-call:lookup_order {"order_id": "A1"}'), spec('not-contains:sorry'), spec('word-count:0'), spec('not-is-json')],
      undefined,
      context,
    );
    expect(grade.assertions.map((a) => [a.spec, a.pass])).toEqual([
      ['tool-call:lookup_order {"order_id": "A1"}', true],
      ['not-contains:sorry', true],
      ['word-count:0', true],
      ['not-is-json', true],
    ]);
    expect(grade.pass).toBe(true);
    expect((await gradeAssertion('', spec('contains:A1'), context)).pass).toBe(false);
  });
});
