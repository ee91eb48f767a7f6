import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isPromptgateError, loadPrompts, logCall, PromptgateError, traced, type PromptChange, type PromptRegistry } from '../../src/index.js';
import { parsePromptSource } from '../../src/prompts/index.js';
import type { LabelEvent, PublishedVersion, RegistryStore, ServedVersion } from '../../src/registry/types.js';
import type { CallRecord } from '../../src/run-record/types.js';
import { makeProject } from '../helpers/cli.js';
import { manualClock } from '../helpers/manual-clock.js';
import { summarizeSource } from './fixtures.js';

/**
 * The serving state machine of `loadPrompts({ store })`, driven through an in-memory store (the
 * RegistryStore interface, no database) and a manual clock: a refresh happens exactly when the
 * test moves the clock by `refreshMs`, or when the store pushes a move.
 */

const REFRESH = 5_000;
const GREET = '---\nversion: 0.3.0\n---\nHello {{name}}\n';

function published(source: string, id = 'summarize'): PublishedVersion {
  const path = `prompts/${id}.prompt`;
  const prompt = parsePromptSource(source, path);
  return {
    id: prompt.id, version: prompt.version, hash: prompt.hash, path, source: prompt.source, commit: null, dirty: false,
    publishedAt: '2026-01-01T00:00:00.000Z', publishedBy: 'test', receipt: null, forced: { reason: 'test' },
  };
}

/** A RegistryStore in memory: versions, one pointer per (label, id), and switches for failures. */
function memoryStore(options: { push?: boolean } = {}) {
  const versions = new Map<string, PublishedVersion>();
  const pointers = new Map<string, LabelEvent>();
  let seq = 0;
  const listeners = new Set<{ onChange: () => void; onError: (error: Error) => void }>();
  const state = {
    down: false,
    /** Replaces the answer of served() (something invalid). */
    garbage: undefined as unknown,
    reads: 0,
    closed: 0,
    watchFails: false,
  };
  const store: RegistryStore & typeof state & {
    add(version: PublishedVersion): void;
    point(label: string, id: string, version: string): void;
    drop(label: string, id: string): void;
    /** Changes a stored version's content without its hash (a tampered row). */
    tamper(id: string, version: string, source: string): void;
    push(): void;
    breakWatch(error: Error): void;
    listenerCount(): number;
  } = Object.assign(state, {
    kind: 'file' as const,
    url: 'file:./memory',
    readOnly: false,
    add(version: PublishedVersion) { versions.set(`${version.id}@${version.version}`, version); },
    point(label: string, id: string, version: string) {
      const v = versions.get(`${id}@${version}`)!;
      const previous = pointers.get(`${label}/${id}`);
      pointers.set(`${label}/${id}`, {
        seq: ++seq, id, label, version, hash: v.hash, action: 'promote', at: '2026-01-01T00:00:00.000Z', by: 'test',
        previous: previous ? { version: previous.version, hash: previous.hash } : null,
      });
    },
    drop(label: string, id: string) { pointers.delete(`${label}/${id}`); },
    tamper(id: string, version: string, source: string) { versions.set(`${id}@${version}`, { ...versions.get(`${id}@${version}`)!, source }); },
    push() { for (const l of listeners) l.onChange(); },
    breakWatch(error: Error) { for (const l of [...listeners]) l.onError(error); },
    listenerCount() { return listeners.size; },
    async putVersion() { return 'created' as const; },
    async getVersion() { return undefined; },
    async listVersions() { return []; },
    async moveLabel(): Promise<LabelEvent> { throw new Error('not used'); },
    async history() { return []; },
    async labels() { return []; },
    async served(label: string) {
      state.reads++;
      if (state.down) throw new PromptgateError('STORE_UNREACHABLE', 'file:./memory: connection refused');
      if (state.garbage !== undefined) return state.garbage as never;
      const served: ServedVersion[] = [];
      for (const pointer of pointers.values()) {
        if (pointer.label === label) served.push({ state: pointer, version: versions.get(`${pointer.id}@${pointer.version}`)! });
      }
      return { served, refused: [] };
    },
    async close() { state.closed++; },
  });
  if (options.push) {
    store.watch = async (onChange, onError) => {
      if (state.watchFails) throw new Error('LISTEN refused');
      const entry = { onChange, onError };
      listeners.add(entry);
      return async () => { listeners.delete(entry); };
    };
  }
  return store;
}

