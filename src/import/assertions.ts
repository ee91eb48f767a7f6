import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { assertionFromConfig } from '../cases/grader-spec.js';
import { isPromptgateError } from '../errors.js';
import { loadYaml } from '../prompts/lazy.js';
import { type RewriteId, rewriteNote } from './rewrites.js';
import { EMBEDDING_TYPES, MODEL_GRADED_TYPES, PROMPTFOO_SPECIAL_TYPES } from './promptfoo-cells.js';
import { type PathSegment, type Source, asRecord, at } from './source.js';
import type { Findings } from './types.js';

/** An assertion as promptgate's JSONL `assert` and the config's suite `assert` take it. */
export interface AssertEntry {
  type: string;
  value?: unknown;
  weight?: number;
  threshold?: number;
  metric?: string;
}

/** What converting assertions needs to know. */
export interface AssertContext {
  findings: Findings;
  /** The promptfoo project's folder: promptfoo reads `file://` values relative to it. */
  configDir: string;
  /** The folder the converted case file lives in (absolute, under the output folder). */
  caseDir: string;
  /** The output folder, when it is not the promptfoo project's folder (files referenced are copied there). */
  outDir: string;
  /** Whether a grading provider given on an assertion or a test is the judge the config uses. */
  isJudge: (provider: unknown) => boolean;
  /** Files `file://` values name (absolute), for `--out` to copy along. */
  referenced: Set<string>;
  /** Set when a model-graded type is used (the config then needs a judge). */
  modelGraded: { used: boolean };
  /** Set when a type needs an embedding or a moderation model (`similar`, `answer-relevance`, `moderation`). */
  endpoints?: { embedding: boolean; moderation: boolean };
}

/**
 * Converts a promptfoo `assert` list (of a test or defaultTest) to promptgate's entries: the same
 * types and values (promptgate reads promptfoo's spellings), `file://` paths re-pointed at the
 * case file's folder, `assert-set`s flattened when that keeps the verdict (no threshold on the set
 * or the case). Anything promptgate cannot hold (a per-assertion provider other than the judge,
 * `rubricPrompt`, `transform`, `select-best` …) is a problem and left out.
 */
export async function convertAssertions(list: unknown, source: Source, path: PathSegment[], context: AssertContext, caseThreshold: number | undefined): Promise<AssertEntry[]> {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    context.findings.problem(at(source, path), '`assert` must be a list; not converted');
    return [];
  }
  const out: AssertEntry[] = [];
  for (const [index, item] of list.entries()) {
    const itemPath = [...path, index];
    const record = asRecord(item);
    if (!record || typeof record.type !== 'string') {
      context.findings.problem(at(source, itemPath), 'an assertion without a `type` is not converted');
      continue;
    }
    if (record.type === 'assert-set') {
      if (record.threshold !== undefined || caseThreshold !== undefined) {
        context.findings.problem(at(source, itemPath), 'an `assert-set` with a threshold (or in a test with one) is not converted: promptgate has no nested assertion groups', 'list its assertions in the test');
        continue;
      }
      context.findings.note(at(source, itemPath), 'an `assert-set` is flattened into the test\'s assertions (without thresholds, every assertion must pass either way)');
      out.push(...(await convertAssertions(record.assert, source, [...itemPath, 'assert'], context, undefined)));
      continue;
    }
    const entry = await convertOne(record, source, itemPath, context);
    if (entry) out.push(entry);
  }
  return out;
}

/** A value with its `file://` strings (the value, or items of a list) read as promptfoo reads them. */
async function readValue(value: unknown, context: AssertContext): Promise<{ value: unknown; rewrites: RewriteId[] } | { problem: string }> {
  const rewrites: RewriteId[] = [];
  const one = async (item: unknown) => {
    if (typeof item !== 'string' || !item.startsWith('file://')) return { value: item };
    const read = await readValueFile(item, context);
    if ('value' in read) rewrites.push(read.rewrite);
    return read;
  };
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const read = await one(item);
      if ('problem' in read) return read;
      items.push(read.value);
    }
    return { value: items, rewrites };
  }
  const read = await one(value);
  return 'problem' in read ? read : { value: read.value, rewrites };
}

