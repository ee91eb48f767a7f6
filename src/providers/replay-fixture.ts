import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inputError, outsideProjectError } from '../errors.js';
import type { Message } from '../prompts/types.js';
import { sha256, stableStringify } from '../util/hash.js';
import { realPathOutside } from '../util/real-path.js';
import { isRecord } from './shape.js';
import { TOKEN_USAGE_KEYS, type TokenUsage } from './types.js';
import { tokenUsageOf } from './usage.js';

/**
 * One line of `<fixtures>/replay/<model name>.jsonl`: a recorded answer to a message list.
 * Hand-writable: only `messages` and `output` are required.
 */
export interface ReplayEntry {
  messages: Message[];
  output: string;
  modelReported?: string;
  usage?: TokenUsage;
  /** Free text for humans (why the entry exists); ignored by replay. */
  note?: string;
}

const ROLES = new Set(['system', 'user', 'assistant']);

/** The lookup key of a message list: sha256 of its stable JSON (role and content only). */
export function replayKey(messages: Message[]): string {
  return sha256(stableStringify(messages.map(({ role, content }) => ({ role, content }))));
}

/**
 * The fixture file of a model name. Characters outside `[A-Za-z0-9._@+-]` become `_` and a leading
 * dot is escaped, so a name such as `../x` or `org/model` stays inside `<fixtures>/replay/`.
 */
export function replayFixturePath(fixturesDir: string, modelName: string): string {
  let safe = modelName.replace(/[^A-Za-z0-9._@+-]/g, '_');
  if (safe === '' || safe.startsWith('.')) safe = `_${safe}`;
  return path.join(fixturesDir, 'replay', `${safe}.jsonl`);
}

/**
 * Throws PATH_UNSAFE when the fixture file of `modelName` is a symlink (or under a symlinked
 * folder) resolving outside the project `rootDir`: its recorded answers would be replayed as the
 * model's. Checked with the other inputs, before anything runs (a missing file is no error here).
 */
export async function checkReplayFixturePath(fixturesDir: string, modelName: string, rootDir: string): Promise<void> {
  const file = replayFixturePath(fixturesDir, modelName);
  const outside = await realPathOutside(file, rootDir);
  if (outside) throw outsideProjectError(path.relative(rootDir, file).split(path.sep).join('/'), outside);
}

/** The path shown in messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * Parses a fixture file's text into key → entry (a later line with the same messages wins, so
 * re-recording supersedes). Blank lines are skipped. Throws a PromptgateError naming file and line.
 */
export function parseReplayFixture(text: string, file: string): Map<string, ReplayEntry> {
  const entries = new Map<string, ReplayEntry>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const location = { file: displayPath(file), line: index + 1 };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw inputError('CONFIG_INVALID', `replay fixture line is not valid JSON: ${(error as Error).message}`, location);
    }
    const problem = entryProblem(value);
    if (problem) throw inputError('CONFIG_INVALID', `replay fixture line: ${problem}`, location);
    const entry = value as ReplayEntry;
    entries.set(replayKey(entry.messages), entry);
  });
  return entries;
}

/** Reads and parses a fixture file; a missing file is an empty fixture. */
export async function loadReplayFixture(file: string): Promise<Map<string, ReplayEntry>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  return parseReplayFixture(text, file);
}

/** One fixture line (no newline) for a recorded answer, fields in a stable order. */
export function formatReplayEntry(entry: ReplayEntry): string {
  const line: Record<string, unknown> = {
    messages: entry.messages.map(({ role, content }) => ({ role, content })),
    output: entry.output,
  };
  if (entry.modelReported !== undefined) line.modelReported = entry.modelReported;
  if (entry.usage !== undefined) line.usage = { inputTokens: entry.usage.inputTokens, outputTokens: entry.usage.outputTokens };
  if (entry.note !== undefined) line.note = entry.note;
  return JSON.stringify(line);
}

function entryProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'expected a JSON object';
  if (!Array.isArray(value.messages) || value.messages.length === 0) return '"messages" must be a non-empty array';
  for (const message of value.messages) {
    if (!isRecord(message) || !ROLES.has(message.role as string) || typeof message.content !== 'string') {
      return 'each message must be {"role": "system" | "user" | "assistant", "content": string}';
    }
  }
  if (typeof value.output !== 'string') return '"output" must be a string';
  if (value.modelReported !== undefined && typeof value.modelReported !== 'string') return '"modelReported" must be a string';
  if (value.usage !== undefined) {
    const usage = value.usage;
    if (!isRecord(usage) || !tokenUsageOf(usage.inputTokens, usage.outputTokens)) {
      return `"usage" must be {${TOKEN_USAGE_KEYS.map((key) => `"${key}": number`).join(', ')}} (whole numbers from 0 to 1e9)`;
    }
  }
  return undefined;
}
