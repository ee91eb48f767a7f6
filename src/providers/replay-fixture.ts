import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inputError, outsideProjectError } from '../errors.js';
import type { Message } from '../prompts/types.js';
import { parseToolArguments } from '../tools/arguments.js';
import type { ToolCall } from '../tools/types.js';
import { sha256, stableStringify } from '../util/hash.js';
import { realPathOutside } from '../util/real-path.js';
import { isRecord } from './shape.js';
import { TOKEN_USAGE_KEYS, type TokenUsage } from './types.js';
import { tokenUsageOf } from './usage.js';

/**
 * One line of `<fixtures>/replay/<model name>.jsonl`: a recorded answer to a message list.
 * Hand-writable: only `messages` and `output` are required (`output` may be left out of an answer
 * that only calls tools or refuses).
 */
export interface ReplayEntry {
  /** The conversation asked (an assistant turn may carry `toolCalls`; `tool` turns carry `toolCallId`). */
  messages: Message[];
  output: string;
  /** The tool calls of the answer. */
  toolCalls?: ToolCall[];
  /** The model refused: what it said (`output` is then ''). */
  refusal?: string;
  modelReported?: string;
  usage?: TokenUsage;
  /** Free text for humans (why the entry exists); ignored by replay. */
  note?: string;
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/**
 * The lookup key of a message list: sha256 of its stable JSON: role and content, and when a turn
 * has them, its tool calls (id, name and arguments: the parsed object, or the raw text when it is
 * not JSON) and the `toolCallId` a tool result answers. Keys of plain messages are as before.
 */
export function replayKey(messages: Message[]): string {
  return sha256(stableStringify(messages.map(keyedMessage)));
}

function keyedMessage(message: Message): Record<string, unknown> {
  const keyed: Record<string, unknown> = { role: message.role, content: message.content };
  if (message.toolCalls && message.toolCalls.length > 0) {
    keyed.toolCalls = message.toolCalls.map((call) => ({ id: call.id, name: call.name, arguments: argumentsKey(call) }));
  }
  if (message.toolCallId !== undefined) keyed.toolCallId = message.toolCallId;
  return keyed;
}

/** A call's arguments as keyed: the object they parse to (key order ignored), else their raw text. */
function argumentsKey(call: ToolCall): unknown {
  if (typeof call.rawArguments !== 'string') return call.arguments ?? {};
  return parseToolArguments(call.rawArguments).arguments ?? call.rawArguments;
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

/**
 * Checks, before anything runs, the fixture file of `modelName`: PATH_UNSAFE as
 * checkReplayFixturePath, and CONFIG_INVALID naming the file (relative to `rootDir`) and line of
 * the first line that is not a valid entry. A missing file is no error (every call will say so).
 */
export async function checkReplayFixture(fixturesDir: string, modelName: string, rootDir: string): Promise<void> {
  await checkReplayFixturePath(fixturesDir, modelName, rootDir);
  const file = replayFixturePath(fixturesDir, modelName);
  const shown = path.relative(rootDir, file).split(path.sep).join('/');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw inputError('CONFIG_INVALID', `cannot read the replay fixture: ${(error as Error).message}`, { file: shown });
  }
  parseReplayFixture(text, file, shown);
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
export function parseReplayFixture(text: string, file: string, shownAs = displayPath(file)): Map<string, ReplayEntry> {
  const entries = new Map<string, ReplayEntry>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const location = { file: shownAs, line: index + 1 };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw inputError('CONFIG_INVALID', `replay fixture line is not valid JSON: ${(error as Error).message}`, location);
    }
    const problem = entryProblem(value);
    if (problem) throw inputError('CONFIG_INVALID', `replay fixture line: ${problem}`, location, ENTRY_HINT);
    const entry = normalizedEntry(value as RawEntry);
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
    messages: entry.messages.map(formatMessage),
    output: entry.output,
  };
  if (entry.toolCalls && entry.toolCalls.length > 0) line.toolCalls = entry.toolCalls.map(formatToolCall);
  if (entry.refusal !== undefined) line.refusal = entry.refusal;
  if (entry.modelReported !== undefined) line.modelReported = entry.modelReported;
  if (entry.usage !== undefined) line.usage = { inputTokens: entry.usage.inputTokens, outputTokens: entry.usage.outputTokens };
  if (entry.note !== undefined) line.note = entry.note;
  return JSON.stringify(line);
}

function formatMessage(message: Message): Record<string, unknown> {
  const line: Record<string, unknown> = { role: message.role, content: message.content };
  if (message.toolCalls && message.toolCalls.length > 0) line.toolCalls = message.toolCalls.map(formatToolCall);
  if (message.toolCallId !== undefined) line.toolCallId = message.toolCallId;
  if (message.name !== undefined) line.name = message.name;
  return line;
}

