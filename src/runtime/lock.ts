import { writeFileAtomic } from '../util/write-atomic.js';
import { readFile } from 'node:fs/promises';
import { inputError, type ErrorCode, type PromptgateError, type SourceLocation } from '../errors.js';
import type { PromptFile } from '../prompts/types.js';

/** The lock file's name; `promptgate lock` writes it at the project root. */
export const LOCK_FILE_NAME = 'prompts.lock.json';

/** One locked prompt version. */
export interface LockedPrompt {
  /** Semver from the front matter. */
  version: string;
  /** First 12 hex digits of the content hash (PromptFile.hash). */
  hash: string;
  /** The file, relative to the project root with `/` (e.g. `prompts/summarize.prompt`). */
  path: string;
}

/**
 * prompts.lock.json: the prompt versions that passed their evals, so production serves exactly
 * those. `{ "version": 1, "prompts": { "<id>": { "version", "hash", "path" } } }`.
 */
export interface PromptLock {
  version: 1;
  prompts: Record<string, LockedPrompt>;
}

const HASH_PATTERN = /^[0-9a-f]{12}$/;

/**
 * Reads and validates a lock file. Returns undefined when the file does not exist; throws
 * PromptgateError LOCK_INVALID (naming the file, and the line for a JSON syntax error) when it
 * does not parse or has the wrong shape.
 */
export async function readLockFile(path: string): Promise<PromptLock | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw locatedError('LOCK_INVALID', `cannot read the lock file: ${code ?? 'unknown error'}`, { file: path });
  }
  return parseLock(text, path);
}

/** Parses lock file text; `file` is named in errors. Throws LOCK_INVALID. */
export function parseLock(text: string, file: string): PromptLock {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw locatedError('LOCK_INVALID', `not valid JSON: ${reason}`, { file, line: jsonErrorLine(reason, text) }, 'regenerate it with `promptgate lock`');
  }
  const invalid = (message: string) => locatedError('LOCK_INVALID', message, { file }, 'regenerate it with `promptgate lock`');
  if (!isPlainObject(data)) throw invalid('the lock must be a JSON object');
  if (data.version !== 1) throw invalid(`unsupported lock format version ${JSON.stringify(data.version)} (this promptgate reads version 1)`);
  if (!isPlainObject(data.prompts)) throw invalid('"prompts" must be an object of prompt id → { version, hash, path }');
  const prompts: Record<string, LockedPrompt> = {};
  for (const [id, entry] of Object.entries(data.prompts)) {
    if (!isPlainObject(entry)) throw invalid(`prompts.${id} must be an object { version, hash, path }`);
    const { version, hash, path } = entry;
    if (typeof version !== 'string' || version === '') throw invalid(`prompts.${id}.version must be a semver string`);
    if (typeof hash !== 'string' || !HASH_PATTERN.test(hash)) throw invalid(`prompts.${id}.hash must be 12 lowercase hex digits`);
    if (typeof path !== 'string' || path === '') throw invalid(`prompts.${id}.path must be a file path`);
    prompts[id] = { version, hash, path };
  }
  return { version: 1, prompts };
}

/** The lock for a set of prompts (ids sorted, so the file diffs cleanly). Paths as the prompts carry them. */
export function buildLock(prompts: Iterable<Pick<PromptFile, 'id' | 'version' | 'hash' | 'path'>>): PromptLock {
  const list = [...prompts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: Record<string, LockedPrompt> = {};
  for (const prompt of list) out[prompt.id] = { version: prompt.version, hash: prompt.hash, path: prompt.path };
  return { version: 1, prompts: out };
}

/** The lock file's text: 2-space JSON, ids sorted, trailing newline. */
export function formatLock(lock: PromptLock): string {
  return `${JSON.stringify(buildLock(Object.entries(lock.prompts).map(([id, entry]) => ({ id, ...entry }))), null, 2)}\n`;
}

/** Writes a lock file atomically (temp file, then rename), so a reader never sees half of it. */
export async function writeLockFile(path: string, lock: PromptLock): Promise<void> {
  await writeFileAtomic(path, formatLock(lock));
}

/**
 * Checks a loaded prompt against the lock: undefined when it matches, else a LOCK_MISMATCH error
 * naming the file, the versions and both hashes (a file the lock does not list is refused too).
 */
export function checkLocked(prompt: Pick<PromptFile, 'id' | 'version' | 'hash' | 'path'>, lock: PromptLock, lockLabel: string): PromptgateError | undefined {
  const locked = Object.hasOwn(lock.prompts, prompt.id) ? lock.prompts[prompt.id] : undefined;
  if (!locked) {
    return locatedError('LOCK_MISMATCH', `${prompt.id}@${prompt.version} (hash ${prompt.hash}) is not in ${lockLabel}; refusing to serve an unlocked prompt`, { file: prompt.path }, 'run its evals and `promptgate lock`');
  }
  if (locked.hash === prompt.hash && locked.version === prompt.version) return undefined;
  return locatedError(
    'LOCK_MISMATCH',
    `${prompt.id}@${prompt.version} has hash ${prompt.hash}, but ${lockLabel} locks ${prompt.id}@${locked.version} with hash ${locked.hash}; refusing the changed file`,
    { file: prompt.path },
    'restore the locked file, or run its evals and `promptgate lock`',
  );
}

/**
 * An input error whose message itself starts with `file[:line]: `: apps catching it at runtime
 * usually print `error.message`, which must name the file too (format() does not repeat it).
 */
export function locatedError(code: ErrorCode, message: string, location: SourceLocation, hint?: string): PromptgateError {
  const where = `${location.file}${location.line ? `:${location.line}` : ''}: `;
  return inputError(code, where + message, location, hint);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Line of a JSON.parse error from its "position N" (V8's message), else 1. */
function jsonErrorLine(message: string, text: string): number {
  const position = /position (\d+)/.exec(message);
  if (!position) return 1;
  return text.slice(0, Number(position[1])).split('\n').length;
}
