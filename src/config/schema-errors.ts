import type { ErrorObject } from 'ajv';
import { configSchema } from './schema.js';
import type { PathSegment } from './source-line.js';
import { closestMatch, didYouMean } from './suggest.js';

/** One config problem in words, with the key path it is about (for the message and the line search). */
export interface ConfigProblem {
  /** Path of the key to point at in the file (the bad key, or the object missing one). */
  path: PathSegment[];
  /** Starts with the key path: `models.gpt.concurrency must be an integer ≥ 1 (got "eight")`. */
  text: string;
  /** The offending value, when it is a string worth searching for in the file. */
  value?: unknown;
  hint?: string;
}

type SchemaNode = Record<string, unknown>;

/**
 * Picks the most relevant of ajv's errors (`allErrors: true`, `verbose: true`) and puts it in
 * words. Unknown keys come first (a typo often causes the other errors), then missing keys, then
 * bad values. An `anyOf` is reported as one error ("a string or false") unless the value matched
 * one branch's type and failed inside it, in which case that inner error is the relevant one.
 * Returns the problem and how many distinct problems there were.
 */
export function explainSchemaErrors(errors: ErrorObject[], data: unknown): { problem: ConfigProblem; count: number } {
  const candidates = collapseAnyOf(errors);
  const rank = (error: ErrorObject) => (error.keyword === 'additionalProperties' ? 0 : error.keyword === 'required' ? 1 : 2);
  const ordered = candidates.map((error, index) => ({ error, index })).sort((a, b) => rank(a.error) - rank(b.error) || a.index - b.index);
  return { problem: explain(ordered[0].error, data), count: candidates.length };
}

function collapseAnyOf(errors: ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  for (const anyOf of errors.filter((error) => error.keyword === 'anyOf')) {
    const branches = new Map<string, ErrorObject[]>();
    for (const error of errors) {
      if (error === anyOf || !error.schemaPath.startsWith(`${anyOf.schemaPath}/`)) continue;
      const branch = error.schemaPath.slice(anyOf.schemaPath.length + 1).split('/')[0];
      branches.set(branch, [...(branches.get(branch) ?? []), error]);
    }
    // A branch whose type the value has (it failed on something inside) holds the relevant errors.
    const wrongType = (list: ErrorObject[]) => list.some((error) => error.instancePath === anyOf.instancePath && TYPE_KEYWORDS.has(error.keyword));
    const matched = [...branches.values()].filter((list) => !wrongType(list));
    if (matched.length > 0) dropped.add(anyOf);
    for (const list of branches.values()) if (!matched.includes(list)) for (const error of list) dropped.add(error);
  }
  return errors.filter((error) => !dropped.has(error));
}

const TYPE_KEYWORDS = new Set(['type', 'typeof', 'const', 'enum']);

function explain(error: ErrorObject, root: unknown): ConfigProblem {
  const path = toPath(error.instancePath, root);
  const schema = (error.parentSchema ?? {}) as SchemaNode;
  const where = formatPath(path);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const known = Object.keys((schema.properties as SchemaNode | undefined) ?? {});
      const hint = /api.?key|secret|token|password/i.test(key) && known.includes('apiKeyEnv')
        ? 'API keys come from the environment only: set apiKeyEnv to the name of the variable that holds it'
        : undefined;
      return { path: [...path, key], text: `unknown key "${key}" in ${path.length ? where : 'the config'}${didYouMean(key, known)}`, hint };
    }
    case 'required':
      return { path, text: `${formatPath([...path, String(error.params.missingProperty)])} is required` };
    case 'minItems':
      return { path, text: `${where} must not be empty` };
    case 'maxItems':
      return { path, text: `${where} must have at most ${String(error.params.limit)} items` };
    case 'pattern':
      return { path, text: `${where} ${typeof schema.patternErrorMessage === 'string' ? schema.patternErrorMessage : `must match ${String(schema.pattern)}`}${got(path, error.data)}` };
    default: {
      const suggestion = typeof error.data === 'string' ? closestMatch(error.data, enumValues(schema)) : undefined;
      return { path, value: error.data, text: `${where} must be ${describe(schema)}${got(path, error.data, suggestion)}` };
    }
  }
}

/** JSON pointer → path segments; a numeric segment is an index only when the data there is an array. */
function toPath(pointer: string, root: unknown): PathSegment[] {
  if (!pointer) return [];
  const path: PathSegment[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : key;
    path.push(segment);
    node = node && typeof node === 'object' ? (node as Record<PathSegment, unknown>)[segment] : undefined;
  }
  return path;
}

/** `models.gpt.concurrency`, `models["gpt-4o"].params`, `suites[1].prompt`; the root is "the config". */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return 'the config';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += text ? `[${JSON.stringify(segment)}]` : JSON.stringify(segment);
  }
  return text;
}

/** What a schema accepts, in words: "an integer ≥ 1", "a string or false". */
function describe(schema: SchemaNode): string {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/definitions/', '');
    return describe((configSchema.definitions as Record<string, SchemaNode>)[name] ?? {});
  }
  if (Array.isArray(schema.anyOf)) {
    const parts = (schema.anyOf as SchemaNode[]).map(describe);
    return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}` : parts.join('');
  }
  if (schema.typeof === 'function') return 'a function';
  // A plug-in shape names itself (`defineProvider({ id, call })`) better than "an object".
  if (typeof schema.title === 'string' && schema.title !== configSchema.title) return schema.title;
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((value) => JSON.stringify(value)).join(', ')}`;
  switch (schema.type) {
    case 'integer':
    case 'number':
      return `${schema.type === 'integer' ? 'an integer' : 'a number'}${bounds(schema)}`;
    case 'string':
      return schema.minLength ? 'a non-empty string' : 'a string';
    case 'array':
      return schema.minItems ? 'a non-empty array' : 'an array';
    case 'object':
      return 'an object';
    case 'boolean':
      return 'a boolean';
    default:
      return 'valid';
  }
}

function bounds(schema: SchemaNode): string {
  const { minimum, maximum, exclusiveMinimum } = schema as { minimum?: number; maximum?: number; exclusiveMinimum?: number };
  if (minimum !== undefined && maximum !== undefined) return ` from ${minimum} to ${maximum}`;
  const parts: string[] = [];
  if (minimum !== undefined) parts.push(`≥ ${minimum}`);
  if (exclusiveMinimum !== undefined) parts.push(`> ${exclusiveMinimum}`);
  if (maximum !== undefined) parts.push(`≤ ${maximum}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

function enumValues(schema: SchemaNode): string[] {
  if (Array.isArray(schema.enum)) return schema.enum.filter((value): value is string => typeof value === 'string');
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as SchemaNode[]).flatMap(enumValues);
  return [];
}

/**
 * ` (got "opneai"; did you mean "openai"?)`. The value is left out for keys that may hold secrets,
 * so a misplaced API key is never echoed.
 */
function got(path: readonly PathSegment[], value: unknown, suggestion?: string): string {
  const key = [...path].reverse().find((segment): segment is string => typeof segment === 'string') ?? '';
  const parts = /key|secret|token|password/i.test(key) ? [] : [`got ${showValue(value)}`];
  if (suggestion !== undefined && suggestion !== value) parts.push(`did you mean "${suggestion}"?`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
