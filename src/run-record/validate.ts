import type { ErrorObject } from 'ajv';
import { inputError } from '../errors.js';

type RunValidator = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** The whole run, and one case (`$defs/CaseResult`) for the streaming reader. */
type Validators = { run: RunValidator; caseResult: RunValidator };
let validators: Promise<Validators> | undefined;

/** The validators generated from schemas/run.schema.json (validator-codegen.ts), loaded on first use: they load ajv's runtime helpers. */
function loadValidators(): Promise<Validators> {
  validators ??= import('./run-validator.generated.js') as Promise<Validators>;
  return validators;
}

/**
 * Throws RUN_INVALID (exit 2, naming the file and the first thing wrong) unless `run` matches
 * schemas/run.schema.json. A stored run is input like a case file: a hand-edited or truncated
 * run.json must never reach a reporter as a half-shaped object (that was a TypeError).
 * The validator (generated from the schema) is loaded on first use.
 */
export async function checkRunShape(run: unknown, file: string): Promise<void> {
  const validate = (await loadValidators()).run;
  if (!validate(run)) fail(validate, '', file);
}

/** checkRunShape for the case at `index` of run.json's cases, read on its own (the same message as for the whole run). */
export async function checkCaseShape(value: unknown, index: number, file: string): Promise<void> {
  const validate = (await loadValidators()).caseResult;
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
