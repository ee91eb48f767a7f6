import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { standaloneModule } from '../util/standalone-module.js';

/** The generated validator module, beside this file in src/run-record/. */
export const GENERATED_RUN_VALIDATOR = 'run-validator.generated.ts';

/**
 * The source of standalone validators for schemas/run.schema.json (ajv's standaloneCode): `run`
 * (a whole run.json) and `caseResult` (`$defs/CaseResult`, for the streaming reader). Compiling
 * the schema with ajv took 0.3-0.5 s of CPU the first time a command read a stored run (`report`,
 * `merge`, `--resume`, a `run:` baseline); the generated module loads in ~30 ms. `npm run
 * generate` rewrites it; a test fails when it no longer matches the schema.
 */
export function runValidatorSource(): string {
  const require = createRequire(import.meta.url);
  const Ajv = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = require('ajv-formats') as typeof import('ajv-formats');
  const standaloneCode = (require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js')).default;
  const schema = JSON.parse(readFileSync(new URL('../../schemas/run.schema.json', import.meta.url), 'utf8')) as { $id: string };
  // The options validate.ts compiled with at run time: the first error only, no strict-mode checks.
  const ajv = new Ajv.default({ allErrors: false, strict: false, logger: false, code: { source: true, esm: true } });
  addFormats.default(ajv);
  ajv.addSchema(schema);
  const code = standaloneCode(ajv, { run: schema.$id, caseResult: `${schema.$id}#/$defs/CaseResult` });
  return standaloneModule(code, 'src/run-record/validator-codegen.ts', 'schemas/run.schema.json');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Run from dist/run-record/: write the source file in src/run-record/.
  const target = fileURLToPath(new URL(`../../src/run-record/${GENERATED_RUN_VALIDATOR}`, import.meta.url));
  writeFileSync(target, runValidatorSource());
  process.stdout.write(`wrote ${target}\n`);
}
