import { resolve } from 'node:path';
import { inputError, isPromptgateError, PromptgateError, type ErrorCode } from '../errors.js';
import { parsePromptSource } from '../prompts/parse.js';
import type { PromptFile } from '../prompts/types.js';
import { assertLabel } from '../registry/names.js';
import type { RegistryStore, ServedVersion } from '../registry/types.js';
import { verifyVersion } from '../registry/verify.js';
import { backgroundClock, type Clock } from '../util/clock.js';
import { escapeControlChars } from '../util/output-guard.js';
import { promptLookup } from './handle.js';
import type { PromptOrigin } from './identity.js';
import { readPromptFolder } from './folder.js';
import type { PromptChange, PromptRegistry } from './load.js';

/** The prompt versions a registry label points to, verified and refreshed while the app runs. */
export interface LoadPromptsFromStoreOptions {
  /**
   * The registry store: a URL (`file:./registry`, `postgres://user@host/db`, `https://…`), or a
   * store already opened (then the caller closes it).
   */
  store: string | RegistryStore;
  dir?: undefined;
  /** The label to serve. @default 'production' */
  label?: string;
  /** How often the label is read again, in ms (at least 1000). PostgreSQL also pushes moves (LISTEN/NOTIFY). @default 30000 */
  refreshMs?: number;
  /** The project root a relative `file:` URL is resolved against. @default the working directory */
  rootDir?: string;
  /**
   * The prompt files bundled with the app, served when the store cannot be reached at start-up
   * (until it answers), and for a prompt whose stored version is refused at start-up.
   * Read under its lock as `loadPrompts({ dir, lockFile })` reads them.
   */
  fallback?: { dir: string; lockFile?: string | false };
  /**
   * A problem while serving: the store is unreachable or answered something invalid (once per
   * outage), a version was refused (REGISTRY_TAMPERED), or the label no longer has a prompt. The
   * last good versions stay in service. @default a process warning
   */
  onError?: (error: Error) => void;
  /** The store answers again after an outage reported through `onError`. @default a process warning */
  onRecover?: (message: string) => void;
  /** A new version is being served. */
  onChange?: (change: PromptChange) => void;
  /** The time refreshes wait on (tests inject their own). @default the system clock, without keeping the process alive */
  clock?: Clock;
}

const DEFAULT_LABEL = 'production';
const DEFAULT_REFRESH_MS = 30_000;
const MIN_REFRESH_MS = 1_000;
/** The longest wait between two attempts to subscribe to a store's push again. */
const MAX_RESUBSCRIBE_MS = 30_000;

/** One prompt being served: its version and, when it came from the store, the label it came from. */
interface Served {
  prompt: PromptFile;
  /** Undefined for a bundled fallback file. */
  origin: PromptOrigin | undefined;
}

/**
 * `loadPrompts({ store })`. Start-up: reads what the label serves, verifies every version
 * (content hash, id, version; a refused one rejects with REGISTRY_TAMPERED unless the fallback
 * has that prompt) and resolves once all are in memory. A store that cannot be reached rejects
 * with its error (STORE_UNREACHABLE, STORE_INVALID), or with `fallback` serves the bundled files
 * until it answers. Then, every `refreshMs` (and on the store's push, where it has one), reads the
 * label again: new versions are served at once through the same handles; a refused version, a
 * prompt the label no longer has and an unreachable store keep the last good version in service.
 * Nothing here throws or rejects after start-up: problems go to `onError`, once each.
 */
export async function loadFromStore(options: LoadPromptsFromStoreOptions): Promise<PromptRegistry> {
  const label = options.label ?? DEFAULT_LABEL;
  if (typeof label !== 'string') throw inputError('USAGE', 'loadPrompts: label must be a string, e.g. "production"');
  assertLabel(label);
  const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  if (typeof refreshMs !== 'number' || !Number.isFinite(refreshMs) || refreshMs < MIN_REFRESH_MS) {
    throw inputError('USAGE', `loadPrompts: refreshMs must be a number of ms, at least ${MIN_REFRESH_MS} (got ${String(refreshMs)})`);
  }
  if (options.fallback !== undefined && (typeof options.fallback !== 'object' || options.fallback === null || typeof options.fallback.dir !== 'string' || options.fallback.dir === '')) {
    throw inputError('USAGE', 'loadPrompts: fallback must be { dir }: the folder of bundled .prompt files');
  }
  const ownsStore = typeof options.store === 'string';
  const store = typeof options.store === 'string' ? await openByUrl(options.store, options.rootDir) : options.store;
  if (!isStore(store)) throw inputError('USAGE', 'loadPrompts: store must be a registry store URL (file:…, postgres://…, https://…) or an opened store');

  const serving = new StoreServing(store, label, {
    onError: options.onError ?? ((error) => process.emitWarning(error.message, 'PromptgateWarning')),
    onRecover: options.onRecover ?? ((message) => process.emitWarning(message, 'PromptgateWarning')),
    onChange: options.onChange,
  });
  try {
    await serving.start(options.fallback);
  } catch (error) {
    if (ownsStore) await store.close().catch(() => undefined);
    throw error;
  }
  const loop = await serving.startRefreshing(refreshMs, options.clock ?? backgroundClock);

  return {
    ...promptLookup(serving.entries, { prompt: (served) => served.prompt, origin: (served) => served.origin }, (id, known) => `no prompt ${JSON.stringify(id)} in label ${label} of ${store.url} (${known.length ? `have: ${known.join(', ')}` : 'it has none'})`),
    lockFile: undefined,
    label,
    store: store.url,
    async close() {
      await loop.stop();
      if (ownsStore) await store.close().catch(() => undefined);
    },
  };
}

