import { describe, expect, it } from 'vitest';
import { parseToolArguments } from './arguments.js';

describe('parseToolArguments', () => {
  it('parses a JSON object', () => {
    expect(parseToolArguments('{"orderId": "42", "items": [1, {"a": null}]}')).toEqual({ arguments: { orderId: '42', items: [1, { a: null }] } });
    expect(parseToolArguments(' {} ')).toEqual({ arguments: {} });
  });

  it('keeps no arguments for invalid JSON and says why', () => {
    const result = parseToolArguments('{"orderId": 4');
    expect(result).not.toHaveProperty('arguments');
    expect(result.argumentsError).toMatch(/^the arguments are not valid JSON: ./);
  });

  it.each([
    ['[1, 2]', 'the arguments are an array, not a JSON object'],
    ['"text"', 'the arguments are a string, not a JSON object'],
    ['42', 'the arguments are a number, not a JSON object'],
    ['true', 'the arguments are a boolean, not a JSON object'],
    ['null', 'the arguments are null, not a JSON object'],
    ['', 'the arguments are empty, not a JSON object'],
    ['  \n', 'the arguments are empty, not a JSON object'],
  ])('%j is no object: %s', (raw, why) => {
    expect(parseToolArguments(raw)).toEqual({ argumentsError: why });
  });

  it('a "__proto__" key is an own property of the arguments, not their prototype', () => {
    const { arguments: args } = parseToolArguments('{"__proto__": {"admin": true}}');
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(Object.keys(args as object)).toEqual(['__proto__']);
  });
});