function collect() {
  const errors: Error[] = [];
  const changes: PromptChange[] = [];
  const recovered: string[] = [];
  return { errors, changes, recovered, onError: (e: Error) => void errors.push(e), onChange: (c: PromptChange) => void changes.push(c), onRecover: (m: string) => void recovered.push(m) };
}

let open: PromptRegistry | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function serve(store: RegistryStore, extra: Partial<Parameters<typeof loadPrompts>[0]> = {}) {
  const clock = manualClock();
  const events = collect();
  open = await loadPrompts({ store, label: 'production', refreshMs: REFRESH, clock, onError: events.onError, onChange: events.onChange, onRecover: events.onRecover, ...extra } as Parameters<typeof loadPrompts>[0]);
  return { prompts: open, clock, ...events };
}

/** A store with summarize 1.0.0 and 1.1.0 published and production on 1.0.0. */
function seeded(options: { push?: boolean } = {}) {
  const store = memoryStore(options);
  store.add(published(summarizeSource('1.0.0')));
  store.add(published(summarizeSource('1.1.0', 'temperature: 0', 'Summarize briefly: {{text}}')));
  store.add(published(GREET, 'greet'));
  store.point('production', 'summarize', '1.0.0');
  store.point('production', 'greet', '0.3.0');
  return store;
}

async function rejection(promise: Promise<unknown>): Promise<PromptgateError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(isPromptgateError(error)).toBe(true);
  return error as PromptgateError;
}

