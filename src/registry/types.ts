/**
 * The prompt registry's data model and the one interface its three stores implement (a folder,
 * PostgreSQL, read-only HTTP). A published `id@version` is immutable; a label (`production`,
 * `staging`, ...) points each prompt id at one published version; every label move is an event
 * appended to a history that is never rewritten, and a label's current pointer is the last event
 * for that (id, label) pair. Only versions with a passing gate receipt are published, unless forced
 * with a recorded reason.
 */

/** The run (or compare / ci / drift) whose gate passed for exactly this content hash. */
export interface GateReceipt {
  runId: string;
  /** The command that made the run: `run` (with a pass-rate floor), `compare`, `ci` or `drift`. */
  command: string;
  verdict: 'pass';
  /** The model entries the run used (config names), with the model versions the APIs reported. */
  models: Array<{ name: string; model: string; reported: string[] }>;
  /** When the run finished (ISO 8601). */
  date: string;
  /** The run.json it came from, relative to the project root with `/`. */
  runFile: string;
  /** For a comparison: the baseline it was compared with (e.g. a git revision). */
  baseline?: string;
}

/** One published prompt version: immutable once stored. */
export interface PublishedVersion {
  id: string;
  /** Semver from the front matter. */
  version: string;
  /** First 12 hex digits of sha256 of `source` (the same hash `list` shows and run.json records). */
  hash: string;
  /** The file it was published from, relative to the project root with `/`. */
  path: string;
  /** The normalised prompt file (front matter with model, config, tools and schemas, and template). */
  source: string;
  /** The commit the working tree was at (full id), or null outside git. */
  commit: string | null;
  /** The file differed from that commit (uncommitted changes) when it was published. */
  dirty: boolean;
  publishedAt: string;
  /** Who published: the CI actor, else git's user.name <user.email>, else the OS user. */
  publishedBy: string;
  /** The passing gate for this hash; null only when forced. */
  receipt: GateReceipt | null;
  /** Set when published with `--force --reason`. */
  forced?: { reason: string };
}

/** A version as listed (without its source). */
export type VersionSummary = Pick<PublishedVersion, 'id' | 'version' | 'hash' | 'publishedAt' | 'publishedBy' | 'commit'> & {
  /** The receipt's run id and command, or null when forced. */
  receipt: Pick<GateReceipt, 'runId' | 'command' | 'date'> | null;
  forced: boolean;
};

export type LabelAction = 'promote' | 'rollback';

/** One label move, as appended to the history. */
export interface LabelEvent {
  /** Store-wide order of label events, from 1, without gaps. */
  seq: number;
  id: string;
  label: string;
  version: string;
  hash: string;
  action: LabelAction;
  /** ISO 8601. */
  at: string;
  by: string;
  reason?: string;
  /** What the label pointed to before this move (null for the first move of this id and label). */
  previous: { version: string; hash: string } | null;
}

/** Where a label points now: the last event for its (id, label). */
export type LabelState = LabelEvent;

/** What a label serves: its pointer and the published version's content (to verify and render). */
export interface ServedVersion {
  state: LabelState;
  version: PublishedVersion;
}

/** A label move to make atomically. */
export interface LabelMoveRequest {
  id: string;
  label: string;
  /**
   * `{ version }` promotes that published version; `'rollback'` moves the label back to the
   * version it pointed to before the current one was promoted (undoing promotes as a stack, so a
   * second rollback goes one further back).
   */
  to: { version: string } | 'rollback';
  by: string;
  reason?: string;
}

/** A registry store. Errors are PromptgateErrors with the REGISTRY_* / STORE_* codes (src/errors.ts). */
export interface RegistryStore {
  /** `file` (a folder), `postgres` or `http` (read-only). */
  readonly kind: 'file' | 'postgres' | 'http';
  /** The store's URL as shown to users: credentials removed. */
  readonly url: string;
  readonly readOnly: boolean;

  /**
   * Stores a version. `created`, or `unchanged` when the same id@version with the same hash is
   * already there; REGISTRY_IMMUTABLE when that id@version holds different content.
   */
  putVersion(version: PublishedVersion): Promise<'created' | 'unchanged'>;
  /** One version with its source, or undefined. REGISTRY_TAMPERED when its source does not hash to its hash. */
  getVersion(id: string, version: string): Promise<PublishedVersion | undefined>;
  /** Versions of one prompt (or of all), oldest first per id. */
  listVersions(id?: string): Promise<VersionSummary[]>;

  /**
   * Appends one label move atomically (two concurrent moves are both recorded, in some order,
   * each with the right `previous`). REGISTRY_NOT_PUBLISHED when the version is not in the store;
   * REGISTRY_NO_ROLLBACK when there is nothing to roll back to.
   */
  moveLabel(request: LabelMoveRequest): Promise<LabelEvent>;
  /** The label history, oldest first; optionally of one id and/or one label. */
  history(filter?: { id?: string; label?: string }): Promise<LabelEvent[]>;
  /** Current pointers, sorted by label then id; optionally of one label. */
  labels(label?: string): Promise<LabelState[]>;
  /**
   * Every prompt a label points to, with the version's content, for the runtime. A version whose
   * source does not hash to its hash is not returned: it is in `refused` (REGISTRY_TAMPERED).
   */
  served(label: string): Promise<{ served: ServedVersion[]; refused: Array<{ id: string; version: string; message: string }> }>;
  /**
   * Calls `onChange` soon after any label move (PostgreSQL: LISTEN/NOTIFY). Absent where the
   * store cannot push; the runtime polls then. Returns a function that stops listening.
   */
  watch?(onChange: () => void, onError: (error: Error) => void): Promise<() => Promise<void>>;
  /** Releases connections. */
  close(): Promise<void>;
}