/** A tool call as a fixture holds it: the raw arguments, as the model sent them. */
function formatToolCall(call: ToolCall): Record<string, unknown> {
  return { id: call.id, name: call.name, rawArguments: call.rawArguments };
}

const ENTRY_HINT = 'a line is {"messages": [{"role", "content", "toolCalls"?, "toolCallId"?}], "output": "...", "toolCalls"?: [{"id", "name", "rawArguments" | "arguments"}], "refusal"?, "modelReported"?, "usage"?}';

/** A tool call as a fixture may give it: `rawArguments` (text) or `arguments` (an object). */
interface RawToolCall {
  id?: string;
  name: string;
  rawArguments?: string;
  arguments?: Record<string, unknown>;
}

type RawMessage = Omit<Message, 'toolCalls'> & { toolCalls?: RawToolCall[] };
type RawEntry = Omit<ReplayEntry, 'messages' | 'toolCalls' | 'output'> & { messages: RawMessage[]; output?: string; toolCalls?: RawToolCall[] };

/** A checked line with its tool calls in the runner's form (raw text, parsed). */
function normalizedEntry(raw: RawEntry): ReplayEntry {
  const { toolCalls: _calls, ...rest } = raw;
  const entry: ReplayEntry = {
    ...rest,
    messages: raw.messages.map((message) => (message.toolCalls ? { ...message, toolCalls: message.toolCalls.map(toolCallOf) } : (message as Message))),
    output: raw.output ?? '',
  };
  if (raw.toolCalls) entry.toolCalls = raw.toolCalls.map(toolCallOf);
  return entry;
}

function toolCallOf(call: RawToolCall): ToolCall {
  const rawArguments = call.rawArguments ?? JSON.stringify(call.arguments ?? {});
  return { id: call.id ?? '', name: call.name, rawArguments, ...parseToolArguments(rawArguments) };
}

function entryProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'expected a JSON object';
  if (!Array.isArray(value.messages) || value.messages.length === 0) return '"messages" must be a non-empty array';
  for (const [index, message] of value.messages.entries()) {
    if (!isRecord(message) || !ROLES.has(message.role as string) || typeof message.content !== 'string') {
      return `each message must be {"role": "system" | "user" | "assistant" | "tool", "content": string} ("messages[${index}]" is not)`;
    }
    if (message.toolCalls !== undefined) {
      const problem = toolCallsProblem(message.toolCalls, `messages[${index}].toolCalls`);
      if (problem) return problem;
    }
    for (const key of ['toolCallId', 'name'] as const) {
      if (message[key] !== undefined && typeof message[key] !== 'string') return `"messages[${index}].${key}" must be a string`;
    }
  }
  const answered = value.toolCalls !== undefined || value.refusal !== undefined;
  if (typeof value.output !== 'string' && !(answered && value.output === undefined)) return '"output" must be a string';
  if (value.toolCalls !== undefined) {
    const problem = toolCallsProblem(value.toolCalls, 'toolCalls');
    if (problem) return problem;
  }
  if (value.refusal !== undefined && typeof value.refusal !== 'string') return '"refusal" must be a string';
  if (value.modelReported !== undefined && typeof value.modelReported !== 'string') return '"modelReported" must be a string';
  if (value.usage !== undefined) {
    const usage = value.usage;
    if (!isRecord(usage) || !tokenUsageOf(usage.inputTokens, usage.outputTokens)) {
      return `"usage" must be {${TOKEN_USAGE_KEYS.map((key) => `"${key}": number`).join(', ')}} (whole numbers from 0 to 1e9)`;
    }
  }
  return undefined;
}

/** Why a `toolCalls` value is not a list of calls (`{id?, name, rawArguments | arguments}`), if it is not. */
function toolCallsProblem(value: unknown, at: string): string | undefined {
  if (!Array.isArray(value)) return `"${at}" must be an array of tool calls`;
  for (const [index, call] of value.entries()) {
    const where = `"${at}[${index}]"`;
    if (!isRecord(call)) return `${where} must be a tool call {"id", "name", "rawArguments" | "arguments"}`;
    if (typeof call.name !== 'string' || call.name === '') return `${where} needs "name", the tool's name (a non-empty string)`;
    if (call.id !== undefined && typeof call.id !== 'string') return `${where}: "id" must be a string`;
    const hasRaw = call.rawArguments !== undefined;
    if (hasRaw && typeof call.rawArguments !== 'string') return `${where}: "rawArguments" must be a string (the arguments as the model sent them)`;
    if (call.arguments !== undefined && !isRecord(call.arguments)) return `${where}: "arguments" must be a JSON object`;
    if (!hasRaw && call.arguments === undefined) return `${where} needs "rawArguments" (a string) or "arguments" (a JSON object)`;
  }
  return undefined;
}