async function openByUrl(url: string, rootDir: string | undefined): Promise<RegistryStore> {
  // Imported here, so `loadPrompts({ dir })` never loads the store modules.
  const { openStore } = await import('../registry/open-store.js');
  return openStore(url, { rootDir: resolve(rootDir ?? process.cwd()) });
}

function isStore(value: unknown): value is RegistryStore {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.served === 'function' && typeof v.close === 'function' && typeof v.url === 'string';
}

interface ServingCallbacks {
  onError(error: Error): void;
  onRecover(message: string): void;
  onChange?(change: PromptChange): void;
}

/** A verified answer from the store: the prompts it serves, and those it refused (with why). */
interface Answer {
  fresh: Map<string, PromptFile>;
  refused: Map<string, { version: string; error: PromptgateError }>;
}

/**
 * The serving state machine: what is in service (`entries`), whether an outage has been
 * reported, which refusals and missing prompts have been reported (unit-tested through
 * loadPrompts with an in-memory store and a manual clock: test/runtime/store-load.test.ts).
 */
class StoreServing {
  readonly entries = new Map<string, Served>();
  /** An outage was reported and the store has not answered since. */
  private down = false;
  /** Refusals reported, by id: the version refused (reported once until the label moves). */
  private readonly refusedReported = new Map<string, string>();
  /** Ids the label no longer has, reported once (until the label has them again). */
  private readonly missingReported = new Set<string>();
  private readonly origin: PromptOrigin;
  private closed = false;
  private running: Promise<void> | undefined;
  private again = false;
  private listening = false;
  private resubscribing = false;
  private watchReported = false;
  private watchError: unknown;
  private timing: { refreshMs: number; clock: Clock; signal: AbortSignal } | undefined;
  private stopWatch: (() => Promise<void>) | undefined;

  constructor(private readonly store: RegistryStore, private readonly label: string, private readonly callbacks: ServingCallbacks) {
    this.origin = { label, store: store.url };
  }

  /** The first read: rejects when nothing can be served (see loadFromStore). */
  async start(fallback: { dir: string; lockFile?: string | false } | undefined): Promise<void> {
    let answer: Answer;
    try {
      answer = this.verify(await this.store.served(this.label));
    } catch (error) {
      const failure = this.storeFailure(error);
      if (!fallback) throw failure;
      const files = await readPromptFolder(fallback.dir, fallback.lockFile).catch((fallbackError: unknown) => {
        throw new PromptgateError(failure.code, `${failure.message}; the fallback ${fallback.dir} could not be read either: ${messageOf(fallbackError)}`, { cause: fallbackError });
      });
      for (const [id, prompt] of files.entries) this.entries.set(id, { prompt, origin: undefined });
      this.down = true;
      this.report(new PromptgateError(failure.code, `${failure.message}; serving the bundled prompt files of ${fallback.dir} until it answers`));
      return;
    }
    if (answer.refused.size > 0) {
      const files = fallback ? (await readPromptFolder(fallback.dir, fallback.lockFile)).entries : new Map<string, PromptFile>();
      for (const [id, { version, error }] of answer.refused) {
        const file = files.get(id);
        if (!file) throw new PromptgateError(error.code, `${error.message}${fallback ? `; the fallback ${fallback.dir} has no ${id}.prompt either` : ''}`, { hint: error.hint });
        this.entries.set(id, { prompt: file, origin: undefined });
        this.refusedReported.set(id, version);
        this.report(new PromptgateError(error.code, `${error.message}; serving the bundled ${file.path} (${id}@${file.version}) instead`, { hint: error.hint }));
      }
    }
    for (const [id, prompt] of answer.fresh) this.entries.set(id, { prompt, origin: this.origin });
  }

