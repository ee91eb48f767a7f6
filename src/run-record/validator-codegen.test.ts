import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_RUN_VALIDATOR, runValidatorSource } from './validator-codegen.js';

describe('the generated run.json validator', () => {
  it('matches schemas/run.schema.json (run `npm run generate` after editing it)', () => {
    const committed = readFileSync(new URL(GENERATED_RUN_VALIDATOR, import.meta.url), 'utf8');
    expect(committed === runValidatorSource(), `${GENERATED_RUN_VALIDATOR} is stale: run \`npm run generate\``).toBe(true);
  });
});
