import type { PromptFile } from '../prompts/types.js';
import type { ResponseSchema, ToolChoice, ToolDefinition } from './types.js';
import { isRecord } from '../util/record.js';

/** What a prompt adds to each of its calls besides messages and params: its tools and structured output. */
export interface RequestExtras {
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  responseSchema?: ResponseSchema;
}

const extrasOf = new WeakMap<PromptFile, RequestExtras>();

/**
 * The tools, tool choice and structured-output request of a prompt, made once per parsed prompt.
 * Structured output is asked for when the prompt has `output.format: json` and an object
 * `output.schema`; strict unless `output.strict: false`, or the schema cannot be strict (strictModeGaps).
 */
export function requestExtrasOf(prompt: PromptFile): RequestExtras {
  let extras = extrasOf.get(prompt);
  if (extras) return extras;
  extras = {};
  if (prompt.tools && prompt.tools.length > 0) extras.tools = prompt.tools;
  if (prompt.toolChoice !== undefined) extras.toolChoice = prompt.toolChoice;
  const schema = prompt.outputSchema;
  if (prompt.outputFormat === 'json' && isRecord(schema)) {
    const strict = prompt.outputStrict ?? strictModeGaps(schema).length === 0;
    extras.responseSchema = { name: schemaNameOf(prompt.id), schema, strict };
  }
  extrasOf.set(prompt, extras);
  return extras;
}

/** A name the APIs accept for a schema (`^[a-zA-Z0-9_-]{1,64}$`), from the prompt id. */
export function schemaNameOf(id: string): string {
  const name = id.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return name === '' ? 'output' : name;
}

/**
 * Where a JSON Schema falls outside OpenAI's strict mode (every object lists every property in
 * `required` and sets `additionalProperties: false`), as JSON pointers with why; empty when it can
 * be strict.
 */
export function strictModeGaps(schema: unknown, at = ''): string[] {
  if (!isRecord(schema)) return [];
  const gaps: string[] = [];
  const properties = isRecord(schema.properties) ? schema.properties : undefined;
  const isObjectSchema = schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object')) || properties !== undefined;
  if (isObjectSchema) {
    if (schema.additionalProperties !== false) gaps.push(`${at || '/'}: additionalProperties is not false`);
    const required = Array.isArray(schema.required) ? schema.required : [];
    const optional = Object.keys(properties ?? {}).filter((key) => !required.includes(key));
    if (optional.length > 0) gaps.push(`${at || '/'}: not required: ${optional.join(', ')}`);
  }
  for (const [key, child] of Object.entries(properties ?? {})) gaps.push(...strictModeGaps(child, `${at}/properties/${key}`));
  if (schema.items !== undefined) gaps.push(...strictModeGaps(schema.items, `${at}/items`));
  for (const list of ['anyOf', 'allOf', 'oneOf'] as const) {
    const members = schema[list];
    if (!Array.isArray(members)) continue;
    for (const [index, member] of members.entries()) gaps.push(...strictModeGaps(member, `${at}/${list}/${index}`));
  }
  for (const defs of ['$defs', 'definitions'] as const) {
    const table = schema[defs];
    if (isRecord(table)) for (const [key, child] of Object.entries(table)) gaps.push(...strictModeGaps(child, `${at}/${defs}/${key}`));
  }
  return gaps;
}

