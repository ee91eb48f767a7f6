/**
 * schemas/run.schema.json as the tests check runs against it: ajv (draft 2020-12) with `strict`,
 * `allErrors` and ajv-formats, compiled on first use and then kept. A worker keeps its modules from
 * file to file (vitest.config.ts, isolate: false), so the schema (~0.5 s to compile) is compiled once
 * per worker, not once per test file that checks a run.
 *
 * ```ts
 * const { validateRun } = runSchema();
 * expect(validateRun(run) ? [] : validateRun.errors).toEqual([]);
 * ```
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { CallRecord, RunFile } from '../../src/run-record/types.js';
import { REPO_ROOT } from './cli.js';

export interface RunSchema {
  /** The schema as parsed JSON. */
  schema: { $id: string; $schema: string; properties: Record<string, any>; $defs: Record<string, unknown> } & Record<string, any>;
  /** A whole run.json. */
  validateRun: ValidateFunction<RunFile>;
  /** One calls.jsonl line (`$defs/CallRecord`). */
  validateCall: ValidateFunction<CallRecord>;
  /** The validator of another definition, e.g. `def('Comparison')` for `$defs/Comparison`. */
  def(name: string): ValidateFunction;
}

let compiled: RunSchema | undefined;

export function runSchema(): RunSchema {
  compiled ??= compile();
  return compiled;
}

function compile(): RunSchema {
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'run.schema.json'), 'utf8')) as RunSchema['schema'];
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const validateRun = ajv.compile<RunFile>(schema);
  const validateCall = ajv.compile<CallRecord>({ $ref: `${schema.$id}#/$defs/CallRecord` });
  const def = (name: string): ValidateFunction => {
    const validate = ajv.getSchema(`${schema.$id}#/$defs/${name}`);
    if (!validate) throw new Error(`schemas/run.schema.json has no $defs/${name}`);
    return validate;
  };
  return { schema, validateRun, validateCall, def };
}
