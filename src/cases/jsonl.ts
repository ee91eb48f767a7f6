import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { inputError, isPromptgateError } from '../errors.js';
import { type CaseParts, MAX_LINE_BYTES, finishCase, parseCaseThreshold, projectPath, splitTags } from './case-build.js';
import { readConversation, readExpectedToolCalls, readMaxSteps, readToolResults } from './conversation.js';
import { type AssertionInput, assertionFromConfig, parseGraderSpec } from './grader-spec.js';
import type { CaseReadOptions, TestCase } from './types.js';
import { invalidUtf8 } from './utf8-check.js';

/** Arrays and objects nested deeper than this are refused (a case this deep is a mistake or an attack). */
const MAX_NESTING = 64;

const KEYS = new Set([
  'id', 'vars', 'expected', 'assert', 'description', 'tags', 'threshold', 'metric', 'prefix', 'suffix', 'metadata', 'providerOutput',
  'messages', 'expected_tool_calls', 'tool_results', 'max_steps',
]);

/**
 * Streams the cases of a JSONL file, one JSON object a line:
 * `{"id"?, "vars": {...}, "expected"?: "<grader spec>", "assert"?: [{type, value, weight?, threshold?}],
 * "description"?, "tags"?, "threshold"?, "metric"?, "prefix"?, "suffix"?, "metadata"?, "providerOutput"?,
 * "messages"?, "expected_tool_calls"?, "tool_results"?, "max_steps"?}` (the last four: cases/conversation.ts).
 * Blank lines are skipped; CRLF and a BOM are accepted. Lines are split on raw bytes, so memory
 * holds one line at a time. Errors name the file and line: invalid JSON, invalid UTF-8, wrong
 * field types, unknown keys, a line over 10 MB.
 */
export async function* readJsonlCases(file: string, options: CaseReadOptions): AsyncGenerator<TestCase> {
  const rel = projectPath(file, options.rootDir);
  let line = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const tooLong = () => inputError('CASE_INVALID', `line is longer than ${MAX_LINE_BYTES / 1024 / 1024} MB`, { file: rel, line: line + 1 });
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, end);
        if (pendingBytes + piece.length > MAX_LINE_BYTES) throw tooLong();
        const bytes = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        pendingBytes = 0;
        line++;
        const testCase = parseLine(bytes, rel, line, options);
        if (testCase) yield testCase;
        start = end + 1;
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
        if (pendingBytes > MAX_LINE_BYTES) throw tooLong();
      }
    }
    if (pendingBytes > 0) {
      line++;
      const testCase = parseLine(Buffer.concat(pending), rel, line, options);
      if (testCase) yield testCase;
    }
  } catch (error) {
    if (isPromptgateError(error)) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') throw inputError('FILE_MISSING', 'case file not found', { file: rel });
    throw error;
  }
}

function parseLine(bytes: Buffer, file: string, line: number, options: CaseReadOptions): TestCase | undefined {
  let body = bytes;
  if (line === 1 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  if (body.length > 0 && body[body.length - 1] === 0x0d) body = body.subarray(0, -1);
  if (!isUtf8(body)) throw invalidUtf8(file, line);
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  const where = { file, line };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw inputError('CASE_INVALID', `invalid JSON: ${(error as Error).message}`, where);
  }
  // Hashing, rendering and writing values recurse: refuse depth that would overflow the stack.
  if (nestingDepth(data, MAX_NESTING) > MAX_NESTING) throw inputError('CASE_INVALID', `values are nested more than ${MAX_NESTING} levels deep`, where);
  return finishCase(toParts(data, where), options);
}

