import { relative, sep } from 'node:path';
import { inputError } from '../errors.js';
import type { Message } from '../prompts/types.js';
import { shortHash, stableStringify } from '../util/hash.js';
import type { Assertion, CaseReadOptions, TestCase } from './types.js';

/** A line longer than this is refused instead of buffered (a missing quote or newline, usually). */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/**
 * The default case id: a hash of the variables (key order does not matter), so inserting or
 * reordering rows changes no ids. First 12 hex digits of sha256. A case with a conversation or
 * canned tool results hashes those too (two conversations with the same variables are two cases);
 * without them the id is the variables' hash alone, as it always was.
 */
export function caseIdOf(vars: Record<string, unknown>, extra: { messages?: Message[]; toolResults?: Record<string, unknown> } = {}): string {
  if (extra.messages === undefined && extra.toolResults === undefined) return shortHash(stableStringify(vars));
  return shortHash(stableStringify({ vars, ...(extra.messages ? { messages: extra.messages } : {}), ...(extra.toolResults ? { toolResults: extra.toolResults } : {}) }));
}

/** A path relative to the project root with `/`, as cases name their files. */
export function projectPath(file: string, rootDir: string): string {
  const rel = relative(rootDir, file);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** The parts of a case a reader found; `finishCase` adds the id default and the suite assertions. */
export interface CaseParts {
  id?: string;
  vars: Record<string, unknown>;
  assertions: Assertion[];
  description?: string;
  tags: string[];
  threshold?: number;
  prefix?: string;
  suffix?: string;
  /** promptfoo `__providerOutput`: the output to grade; no model is called for the case. */
  providerOutput?: string;
  /** `messages` / `__messages`: the conversation so far (cases/conversation.ts). */
  messages?: Message[];
  /** `tool_results` / `__tool_results`: canned tool results by tool name. */
  toolResults?: Record<string, unknown>;
  /** `max_steps` / `__max_steps`: needs toolResults. */
  maxSteps?: number;
  metadata: Record<string, string | string[]>;
  source: { file: string; line: number };
}

/**
 * Completes a case: the default id (hash of the variables, and of its conversation or canned tool
 * results when it has them) and the suite assertions appended. `max_steps` without `tool_results`
 * is CASE_INVALID (it bounds the calls of a case that sends tool results back).
 */
export function finishCase(parts: CaseParts, options: CaseReadOptions): TestCase {
  if (parts.maxSteps !== undefined && parts.toolResults === undefined) {
    throw inputError('CASE_INVALID', 'max_steps bounds the calls of a case with tool_results, and this case has none', parts.source, 'add tool_results, or remove max_steps');
  }
  const assertions = options.suiteAssert?.length ? parts.assertions.concat(options.suiteAssert) : parts.assertions;
  const messages = parts.messages?.length ? parts.messages : undefined;
  const testCase: TestCase = {
    id: parts.id === undefined || parts.id === '' ? caseIdOf(parts.vars, { messages, toolResults: parts.toolResults }) : parts.id,
    vars: parts.vars,
    assertions,
    tags: parts.tags,
    metadata: parts.metadata,
    source: parts.source,
  };
  if (parts.description !== undefined && parts.description !== '') testCase.description = parts.description;
  if (parts.threshold !== undefined) testCase.threshold = parts.threshold;
  if (parts.prefix) testCase.prefix = parts.prefix;
  if (parts.suffix) testCase.suffix = parts.suffix;
  if (parts.providerOutput !== undefined) testCase.providerOutput = parts.providerOutput;
  if (messages) testCase.messages = messages;
  if (parts.toolResults !== undefined) testCase.toolResults = parts.toolResults;
  if (parts.maxSteps !== undefined) testCase.maxSteps = parts.maxSteps;
  if (parts.id === undefined || parts.id === '') testCase.implicitId = true;
  return testCase;
}

/** `a, b ,c` → ['a', 'b', 'c'] (empty items dropped). */
export function splitTags(text: string): string[] {
  return text.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
}

/** A case threshold: a number from 0 to 1 (text from CSV, a number from JSONL). */
export function parseCaseThreshold(value: unknown, what: string, where: { file: string; line: number }): number | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(number) || number < 0 || number > 1) {
    throw inputError('CASE_INVALID', `${what} ${JSON.stringify(value)} is not a number from 0 to 1`, where);
  }
  return number;
}