  /**
   * Refreshes every `refreshMs` of `clock`, and on the store's push (subscribed before it
   * resolves, where the store has one); `stop()` ends both.
   */
  async startRefreshing(refreshMs: number, clock: Clock): Promise<{ stop(): Promise<void> }> {
    const abort = new AbortController();
    this.timing = { refreshMs, clock, signal: abort.signal };
    void (async () => {
      for (;;) {
        try {
          await clock.sleep(refreshMs, abort.signal);
        } catch {
          return;
        }
        if (this.closed) return;
        await this.refresh();
      }
    })();
    if (this.store.watch) {
      // A move between the first read and the subscription is read right after it.
      if (await this.listen()) void this.refresh();
      else void this.resubscribe();
    }
    return {
      stop: async () => {
        this.closed = true;
        abort.abort();
        const stop = this.stopWatch;
        this.stopWatch = undefined;
        await stop?.().catch(() => undefined);
      },
    };
  }

  /** Reads the label again (one read at a time: a request during a read makes one more after it). Never rejects. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.refreshOnce();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async refreshOnce(): Promise<void> {
    let answer: Answer;
    try {
      answer = this.verify(await this.store.served(this.label));
    } catch (error) {
      if (this.closed || this.down) return;
      this.down = true;
      const failure = this.storeFailure(error);
      this.report(new PromptgateError(failure.code, `${failure.message}; still serving ${this.describeServing()}`));
      return;
    }
    if (this.closed) return;
    if (this.down) {
      this.down = false;
      this.notify(() => this.callbacks.onRecover(`registry store ${this.store.url} answers again; serving label ${this.label}`));
    }
    this.apply(answer);
    if (this.store.watch && !this.listening) void this.resubscribe();
  }

  /** Serves what an answer holds; reports what it refuses or no longer has. */
  private apply({ fresh, refused }: Answer): void {
    for (const [id, { version, error }] of refused) {
      if (this.refusedReported.get(id) === version) continue;
      this.refusedReported.set(id, version);
      const current = this.entries.get(id);
      const keeping = current ? `; still serving ${describe(current)}` : `; ${id} is not served`;
      this.report(new PromptgateError(error.code, error.message + keeping, { hint: error.hint }));
    }
    for (const [id, prompt] of fresh) {
      this.refusedReported.delete(id);
      this.missingReported.delete(id);
      const current = this.entries.get(id);
      if (current?.origin && current.prompt.hash === prompt.hash && current.prompt.version === prompt.version) continue;
      this.entries.set(id, { prompt, origin: this.origin });
      const change: PromptChange = {
        id, version: prompt.version, hash: prompt.hash, path: prompt.path,
        previous: current && { version: current.prompt.version, hash: current.prompt.hash },
        label: this.label, store: this.store.url,
      };
      if (this.callbacks.onChange) this.notify(() => this.callbacks.onChange!(change));
    }
    for (const [id, current] of this.entries) {
      if (fresh.has(id) || refused.has(id) || this.missingReported.has(id)) continue;
      this.missingReported.add(id);
      this.report(inputError('FILE_MISSING', `label ${this.label} of ${this.store.url} no longer has prompt ${id}; still serving ${describe(current)}`));
    }
  }

  /**
   * Checks the store's answer: its shape (else STORE_INVALID, like an unreachable store), and each
   * version against the label's pointer and its own content (else refused, REGISTRY_TAMPERED).
   */
  private verify(result: unknown): Answer {
    const invalid = (why: string) => new PromptgateError('STORE_INVALID', `registry store ${this.store.url} answered label ${this.label} with ${why}`);
    if (typeof result !== 'object' || result === null) throw invalid('no result');
    const { served, refused } = result as { served?: unknown; refused?: unknown };
    if (!Array.isArray(served) || !Array.isArray(refused)) throw invalid('a result of the wrong shape');
    const answer: Answer = { fresh: new Map(), refused: new Map() };
    for (const item of refused as unknown[]) {
      const r = item as { id?: unknown; version?: unknown; message?: unknown };
      if (typeof item !== 'object' || item === null || typeof r.id !== 'string' || typeof r.version !== 'string') throw invalid('a refused entry of the wrong shape');
      const name = `${shown(r.id)}@${shown(r.version)}`;
      const message = typeof r.message === 'string' ? shown(r.message) : 'refused by the store';
      const why = message.startsWith(name) ? message : `${name}: ${message}`;
      answer.refused.set(r.id, { version: r.version, error: new PromptgateError('REGISTRY_TAMPERED', `label ${this.label} of ${this.store.url}: refused ${why}`) });
    }
    for (const item of served as unknown[]) {
      const entry = item as Partial<ServedVersion>;
      const state = entry?.state;
      const version = entry?.version;
      if (typeof state !== 'object' || state === null || typeof version !== 'object' || version === null || typeof state.id !== 'string') {
        throw invalid('a served entry of the wrong shape');
      }
      const id = state.id;
      const name = `${shown(id)}@${shown(state.version)}`;
      try {
        if (state.label !== this.label) throw tampered(`${name} is labelled ${shown(state.label)}, not ${this.label}`);
        if (version.id !== id || version.version !== state.version || version.hash !== state.hash) {
          throw tampered(`label ${this.label} points to ${name} (${shown(state.hash)}) but the store returned ${shown(version.id)}@${shown(version.version)} (${shown(version.hash)})`);
        }
        verifyVersion(version, this.store.url);
        const prompt = parsePromptSource(version.source, typeof version.path === 'string' && version.path !== '' ? version.path : `${id}.prompt`);
        answer.fresh.set(id, prompt);
      } catch (error) {
        const refusal = isPromptgateError(error) ? error : tampered(messageOf(error));
        answer.refused.set(id, { version: String(state.version), error: new PromptgateError(refusal.code, `label ${this.label} of ${this.store.url}: refused ${refusal.message}`, { hint: refusal.hint }) });
      }
    }
    return answer;
  }

