import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configValidatorSource, GENERATED_VALIDATOR } from './validator-codegen.js';

describe('the generated config validator', () => {
  it('matches the schema (run `npm run generate` after editing schema.ts)', () => {
    const committed = readFileSync(new URL(GENERATED_VALIDATOR, import.meta.url), 'utf8');
    expect(committed === configValidatorSource(), `${GENERATED_VALIDATOR} is stale: run \`npm run generate\``).toBe(true);
  });
});
