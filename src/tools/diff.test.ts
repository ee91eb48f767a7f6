import { describe, expect, it } from 'vitest';
import { diffToolCalls, formatToolCallDiff, sameAnswer, sameToolCalls } from './diff.js';
import { formatAnswer, formatToolCall } from './format.js';
import type { ToolCall } from './types.js';

let ids = 0;
/** A call as a provider reports it: raw text, and its parse when it is a JSON object. */
function call(name: string, raw: string): ToolCall {
  ids++;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return { id: `call_${ids}`, name, rawArguments: raw, arguments: parsed };
  } catch {
    // falls through: invalid JSON
  }
  return { id: `call_${ids}`, name, rawArguments: raw, argumentsError: 'Unexpected end of JSON input' };
}

const lines = (a: ToolCall[], b: ToolCall[], options?: Parameters<typeof formatToolCallDiff>[1]) => formatToolCallDiff(diffToolCalls(a, b), options);

describe('diffToolCalls', () => {
  it('shows a changed argument as a path: refund.amount: 10 → 100', () => {
    expect(lines([call('refund', '{"amount":10}')], [call('refund', '{"amount":100}')])).toEqual(['refund.amount: 10 → 100']);
  });

  it('is empty for the same calls: ids, key order and whitespace aside', () => {
    const a = [call('lookup_order', '{"id":"A1","verbose":true}'), call('refund', '{"amount":10}')];
    const b = [call('lookup_order', '{ "verbose": true, "id": "A1" }'), call('refund', '{"amount": 10}')];
    expect(diffToolCalls(a, b)).toEqual([]);
    expect(sameToolCalls(a, b)).toBe(true);
    expect(sameToolCalls(undefined, [])).toBe(true);
    expect(sameToolCalls(a, a.slice(0, 1))).toBe(false);
  });

  it('follows nested keys with dots and arrays by index; absent keys say so; values are compact JSON', () => {
    const before = call('refund', '{"order":{"id":"A1","items":[{"sku":"x","qty":1},{"sku":"y","qty":2}]},"note":"late","meta":{"a b":1}}');
    const after = call('refund', '{"order":{"id":"A1","items":[{"sku":"x","qty":3}]},"reason":{"code":7,"tags":["a"]},"meta":{"a b":2}}');
    expect(lines([before], [after])).toEqual([
      'refund.order.items[0].qty: 1 → 3',
      'refund.order.items[1]: {"sku":"y","qty":2} → (absent)',
      'refund.note: "late" → (absent)',
      'refund.meta["a b"]: 1 → 2',
      'refund.reason: (absent) → {"code":7,"tags":["a"]}',
    ]);
  });

  it('a value that changes type is one change of the whole value', () => {
    expect(lines([call('t', '{"x":[1,2]}')], [call('t', '{"x":{"0":1}}')])).toEqual(['t.x: [1,2] → {"0":1}']);
    expect(lines([call('t', '{"x":null}')], [call('t', '{"x":0}')])).toEqual(['t.x: null → 0']);
  });

  it('lists calls added and removed, matched by tool name in order', () => {
    const a = [call('lookup_order', '{"id":"A1"}'), call('refund', '{"amount":10}')];
    const b = [call('lookup_order', '{"id":"A1"}'), call('escalate', '{"reason":"angry"}'), call('refund', '{"amount":10}')];
    expect(lines(a, b)).toEqual(['added call: escalate({"reason":"angry"})']);
    expect(lines(b, a)).toEqual(['removed call: escalate({"reason":"angry"})']);
    expect(lines([call('refund', '{"amount":10}')], [call('escalate', '{}')])).toEqual(['removed call: refund({"amount":10})', 'added call: escalate({})']);
    expect(lines([], [call('refund', '{"amount":1}')])).toEqual(['added call: refund({"amount":1})']);
  });

  it('numbers the calls of a tool called more than once: refund#2', () => {
    const a = [call('refund', '{"amount":10}'), call('refund', '{"amount":20}')];
    const b = [call('refund', '{"amount":10}'), call('refund', '{"amount":25}')];
    expect(lines(a, b)).toEqual(['refund#2.amount: 20 → 25']);
  });

  it('compares invalid JSON arguments by their raw text', () => {
    expect(lines([call('refund', '{"amount": 1')], [call('refund', '{"amount": 1')])).toEqual([]);
    expect(lines([call('refund', '{"amount": 1')], [call('refund', '{"amount": 10')])).toEqual(['refund (raw arguments): {"amount": 1 → {"amount": 10']);
    expect(lines([call('refund', '{"amount":1}')], [call('refund', '{"amount":1')])).toEqual(['refund (raw arguments): {"amount":1} → {"amount":1']);
  });

  it('cuts long values and caps the lines it writes', () => {
    const long = 'x'.repeat(500);
    const [line] = lines([call('t', '{"a":"short"}')], [call('t', JSON.stringify({ a: long }))], { maxValue: 20 });
    expect(line).toBe(`t.a: "short" → "${'x'.repeat(18)}…`);
    const many = (n: number, v: number) => call('t', JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, v]))));
    const capped = lines([many(10, 1)], [many(10, 2)], { maxLines: 4 });
    expect(capped).toEqual(['t.k0: 1 → 2', 't.k1: 1 → 2', 't.k2: 1 → 2', '… and 7 more tool call changes']);
    // Deeply nested arguments are compared as whole values past a depth, not followed forever.
    const deep = (leaf: number) => call('t', `{"a":${'['.repeat(100)}${leaf}${']'.repeat(100)}}`);
    expect(lines([deep(1)], [deep(2)])).toHaveLength(1);
  });
});

describe('sameAnswer', () => {
  it('tells apart two answers with the same text but different tool calls, or a refusal', () => {
    const text = { output: '', toolCalls: [call('refund', '{"amount":10}')] };
    expect(sameAnswer(text, { output: '', toolCalls: [call('refund', '{"amount":10}')] })).toBe(true);
    expect(sameAnswer(text, { output: '', toolCalls: [call('refund', '{"amount":100}')] })).toBe(false);
    expect(sameAnswer(text, { output: '' })).toBe(false);
    expect(sameAnswer({ output: '' }, { output: '', refusal: 'I cannot help' })).toBe(false);
    expect(sameAnswer({ output: 'hi' }, { output: 'hi' })).toBe(true);
    expect(sameAnswer({ output: 'hi' }, { output: 'ho' })).toBe(false);
  });
});

describe('formatAnswer', () => {
  it('shows tool calls and refusals, never an empty string', () => {
    expect(formatToolCall(call('refund', '{ "amount": 100 }'))).toBe('refund({"amount":100})');
    expect(formatToolCall(call('refund', '{"amount":'))).toBe('refund(invalid JSON: {"amount":)');
    expect(formatAnswer({ output: '', toolCalls: [call('refund', '{"amount":100}')] })).toBe('→ refund({"amount":100})');
    expect(formatAnswer({ output: 'Checking.', toolCalls: [call('lookup_order', '{"id":"A1"}')] })).toBe('Checking.\n→ lookup_order({"id":"A1"})');
    expect(formatAnswer({ output: '', refusal: "I can't help with that." })).toBe("(refused: I can't help with that.)");
    expect(formatAnswer({ output: 'plain' })).toBe('plain');
    expect(formatAnswer({ output: null, toolCalls: [] })).toBeNull();
    const many = Array.from({ length: 23 }, () => call('t', '{}'));
    expect(formatAnswer({ output: '', toolCalls: many })?.split('\n').at(-1)).toBe('… and 3 more tool calls');
  });
});
