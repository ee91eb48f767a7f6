import { readFile } from 'node:fs/promises';
import type { ErrorObject } from 'ajv';
import { inputError } from '../errors.js';

type RunValidator = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** The whole run, and one case (`$defs/CaseResult`) for the streaming reader. */
let pending: Promise<{ run: RunValidator; case: RunValidator }> | undefined;

/**
 * Throws RUN_INVALID (exit 2, naming the file and the first thing wrong) unless `run` matches
 * schemas/run.schema.json. A stored run is input like a case file: a hand-edited or truncated
 * run.json must never reach a reporter as a half-shaped object (that was a TypeError).
 * ajv and the schema are loaded on first use.
 */
export async function checkRunShape(run: unknown, file: string): Promise<void> {
  pending ??= compileRunSchema();
  const validate = (await pending).run;
  if (!validate(run)) fail(validate, '', file);
}

/** checkRunShape for the case at `index` of run.json's cases, read on its own (the same message as for the whole run). */
export async function checkCaseShape(value: unknown, index: number, file: string): Promise<void> {
  pending ??= compileRunSchema();
  const validate = (await pending).case;
  if (!validate(value)) fail(validate, `/cases/${index}`, file);
}

function fail(validate: RunValidator, prefix: string, file: string): never {
  const first = validate.errors?.[0];
  const where = `${prefix}${first?.instancePath ?? ''}` || '/';
  const detail = first ? `${where} ${first.message ?? 'is invalid'}${extraOf(first)}` : 'does not match the run format';
  throw inputError('RUN_INVALID', `not a valid promptgate run: ${detail}`, { file }, 'was it edited by hand? re-run, or restore the file');
}

function extraOf(error: ErrorObject): string {
  const params = error.params as { additionalProperty?: string; allowedValues?: unknown[] };
  if (params.additionalProperty) return ` (${JSON.stringify(params.additionalProperty)})`;
  return '';
}

async function compileRunSchema(): Promise<{ run: RunValidator; case: RunValidator }> {
  const schema = JSON.parse(await readFile(new URL('../../schemas/run.schema.json', import.meta.url), 'utf8')) as { $id: string };
  const Ajv = interopDefault(await import('ajv/dist/2020.js')) as new (options: object) => { compile(schema: object): RunValidator };
  const addFormats = interopDefault(await import('ajv-formats')) as (ajv: unknown) => unknown;
  const ajv = new Ajv({ allErrors: false, strict: false, logger: false });
  addFormats(ajv);
  const run = ajv.compile(schema);
  return { run, case: ajv.compile({ $ref: `${schema.$id}#/$defs/CaseResult` }) };
}

/** ajv and ajv-formats are CommonJS: the export is `default`, or `default.default` through Node's interop. */
function interopDefault(module: unknown): unknown {
  let value = (module as { default?: unknown }).default ?? module;
  if (typeof value !== 'function') value = (value as { default?: unknown }).default;
  return value;
}