describe('loadPrompts({ store })', () => {
  it('serves the versions the label points to, and every logged call names the label and the store', async () => {
    const store = seeded();
    store.add(published(GREET.replace('0.3.0', '0.4.0'), 'greet'));
    store.point('staging', 'greet', '0.4.0');
    const { prompts } = await serve(store);
    expect(prompts.ids()).toEqual(['greet', 'summarize']);
    expect(prompts).toMatchObject({ label: 'production', store: 'file:./memory', lockFile: undefined });
    const summarize = prompts.get('summarize');
    expect(summarize).toMatchObject({ id: 'summarize', version: '1.0.0', path: 'prompts/summarize.prompt', label: 'production', store: 'file:./memory' });
    expect(prompts.get('greet').version).toBe('0.3.0');
    expect(() => prompts.get('nope')).toThrowError(/no prompt "nope" in label production of file:\.\/memory \(have: greet, summarize\)/);

    const records: CallRecord[] = [];
    const fake = { chat: { completions: { create: async (_params: object) => ({ model: 'm-1', choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] }) } } };
    await traced(fake, { sink: (r) => void records.push(r) }).chat.completions.create({ ...summarize.openai({ text: 'x' }), model: 'm' });
    logCall({ messages: summarize.render({ text: 'y' }), provider: 'mistral', model: 'm' }, { sink: (r) => void records.push(r) });
    logCall({ prompt: { id: 'greet', version: '0.3.0', hash: 'abc', label: 'production', store: 'file:./memory' }, provider: 'mistral', model: 'm' }, { sink: (r) => void records.push(r) });
    for (const record of records) expect(record).toMatchObject({ promptLabel: 'production', promptStore: 'file:./memory' });
    expect(records[0]).toMatchObject({ promptId: 'summarize', promptVersion: '1.0.0', promptHash: summarize.hash });

    // The dir form sets neither.
    const dir = await makeProject({ 'prompts/summarize.prompt': summarizeSource('1.0.0') });
    const local = (await loadPrompts({ dir: join(dir, 'prompts') })).get('summarize');
    expect(local).toMatchObject({ label: undefined, store: undefined });
    const plain = logCall({ messages: local.render({ text: 'z' }), provider: 'mistral', model: 'm' }, { sink: () => undefined })!;
    expect(Object.keys(plain)).not.toContain('promptLabel');
    expect(Object.keys(plain)).not.toContain('promptStore');
  });

  it('serves a newly promoted version at the next refresh, through the handles it already gave out', async () => {
    const store = seeded();
    const { prompts, clock, changes, errors } = await serve(store);
    const handle = prompts.get('summarize');
    const before = handle.hash;
    store.point('production', 'summarize', '1.1.0');
    await clock.advance(REFRESH - 1);
    expect(handle.version).toBe('1.0.0');
    await clock.advance(1);
    expect(handle.version).toBe('1.1.0');
    expect(handle.render({ text: 'x' }).at(-1)?.content).toBe('Summarize briefly: x');
    expect(handle.openai({ text: 'x' })).toMatchObject({ temperature: 0 });
    expect(changes).toEqual([{ id: 'summarize', version: '1.1.0', hash: handle.hash, path: 'prompts/summarize.prompt', previous: { version: '1.0.0', hash: before }, label: 'production', store: 'file:./memory' }]);
    await clock.advance(REFRESH * 3);
    expect(changes).toHaveLength(1); // an unchanged label is no change
    expect(errors).toEqual([]);
  });

  it('keeps serving the last good versions while the store is down, with one warning per outage', async () => {
    const store = seeded();
    const { prompts, clock, errors, recovered, changes } = await serve(store);
    store.down = true;
    const readsBefore = store.reads;
    await clock.advance(REFRESH * 4);
    expect(store.reads - readsBefore).toBe(4);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'STORE_UNREACHABLE' });
    expect(errors[0].message).toMatch(/^registry store file:\.\/memory: connection refused \(label production\); still serving greet@0\.3\.0 \(\w+\), summarize@1\.0\.0 \(\w+\)$/);
    expect(prompts.get('summarize').render({ text: 'x' }).at(-1)?.content).toBe('Summarize in one line: x');

    store.down = false;
    store.point('production', 'summarize', '1.1.0');
    await clock.advance(REFRESH);
    expect(recovered).toEqual(['registry store file:./memory answers again; serving label production']);
    expect(prompts.get('summarize').version).toBe('1.1.0');
    expect(changes.map((c) => c.version)).toEqual(['1.1.0']);

    // A second outage is a second warning.
    store.down = true;
    await clock.advance(REFRESH * 2);
    expect(errors).toHaveLength(2);
    expect(errors[1].message).toContain('still serving greet@0.3.0');
  });

  it('treats an answer of the wrong shape as an outage (STORE_INVALID), once', async () => {
    const store = seeded();
    const { prompts, clock, errors } = await serve(store);
    store.garbage = { served: 'nope' };
    await clock.advance(REFRESH * 3);
    store.garbage = { served: [{ state: null, version: {} }], refused: [] };
    await clock.advance(REFRESH);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'STORE_INVALID', message: expect.stringContaining('answered label production with a result of the wrong shape') });
    expect(prompts.get('summarize').version).toBe('1.0.0');
  });

  it('refuses a tampered version (once), keeps the last good one, and serves the next good promote', async () => {
    const store = seeded();
    store.add(published(summarizeSource('1.2.0')));
    const { prompts, clock, errors, changes } = await serve(store);
    store.tamper('summarize', '1.2.0', summarizeSource('1.2.0', 'temperature: 2'));
    store.point('production', 'summarize', '1.2.0');
    await clock.advance(REFRESH * 3);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'REGISTRY_TAMPERED' });
    expect(errors[0].message).toMatch(/refused summarize@1\.2\.0 in file:\.\/memory: its content hashes to \w+, not to the recorded \w+; still serving summarize@1\.0\.0/);
    expect(prompts.get('summarize').version).toBe('1.0.0');
    expect(changes).toEqual([]);

    store.point('production', 'summarize', '1.1.0');
    await clock.advance(REFRESH);
    expect(prompts.get('summarize').version).toBe('1.1.0');
    expect(errors).toHaveLength(1);
  });

  it('refuses what the store itself refused, and an answer whose version does not match the pointer', async () => {
    const store = seeded();
    const { prompts, clock, errors } = await serve(store);
    const good = await store.served('production');
    const summarize = good.served.find((s) => s.state.id === 'summarize')!;
    store.garbage = {
      served: [{ state: { ...summarize.state, hash: 'ffffffffffff' }, version: summarize.version }],
      refused: [{ id: 'greet', version: '0.9.0', message: 'greet@0.9.0 in file:./memory: its content hashes to 1, not to the recorded 2\u001b[2J' }],
    };
    await clock.advance(REFRESH);
    expect(errors.map((e) => (e as PromptgateError).code)).toEqual(['REGISTRY_TAMPERED', 'REGISTRY_TAMPERED']);
    expect(errors.map((e) => e.message).join('\n')).toContain('label production of file:./memory: refused greet@0.9.0 in file:./memory: its content hashes to 1, not to the recorded 2\\x1b[2J; still serving greet@0.3.0');
    expect(errors.map((e) => e.message).join('\n')).toMatch(/label production points to summarize@1\.0\.0 \(ffffffffffff\) but the store returned summarize@1\.0\.0 \(\w+\); still serving summarize@1\.0\.0/);
    expect(prompts.ids()).toEqual(['greet', 'summarize']);
  });

  it('keeps serving a prompt the label no longer has, with one warning', async () => {
    const store = seeded();
    const { prompts, clock, errors } = await serve(store);
    store.drop('production', 'greet');
    await clock.advance(REFRESH * 3);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/^label production of file:\.\/memory no longer has prompt greet; still serving greet@0\.3\.0/);
    expect(prompts.get('greet').version).toBe('0.3.0');
    store.point('production', 'greet', '0.3.0');
    await clock.advance(REFRESH);
    store.drop('production', 'greet');
    await clock.advance(REFRESH);
    expect(errors).toHaveLength(2); // it came back, then went again
  });

  it('a cold start with the store down rejects STORE_UNREACHABLE, or serves the fallback files until the store answers', async () => {
    const store = seeded();
    store.down = true;
    const error = await rejection(loadPrompts({ store, refreshMs: REFRESH, clock: manualClock() }));
    expect(error.code).toBe('STORE_UNREACHABLE');
    expect(error.message).toContain('(label production)');

    const dir = await makeProject({ 'prompts/summarize.prompt': summarizeSource('0.9.0'), 'prompts/extra.prompt': GREET });
    const { prompts, clock, errors, changes, recovered } = await serve(store, { fallback: { dir: join(dir, 'prompts') } });
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/connection refused \(label production\); serving the bundled prompt files of .*prompts until it answers$/);
    const handle = prompts.get('summarize');
    expect(handle).toMatchObject({ version: '0.9.0', label: undefined, store: undefined });
    expect(logCall({ messages: handle.render({ text: 'x' }), provider: 'p', model: 'm' }, { sink: () => undefined })).not.toHaveProperty('promptLabel');
    await clock.advance(REFRESH * 2);
    expect(errors).toHaveLength(1);

    store.down = false;
    await clock.advance(REFRESH);
    expect(recovered).toHaveLength(1);
    expect(handle).toMatchObject({ version: '1.0.0', label: 'production', store: 'file:./memory' });
    expect(changes.map((c) => `${c.id}@${c.version} from ${c.previous?.version ?? '-'}`).sort()).toEqual(['greet@0.3.0 from -', 'summarize@1.0.0 from 0.9.0']);
    // The bundled `extra` is not in the label: still served, and said once.
    expect(prompts.ids()).toEqual(['extra', 'greet', 'summarize']);
    expect(errors.slice(1).map((e) => e.message)).toEqual([expect.stringMatching(/no longer has prompt extra; still serving extra@0\.3\.0 \(\w+, bundled prompts\/extra\.prompt\)/)]);
  });

  it('a cold start with a refused version rejects REGISTRY_TAMPERED, unless the fallback has that prompt', async () => {
    const store = seeded();
    store.tamper('summarize', '1.0.0', summarizeSource('1.0.0', 'temperature: 2'));
    const error = await rejection(loadPrompts({ store, refreshMs: REFRESH, clock: manualClock() }));
    expect(error.code).toBe('REGISTRY_TAMPERED');
    expect(error.message).toContain('summarize@1.0.0');

    const dir = await makeProject({ 'prompts/summarize.prompt': summarizeSource('0.9.0') });
    const { prompts, errors } = await serve(store, { fallback: { dir: join(dir, 'prompts') } });
    expect(prompts.get('summarize')).toMatchObject({ version: '0.9.0', label: undefined });
    expect(prompts.get('greet')).toMatchObject({ version: '0.3.0', label: 'production' });
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/summarize@1\.0\.0 .*; serving the bundled prompts\/summarize\.prompt \(summarize@0\.9\.0\) instead$/)]);
  });

  it('with a store that pushes label moves, serves a move at once, and subscribes again after losing the push', async () => {
    const store = seeded({ push: true });
    const { prompts, clock, errors, recovered } = await serve(store);
    expect(store.listenerCount()).toBe(1);
    store.point('production', 'summarize', '1.1.0');
    store.push();
    await clock.advance(0); // no time passes: only the pushed refresh runs
    expect(prompts.get('summarize').version).toBe('1.1.0');

    // The push connection is lost and cannot be made again, while the store still answers reads.
    store.watchFails = true;
    store.breakWatch(new Error('connection terminated'));
    expect(store.listenerCount()).toBe(0);
    await clock.advance(0);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('listening for label moves failed (LISTEN refused); still reading label production on every refresh')]);
    await clock.advance(REFRESH * 3);
    expect(errors).toHaveLength(1); // said once, retried quietly
    store.watchFails = false;
    store.point('production', 'summarize', '1.0.0');
    await clock.advance(REFRESH);
    expect(store.listenerCount()).toBe(1);
    expect(prompts.get('summarize').version).toBe('1.0.0');

    // The database goes away: the lost push is read as an outage at once (one warning, not a
    // push warning); it is subscribed again at the next retry (1 s, 2 s, 4 s …, at most refreshMs).
    store.down = true;
    store.breakWatch(new Error('terminating connection due to administrator command'));
    await clock.advance(0);
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatchObject({ code: 'STORE_UNREACHABLE', message: expect.stringContaining('connection refused (label production); still serving') });
    await clock.advance(REFRESH * 2);
    store.down = false;
    store.point('production', 'summarize', '1.1.0');
    await clock.advance(REFRESH);
    expect(recovered).toHaveLength(1);
    expect(store.listenerCount()).toBe(1);
    expect(prompts.get('summarize').version).toBe('1.1.0');
    expect(errors).toHaveLength(2);
    await open!.close();
    expect(store.listenerCount()).toBe(0);
  });

  it('stops refreshing on close(), and closes only a store it opened', async () => {
    const store = seeded();
    const { prompts, clock } = await serve(store);
    const reads = store.reads;
    await prompts.close();
    await clock.advance(REFRESH * 3);
    expect(store.reads).toBe(reads);
    expect(store.closed).toBe(0);
  });

  it('refuses bad options: both dir and store, a bad label, a refresh below the floor', async () => {
    const store = seeded();
    expect((await rejection(loadPrompts({ store, dir: 'prompts' } as never))).code).toBe('USAGE');
    expect((await rejection(loadPrompts({ store, label: 'Production' }))).message).toContain('label "Production" is not a valid label name');
    expect((await rejection(loadPrompts({ store, refreshMs: 10 }))).message).toContain('refreshMs must be a number of ms, at least 1000');
    expect((await rejection(loadPrompts({ store: 'ftp://x' }))).code).toBe('STORE_INVALID');
    expect(store.reads).toBe(0);
  });
});
