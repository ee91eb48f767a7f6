/**
 * User-facing failures. Each kind has a stable `code` (what scripts and tests match on) and an
 * exit code from SPEC §7; the CLI prints `message` (and `hint`) on one line, no stack unless --debug.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'CONFIG_LOAD',
  'PROMPT_INVALID',
  'CASE_INVALID',
  'GRADER_INVALID',
  'MODEL_UNKNOWN',
  'FILE_MISSING',
  'PATH_UNSAFE',
  'GIT',
  'RUN_INVALID',
  'USAGE',
  /** `--filter` (or another selection) that matches no case: a gate on nothing is refused. */
  'SELECTION_EMPTY',
  /** prompts.lock.json does not parse or has the wrong shape. */
  'LOCK_INVALID',
  /** A prompt file's hash differs from the one prompts.lock.json locks (a tampered or unlocked file). */
  'LOCK_MISMATCH',
  /** The variables given to a prompt at runtime are missing or do not render. */
  'VARS_INVALID',
  /** A registry store URL that names no supported store, or a store whose data has the wrong shape or format version. */
  'STORE_INVALID',
  /** A registry store that cannot be reached (connection refused, HTTP error, missing folder). */
  'STORE_UNREACHABLE',
  /** A write (publish, promote, rollback) to a read-only store (https://). */
  'STORE_READ_ONLY',
  /** Republishing an id@version with different content: published versions are immutable. */
  'REGISTRY_IMMUTABLE',
  /** A promote of an id@version the store does not hold. */
  'REGISTRY_NOT_PUBLISHED',
  /** A rollback with no earlier promoted version to go back to. */
  'REGISTRY_NO_ROLLBACK',
  /** A stored version whose content does not hash to its recorded hash. */
  'REGISTRY_TAMPERED',
  /** publish without a passing gate receipt for the content hash (exit 1; `--force --reason` overrides). */
  'REGISTRY_NO_RECEIPT',
  /** `import` would overwrite a file that exists (without `--force`): nothing is written. */
  'FILE_EXISTS',
  /** The cost estimate is above the budget (`--max-cost`, `budget.maxCostUsd`) and `--allow-over-estimate` was not given: nothing is run. */
  'BUDGET_OVER_ESTIMATE',
] as const;
/** The stable codes of PromptgateError, the one list (ERROR_CODES). */
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface SourceLocation {
  file: string;
  line?: number;
}

export class PromptgateError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly location?: SourceLocation;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options: { hint?: string; location?: SourceLocation; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PromptgateError';
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
    this.exitCode = options.exitCode ?? 2;
  }

  /** `file:line: message (hint)` — the one line the CLI prints. */
  format(): string {
    const where = this.location ? `${this.location.file}${this.location.line ? `:${this.location.line}` : ''}: ` : '';
    const message = where && this.message.startsWith(where) ? this.message : where + this.message;
    return this.hint ? `${message} (${this.hint})` : message;
  }
}

/** Bad config, prompt or case input: exit 2, nothing is run. */
export function inputError(code: ErrorCode, message: string, location?: SourceLocation, hint?: string): PromptgateError {
  return new PromptgateError(code, message, { location, hint, exitCode: 2 });
}

/**
 * PATH_UNSAFE for a project file (`file`, as the user names it) that is a symlink, or lies under a
 * symlinked folder, resolving to `real` outside the project: it would be read, and sent to a model.
 */
export function outsideProjectError(file: string, real: string): PromptgateError {
  return inputError('PATH_UNSAFE', `resolves outside the project, to ${real}`, { file }, 'a symlink in the project may only point inside it: copy the file in');
}

export function isPromptgateError(value: unknown): value is PromptgateError {
  return value instanceof PromptgateError;
}
