/**
 * Provider kinds, provider error codes, PromptgateError codes and token usage keys are each listed
 * once (src/providers/types.ts, src/errors.ts) and everything else derives from those lists.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { ERROR_CODES } from '../errors.js';
import { normalizeCustomResult } from './custom.js';
import { PROMPTGATE_ERROR_CODES, PROVIDER_ERROR_CODES, PROVIDER_KINDS, TOKEN_USAGE_KEYS } from './types.js';

const SRC = new URL('../', import.meta.url);
const sources = (readdirSync(SRC, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.generated.ts'))
  .map((f) => ({ file: f.replaceAll('\\', '/'), text: readFileSync(new URL(f, SRC), 'utf8') }));

/** The source files where some three consecutive items of `list` appear as quoted literals in a row. */
function filesListing(list: readonly string[]): string[] {
  const runs = list.slice(0, -2).map((_, i) => new RegExp(list.slice(i, i + 3).map((x) => `['"]${x}['"]`).join(String.raw`[\s,|]*(?:/\*\*[^]*?\*/\s*)?\|?\s*`)));
  return sources.filter((s) => runs.some((re) => re.test(s.text))).map((s) => s.file);
}

describe('lists kept once', () => {
  it('each list is written out in one file only', () => {
    expect(filesListing(PROVIDER_KINDS)).toEqual(['providers/types.ts']);
    expect(filesListing(PROVIDER_ERROR_CODES)).toEqual(['providers/types.ts']);
    expect(filesListing(ERROR_CODES)).toEqual(['errors.ts']);
  });

  it('the config schema, its hint and the custom provider derive from them', () => {
    const provider = (configSchema as { definitions: { ModelConfig: { properties: { provider: { anyOf: Array<{ enum?: string[] }>; description: string } } } } }).definitions.ModelConfig.properties.provider;
    expect(provider.anyOf[0].enum).toEqual([...PROVIDER_KINDS]);
    expect(provider.description).toBe('`openai`, `anthropic`, `replay`, or a custom provider: `defineProvider({ id, call })` or a function.');
    // A custom provider may return every code but promptgate's own (those become provider_error).
    for (const code of PROVIDER_ERROR_CODES) {
      const result = normalizeCustomResult({ ok: false, error: { code, message: 'm' } }, 'fn');
      const expected = (PROMPTGATE_ERROR_CODES as readonly string[]).includes(code) ? 'provider_error' : code;
      expect(result.ok === false && result.error.code, code).toBe(expected);
    }
    expect(TOKEN_USAGE_KEYS).toEqual(['inputTokens', 'outputTokens']);
    const usage = normalizeCustomResult({ ok: true, output: 'x', usage: { inputTokens: 3, outputTokens: 4 } }, 'fn');
    expect(usage.ok && usage.usage).toEqual({ inputTokens: 3, outputTokens: 4 });
  });
});
