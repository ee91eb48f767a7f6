import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { KeywordCxt } from 'ajv';
import { configSchema } from './schema.js';
import { standaloneModule } from '../util/standalone-module.js';

/** The generated validator module, beside this file in src/config/. */
export const GENERATED_VALIDATOR = 'config-validator.generated.ts';

/**
 * The source of a standalone validator for `configSchema` (ajv's standaloneCode). Compiling the
 * schema with ajv took 100-200 ms of every command's start; the generated module is plain code.
 * `npm run generate` rewrites it; a test fails when it no longer matches the schema.
 */
export function configValidatorSource(): string {
  const require = createRequire(import.meta.url);
  const Ajv = require('ajv') as typeof import('ajv');
  const standaloneCode = (require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js')).default;
  const ajv = new Ajv.default({ allErrors: true, verbose: true, strict: true, strictNumbers: true, code: { source: true, esm: true } });
  // `typeof: "function"`: generated as code (a validate function cannot be written out).
  ajv.addKeyword({
    keyword: 'typeof',
    schemaType: 'string',
    code(cxt: KeywordCxt) {
      cxt.fail(Ajv._`typeof ${cxt.data} !== ${cxt.schema}`);
    },
  });
  ajv.addKeyword('patternErrorMessage');
  const code = standaloneCode(ajv, ajv.compile(configSchema));
  return standaloneModule(code, 'src/config/validator-codegen.ts', 'src/config/schema.ts');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Run from dist/config/: write the source file in src/config/.
  const target = fileURLToPath(new URL(`../../src/config/${GENERATED_VALIDATOR}`, import.meta.url));
  writeFileSync(target, configValidatorSource());
  process.stdout.write(`wrote ${target}\n`);
}