async function convertOne(record: Record<string, unknown>, source: Source, path: PathSegment[], context: AssertContext): Promise<AssertEntry | undefined> {
  const where = at(source, path);
  const type = record.type as string;
  const bare = type.replace(/^not-/, '');
  if (PROMPTFOO_SPECIAL_TYPES.includes(bare)) {
    context.findings.problem(where, `assertion '${type}' is not converted: it compares the outputs of several prompts or providers, or waits for a person`);
    return undefined;
  }
  let unconvertible = false;
  for (const key of Object.keys(record)) {
    if (['type', 'value', 'threshold', 'weight', 'metric'].includes(key)) continue;
    if (key === 'provider' && context.isJudge(record.provider)) continue;
    if (key === 'config' && asRecord(record.config) && Object.keys(record.config as object).length === 0) continue;
    const why: Record<string, string> = {
      provider: 'its grading provider differs from the judge (promptgate grades with one judge model)',
      rubricPrompt: 'promptgate writes its own judge prompt',
      transform: 'promptgate grades the output as it is',
      contextTransform: 'promptgate grades the output as it is',
    };
    context.findings.problem(at(source, [...path, key]), `assertion '${type}': key '${key}' is not converted${why[key] ? `: ${why[key]}` : ''}`);
    unconvertible = true;
  }
  if (unconvertible) return undefined;
  const entry: AssertEntry = { type };
  if (record.value !== undefined) {
    const value = await readValue(record.value, context);
    if ('problem' in value) {
      context.findings.problem(at(source, [...path, 'value']), `assertion '${type}' is not converted: ${value.problem}`);
      return undefined;
    }
    for (const id of value.rewrites) context.findings.note(at(source, [...path, 'value']), rewriteNote(id));
    entry.value = value.value;
  }
  for (const key of ['threshold', 'weight'] as const) if (record[key] !== undefined) entry[key] = record[key] as number;
  if (typeof record.metric === 'string') entry.metric = record.metric;
  try {
    assertionFromConfig(entry, where);
  } catch (error) {
    if (!isPromptgateError(error)) throw error;
    context.findings.problem(where, `assertion '${type}' is not converted: ${error.message}`, error.hint);
    return undefined;
  }
  noteNeeds(bare, context);
  return entry;
}

/** Records what a type needs besides the model under test: the judge, an embedding model, a moderation model. */
export function noteNeeds(type: string, context: Pick<AssertContext, 'modelGraded' | 'endpoints'>): void {
  if (MODEL_GRADED_TYPES.has(type)) context.modelGraded.used = true;
  if (context.endpoints && EMBEDDING_TYPES.has(type)) context.endpoints.embedding = true;
  if (context.endpoints && type === 'moderation') context.endpoints.moderation = true;
}

/** What a `file://` assertion value becomes: the file's content, or (code) the path re-pointed. */
export type FileValue = { value: unknown; rewrite: 'value-file' | 'file-path' } | { problem: string };

/**
 * An assertion value `file://…` as promptfoo reads it when grading (relative to the config's
 * folder): `.js` / `.ts` / `.py` files (with `:function`) stay references, re-pointed at the case
 * file's folder and recorded for `--out`; JSON and YAML files become their data, `.txt` files their
 * trimmed text; other files are problems.
 */
export async function readValueFile(text: string, context: Pick<AssertContext, 'configDir' | 'caseDir' | 'outDir' | 'referenced'>): Promise<FileValue> {
  const target = text.slice('file://'.length);
  const code = /^(.*\.(?:js|cjs|mjs|ts|cts|mts|py))(?::([\w.$]+))?$/.exec(target);
  if (code) {
    if (isAbsolute(code[1])) return { value: text, rewrite: 'file-path' };
    const original = resolve(context.configDir, code[1]);
    context.referenced.add(original);
    let rel = relative(context.caseDir, resolve(context.outDir, relative(context.configDir, original))).split('\\').join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return { value: `file://${rel}${code[2] ? `:${code[2]}` : ''}`, rewrite: 'file-path' };
  }
  const ext = extname(target).toLowerCase();
  let content: string;
  try {
    content = await readFile(resolve(context.configDir, target), 'utf8');
  } catch {
    return { problem: `${target} cannot be read` };
  }
  if (ext === '.json' || ext === '.yaml' || ext === '.yml') {
    try {
      return { value: loadYaml().parse(content), rewrite: 'value-file' };
    } catch {
      return { problem: `${target} does not parse` };
    }
  }
  if (ext === '.txt') return { value: content.trim(), rewrite: 'value-file' };
  return { problem: `promptfoo cannot read ${target} as an assertion value (only .txt, .json, .yaml and code files)` };
}
