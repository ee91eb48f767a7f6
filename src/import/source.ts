import { readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { inputError } from '../errors.js';
import { loadYaml } from '../prompts/lazy.js';
import type { Where } from './types.js';

/** One step of a path into a parsed file: a key or an index. */
export type PathSegment = string | number;

/**
 * A parsed promptfoo file (YAML, JSON or JSONL) that can say on which line a value sits, so
 * every message names `file:line`.
 */
export interface Source {
  /** The file as messages name it: relative to the promptfoo project, with `/`. */
  file: string;
  /** Absolute path. */
  abs: string;
  data: unknown;
  /** Line (1-based) of the value at `path`, else of its nearest ancestor that has one. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

/** `where` for a value of a source. */
export function at(source: Source, path: readonly PathSegment[]): Where {
  return { file: source.file, line: source.lineOf(path) };
}

/** A path relative to `root` with `/` (how messages name files). */
export function relativePath(root: string, abs: string): string {
  const rel = relative(root, abs);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/**
 * Reads a YAML or JSON file (JSON is YAML). Throws CONFIG_INVALID (exit 2) naming the line for
 * text that does not parse, FILE_MISSING for a file that cannot be read.
 */
export async function readYamlSource(abs: string, root: string): Promise<Source> {
  const file = relativePath(root, abs);
  const text = await readText(abs, file);
  return parseYamlSource(text, abs, file);
}

/** Parses YAML text as a Source (see readYamlSource). */
export function parseYamlSource(text: string, abs: string, file: string): Source {
  const { LineCounter, parseDocument } = loadYaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  const [error] = doc.errors;
  if (error) {
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw inputError('CONFIG_INVALID', `cannot parse: ${message}`, { file, line: error.linePos?.[0].line ?? 1 });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw inputError('CONFIG_INVALID', `cannot parse: ${(cause as Error).message}`, { file, line: 1 });
  }
  return { file, abs, data, lineOf: (path) => yamlLine(doc, lineCounter, path) };
}

function yamlLine(doc: Document, lineCounter: LineCounter, path: readonly PathSegment[]): number | undefined {
  const { isNode, isPair } = loadYaml();
  for (let length = path.length; length >= 0; length--) {
    const prefix = path.slice(0, length);
    const node = prefix.length === 0 ? doc.contents : doc.getIn(prefix, true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    if (isPair(node) && isNode(node.key) && node.key.range) return lineCounter.linePos(node.key.range[0]).line;
  }
  return undefined;
}

/**
 * Reads a JSONL file as a Source whose data is the list of its records (blank lines skipped);
 * `lineOf([i, …])` is the line of record i. Invalid JSON is CONFIG_INVALID naming the line.
 */
export async function readJsonlSource(abs: string, root: string): Promise<Source> {
  const file = relativePath(root, abs);
  const text = await readText(abs, file);
  const records: unknown[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').replace(/^\uFEFF/, '');
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line));
    } catch (cause) {
      throw inputError('CONFIG_INVALID', `invalid JSON: ${(cause as Error).message}`, { file, line: index + 1 });
    }
    lines.push(index + 1);
  });
  return { file, abs, data: records, lineOf: (path) => (typeof path[0] === 'number' ? lines[path[0]] : undefined) };
}

async function readText(abs: string, file: string): Promise<string> {
  try {
    return await readFile(abs, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw inputError('FILE_MISSING', code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? 'unknown error'})`, { file });
  }
}

/** A value as a plain object, or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
