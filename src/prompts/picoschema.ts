/**
 * Dotprompt schemas may be written in Picoschema (`{name: string, tags?(array): string}`); the
 * graders need JSON Schema. This converts synchronously, following Dotprompt's rules; named
 * schema references are not supported (there is no schema registry) and throw.
 */
const SCALAR_TYPES = new Set(['any', 'boolean', 'integer', 'null', 'number', 'string']);
const WILDCARD = '(*)';

type JsonSchema = Record<string, unknown>;

/** JSON Schema for a front-matter schema: JSON Schema is kept as is, Picoschema is converted. */
export function toJsonSchema(schema: unknown): unknown {
  if (schema === undefined || schema === null) return undefined;
  if (typeof schema === 'string') return parseScalar(schema);
  if (typeof schema !== 'object' || Array.isArray(schema)) throw new Error('a schema must be a mapping or a type name');
  const record = schema as JsonSchema;
  const type = record.type;
  if (typeof type === 'string' && (SCALAR_TYPES.has(type) || type === 'object' || type === 'array')) return schema;
  if (Array.isArray(type) || typeof record.$schema === 'string' || typeof record.$ref === 'string') return schema;
  if (record.properties !== null && typeof record.properties === 'object') return { ...record, type: 'object' };
  return parsePico(record);
}

function parseScalar(text: string): JsonSchema {
  const [type, description] = splitDescription(text);
  if (!SCALAR_TYPES.has(type)) throw new Error(`unknown schema type '${type}' (use ${[...SCALAR_TYPES].join(', ')}, or a mapping)`);
  const out: JsonSchema = type === 'any' ? {} : { type };
  if (description) out.description = description;
  return out;
}

function parsePico(value: unknown): JsonSchema {
  if (typeof value === 'string') return parseScalar(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`Picoschema consists of mappings and type names, got ${JSON.stringify(value)}`);
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const schema: JsonSchema = { type: 'object', properties, additionalProperties: false };
  for (const [key, item] of Object.entries(value)) {
    if (key === WILDCARD) {
      schema.additionalProperties = parsePico(item);
      continue;
    }
    const open = key.indexOf('(');
    const rawName = open === -1 ? key : key.slice(0, open);
    const optional = rawName.endsWith('?');
    const name = optional ? rawName.slice(0, -1) : rawName;
    if (!optional) required.push(name);
    if (open === -1) {
      const prop = { ...parsePico(item) };
      if (optional && typeof prop.type === 'string') prop.type = [prop.type, 'null'];
      properties[name] = prop;
      continue;
    }
    const [kind, description] = splitDescription(key.slice(open + 1, key.endsWith(')') ? -1 : undefined));
    let prop: JsonSchema;
    if (kind === 'array') {
      prop = { type: optional ? ['array', 'null'] : 'array', items: parsePico(item) };
    } else if (kind === 'object') {
      prop = parsePico(item);
      if (optional) prop.type = [prop.type, 'null'];
    } else if (kind === 'enum') {
      if (!Array.isArray(item)) throw new Error(`'${key}' needs a list of values`);
      prop = { enum: optional && !item.includes(null) ? [...item, null] : [...item] };
    } else {
      throw new Error(`'${key}': parenthetical types must be object, array or enum, got '${kind}'`);
    }
    if (description) prop.description = description;
    properties[name] = prop;
  }
  if (required.length > 0) schema.required = required;
  return schema;
}

function splitDescription(text: string): [string, string | undefined] {
  const comma = text.indexOf(',');
  if (comma === -1) return [text.trim(), undefined];
  return [text.slice(0, comma).trim(), text.slice(comma + 1).trim() || undefined];
}