/** Deepest nesting of arrays and objects in a parsed JSON value (iterative; stops past `limit`). */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function toParts(data: unknown, where: { file: string; line: number }): CaseParts {
  const fail = (message: string) => inputError('CASE_INVALID', message, where);
  if (!isRecord(data)) throw fail('each line must be a JSON object like {"vars": {...}, "expected": "..."}');
  for (const key of Object.keys(data)) {
    if (!KEYS.has(key)) throw fail(`unknown key '${key}' (allowed: ${[...KEYS].join(', ')})`);
  }
  const parts: CaseParts = { vars: {}, assertions: [], tags: [], metadata: {}, source: where };

  if (data.id !== undefined) {
    if (typeof data.id === 'number' && Number.isFinite(data.id)) parts.id = String(data.id);
    else if (typeof data.id === 'string' && data.id.trim() !== '') parts.id = data.id.trim();
    else throw fail('"id" must be a non-empty string or a number');
  }
  if (data.vars !== undefined) {
    if (!isRecord(data.vars)) throw fail('"vars" must be an object of variable names to values');
    parts.vars = data.vars;
  }
  if (data.expected !== undefined) {
    const specs = Array.isArray(data.expected) ? data.expected : [data.expected];
    for (const spec of specs) {
      if (typeof spec !== 'string') throw fail('"expected" must be a grader spec string (or a list of them)');
      if (spec.trim() !== '') parts.assertions.push(parseGraderSpec(spec, where));
    }
  }
  if (data.assert !== undefined) {
    if (!Array.isArray(data.assert)) throw fail('"assert" must be a list of {type, value, weight?, threshold?}');
    for (const entry of data.assert) {
      parts.assertions.push(typeof entry === 'string' ? parseGraderSpec(entry, where) : assertionFromConfig(entry as AssertionInput, where));
    }
  }
  if (data.description !== undefined) {
    if (typeof data.description !== 'string') throw fail('"description" must be a string');
    parts.description = data.description;
  }
  if (data.tags !== undefined) {
    if (typeof data.tags === 'string') parts.tags = splitTags(data.tags);
    else if (Array.isArray(data.tags) && data.tags.every((tag) => typeof tag === 'string')) parts.tags = data.tags.map((tag) => tag.trim()).filter((tag) => tag !== '');
    else throw fail('"tags" must be a list of strings or a comma-separated string');
  }
  if (data.threshold !== undefined) {
    if (typeof data.threshold !== 'number') throw fail('"threshold" must be a number from 0 to 1');
    parts.threshold = parseCaseThreshold(data.threshold, '"threshold"', where);
  }
  if (data.expected_tool_calls !== undefined) parts.assertions.push(...readExpectedToolCalls(data.expected_tool_calls, 'expected_tool_calls', where));
  if (data.metric !== undefined) {
    if (typeof data.metric !== 'string') throw fail('"metric" must be a string');
    for (const assertion of parts.assertions) assertion.metric ??= data.metric;
  }
  for (const key of ['prefix', 'suffix'] as const) {
    if (data[key] === undefined) continue;
    if (typeof data[key] !== 'string') throw fail(`"${key}" must be a string`);
    parts[key] = data[key] as string;
  }
  if (data.metadata !== undefined) {
    const isText = (value: unknown) => typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
    if (!isRecord(data.metadata) || !Object.values(data.metadata).every(isText)) {
      throw fail('"metadata" must be an object of string (or string list) values');
    }
    parts.metadata = data.metadata as Record<string, string | string[]>;
  }
  if (data.messages !== undefined) parts.messages = readConversation(data.messages, 'messages', where);
  if (data.tool_results !== undefined) parts.toolResults = readToolResults(data.tool_results, 'tool_results', where);
  if (data.max_steps !== undefined) parts.maxSteps = readMaxSteps(data.max_steps, 'max_steps', where);
  if (data.providerOutput !== undefined && data.providerOutput !== null && data.providerOutput !== '') {
    // promptfoo takes a string or an object (graded as its JSON).
    parts.providerOutput = typeof data.providerOutput === 'string' ? data.providerOutput : JSON.stringify(data.providerOutput);
  }
  return parts;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