  /** Subscribes to the store's push (a label move refreshes at once); true when subscribed. */
  private async listen(): Promise<boolean> {
    if (!this.store.watch || this.closed) return false;
    if (this.listening) return true;
    this.listening = true;
    const subscription: { stop?: () => Promise<void> } = {};
    let stop: () => Promise<void>;
    try {
      stop = await this.store.watch(() => void this.refresh(), (error) => this.watchFailed(subscription.stop, error));
      subscription.stop = stop;
    } catch (error) {
      this.listening = false;
      this.watchError = error;
      return false;
    }
    if (!this.listening || this.closed) {
      // Closed, or it failed while subscribing (watchFailed took over): let it go.
      await stop().catch(() => undefined);
      return false;
    }
    this.stopWatch = stop;
    this.watchReported = false;
    return true;
  }

  private watchFailed(stop: (() => Promise<void>) | undefined, error: Error): void {
    if (!this.listening || this.closed) return;
    this.listening = false;
    if (this.stopWatch === stop) this.stopWatch = undefined;
    void stop?.().catch(() => undefined);
    this.watchError = error;
    void this.resubscribe();
  }

  /**
   * After the push subscription failed (a lost connection, a restarted database): reads the label
   * at once (so an outage is found and reported as one), then subscribes again, retrying after
   * 1 s, 2 s, 4 s … (at most `refreshMs`, at most 30 s) until it holds. Polling goes on meanwhile.
   */
  private async resubscribe(): Promise<void> {
    const timing = this.timing;
    if (this.resubscribing || !timing || !this.store.watch) return;
    this.resubscribing = true;
    try {
      for (let wait = MIN_REFRESH_MS; !this.closed; wait *= 2) {
        await this.refresh();
        if (this.closed || this.listening) return;
        if (!this.down) {
          if (await this.listen()) {
            void this.refresh(); // a move between the read and the subscription
            return;
          }
          this.reportWatch(this.watchError);
        }
        try {
          await timing.clock.sleep(Math.min(wait, timing.refreshMs, MAX_RESUBSCRIBE_MS), timing.signal);
        } catch {
          return;
        }
      }
    } finally {
      this.resubscribing = false;
    }
  }

  private reportWatch(error: unknown): void {
    if (this.closed || this.down || this.watchReported) return;
    this.watchReported = true;
    this.report(new PromptgateError('STORE_UNREACHABLE', `registry store ${this.store.url}: listening for label moves failed (${messageOf(error)}); still reading label ${this.label} on every refresh`));
  }

  private storeFailure(error: unknown): PromptgateError {
    const code: ErrorCode = isPromptgateError(error) && error.code.startsWith('STORE_') ? error.code : 'STORE_UNREACHABLE';
    let message = messageOf(error);
    if (message.startsWith(`${this.store.url}: `)) message = message.slice(this.store.url.length + 2);
    return new PromptgateError(code, `registry store ${this.store.url}: ${message} (label ${this.label})`, { cause: error });
  }

  private describeServing(): string {
    if (this.entries.size === 0) return 'nothing';
    return [...this.entries.values()].map(describe).sort().join(', ');
  }

  private report(error: Error): void {
    this.notify(() => this.callbacks.onError(error));
  }

  /** Runs an app callback: one that throws must not stop serving. */
  private notify(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      process.emitWarning(`promptgate: a loadPrompts callback threw: ${messageOf(error)}`, 'PromptgateWarning');
    }
  }
}

function describe({ prompt, origin }: Served): string {
  return `${prompt.id}@${prompt.version} (${prompt.hash}${origin ? '' : `, bundled ${prompt.path}`})`;
}

function tampered(message: string): PromptgateError {
  return new PromptgateError('REGISTRY_TAMPERED', message);
}

/**
 * A value from the store as shown in a message: control characters escaped (a store's answer is
 * not trusted, and warnings go to a terminal or a log).
 */
function shown(value: unknown): string {
  return escapeControlChars(String(value));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
