import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { stableStringify } from '../util/hash.js';
import { realPathOutside } from '../util/real-path.js';
import { GraderError } from './grader-error.js';

type AjvInstance = { compile(schema: object): ValidateFunction };

const schemaFiles = new Map<string, Promise<object>>();
const validators = new Map<string, Promise<ValidateFunction>>();
const ajvByDialect = new Map<string, Promise<AjvInstance>>();

/**
 * The JSON Schema an assertion value names: an object as is, a string holding inline JSON, or a
 * path to a `.json` file relative to the project root (it may not leave the root). Files are read
 * once per process. Throws GraderError when the file is missing, unreadable or not JSON.
 */
export async function resolveSchema(value: unknown, rootDir: string): Promise<object> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new GraderError('schema needs a JSON Schema: an object, inline JSON, or a path to a .json file');
  }
  const text = value.trim();
  if (text.startsWith('{')) return parseSchemaText(text, 'inline schema');
  const file = resolve(rootDir, text);
  const fromRoot = relative(rootDir, file);
  if (fromRoot.startsWith('..') || isAbsolute(fromRoot)) throw new GraderError(`schema path ${JSON.stringify(text)} leaves the project root`);
  let pending = schemaFiles.get(file);
  if (!pending) {
    pending = readSchemaFile(file, text, rootDir);
    schemaFiles.set(file, pending);
  }
  return pending;
}

async function readSchemaFile(file: string, text: string, rootDir: string): Promise<object> {
  // A symlink out of the project is refused like a `../` path: its content would be read.
  const outside = await realPathOutside(file, rootDir);
  if (outside) throw new GraderError(`schema file ${text} resolves outside the project, to ${outside}`);
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GraderError(code === 'ENOENT' ? `schema file not found: ${text}` : `cannot read schema file ${text}: ${code ?? (error as Error).message}`);
  }
  return parseSchemaText(content.replace(/^\uFEFF/, ''), `schema file ${text}`);
}

function parseSchemaText(text: string, what: string): object {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GraderError(`${what} is not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new GraderError(`${what} is not a JSON object`);
  return parsed;
}

/**
 * A compiled validator for the schema, cached by the schema's JSON. ajv and ajv-formats are imported
 * here, on first use, so loading the graders stays cheap. The dialect follows `$schema` (2020-12,
 * 2019-09, else draft-07). Throws GraderError when the schema is not a valid JSON Schema.
 */
export async function compileSchema(schema: object): Promise<ValidateFunction> {
  const key = stableStringify(schema);
  let pending = validators.get(key);
  if (!pending) {
    pending = loadAjv(dialectOf(schema)).then((ajv) => {
      try {
        return ajv.compile(schema);
      } catch (error) {
        throw new GraderError(`invalid JSON Schema: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    validators.set(key, pending);
  }
  return pending;
}

function dialectOf(schema: object): string {
  const declared = (schema as { $schema?: unknown }).$schema;
  if (typeof declared === 'string' && declared.includes('2020-12')) return '2020';
  if (typeof declared === 'string' && declared.includes('2019-09')) return '2019';
  return '07';
}

function loadAjv(dialect: string): Promise<AjvInstance> {
  let pending = ajvByDialect.get(dialect);
  if (!pending) {
    pending = (async () => {
      const module: Record<string, unknown> =
        dialect === '2020' ? await import('ajv/dist/2020.js') : dialect === '2019' ? await import('ajv/dist/2019.js') : await import('ajv');
      const formats = interopDefault(await import('ajv-formats')) as (ajv: AjvInstance) => unknown;
      const Ajv = interopDefault(module) as new (options: object) => AjvInstance;
      // addUsedSchema: false, so two schemas with the same $id do not clash in the shared instance.
      const ajv = new Ajv({ allErrors: true, strict: false, addUsedSchema: false, logger: false });
      formats(ajv);
      return ajv;
    })();
    ajvByDialect.set(dialect, pending);
  }
  return pending;
}

/** ajv and ajv-formats are CommonJS: the class is `default`, or `default.default` through Node's interop. */
function interopDefault(module: unknown): unknown {
  let value = (module as { default?: unknown }).default ?? module;
  if (typeof value !== 'function') value = (value as { default?: unknown }).default;
  return value;
}

/** At most `limit` ajv errors as `<instancePath> <message>`, then how many more there are. */
export function formatSchemaErrors(errors: ErrorObject[] | null | undefined, limit = 3): string {
  const list = errors ?? [];
  const shown = list.slice(0, limit).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
  const more = list.length > limit ? ` (+${list.length - limit} more)` : '';
  return shown.join('; ') + more;
}
