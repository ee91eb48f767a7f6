/**
 * The folder store (`file:./registry`, the default): the layout of layout.ts on disk. Every
 * read-modify-write holds one lock on the folder (proper-lockfile: a lock directory, safe across
 * processes, taken over when its holder died), and every file is written to a temporary name and
 * renamed over the old one, so readers (other processes, a static host serving the folder) see a
 * whole old file or a whole new one. history.jsonl is only appended to.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, truncate, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PromptgateError } from '../errors.js';
import { currentPointers, labelEventOf, planMove } from './label-moves.js';
import { checkRegistryFile, createLayoutReads, type LabelFile, layoutPaths, parseIndexFile, registryFileText, summaryOf } from './layout.js';
import { assertLabel, assertRegistryId, assertRegistryVersion } from './names.js';
import type { LabelEvent, PublishedVersion, RegistryStore } from './types.js';
import { immutable, verifyVersion } from './verify.js';

/**
 * A store on the folder `dir` (absolute); `url` is how it is shown (`file:./registry`). A folder
 * without registry.json yet is fine until something is read: the first write creates it. Throws
 * STORE_INVALID when registry.json is of another format.
 */
export async function openFileStore(dir: string, url: string): Promise<RegistryStore> {
  const unreachable = (what: string, error: unknown) =>
    new PromptgateError('STORE_UNREACHABLE', `${url}: cannot ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });

  const read = async (path: string): Promise<string | undefined> => {
    try {
      return await readFile(join(dir, path), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw unreachable(`read ${path}`, error);
    }
  };

  let checked = false;
  const checkFormat = async (): Promise<boolean> => {
    if (checked) return true;
    const text = await read(layoutPaths.registry);
    if (text === undefined) return false;
    checkRegistryFile(text, url);
    checked = true;
    return true;
  };
  const ready = async () => {
    if (!(await checkFormat())) {
      throw new PromptgateError('STORE_UNREACHABLE', `${url}: no registry in ${dir}`, { hint: 'nothing has been published to it yet: promptgate publish --store <url>' });
    }
  };
  await checkFormat();

  const reads = createLayoutReads(read, url, ready);

  const write = async (path: string, text: string) => {
    const file = join(dir, path);
    const temp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(temp, text);
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw unreachable(`write ${path}`, error);
    }
  };

  /** Runs `body` holding the folder's lock, after making the folder and its registry.json when missing. */
  const locked = async <T>(body: () => Promise<T>): Promise<T> => {
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw unreachable(`create ${dir}`, error);
    }
    // The default export (module.exports): the CLI bundle's code-split chunk of this CommonJS package has no named exports.
    const { default: lockfile } = await import('proper-lockfile');
    let compromised: Error | undefined;
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(dir, {
        lockfilePath: join(dir, '.lock'),
        // A holder that died leaves the lock directory: it is taken over once not refreshed for 10 s.
        stale: 10_000,
        update: 2_000,
        retries: { retries: 400, factor: 1.3, minTimeout: 2, maxTimeout: 50, randomize: true },
        onCompromised: (error) => {
          compromised = error;
        },
      });
    } catch (error) {
      throw unreachable('lock the store (another process holds it)', error);
    }
    try {
      if (!(await checkFormat())) await write(layoutPaths.registry, registryFileText());
      const result = await body();
      if (compromised) throw unreachable('keep the store locked', compromised);
      return result;
    } finally {
      await release().catch(() => {});
    }
  };

  const appendEvent = async (event: LabelEvent) => {
    const file = join(dir, layoutPaths.history);
    try {
      // A line cut short by a crash is not an event (parseHistoryFile skips it): drop it before appending.
      const text = await readFile(file, 'utf8').catch(() => '');
      if (text !== '' && !text.endsWith('\n')) await truncate(file, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
      await appendFile(file, `${JSON.stringify(event)}\n`);
    } catch (error) {
      throw unreachable(`append to ${layoutPaths.history}`, error);
    }
  };

  const indexVersion = async (version: PublishedVersion) => {
    const text = await read(layoutPaths.index);
    const list = text === undefined ? [] : parseIndexFile(text, url);
    if (list.some((item) => item.id === version.id && item.version === version.version)) return;
    list.push(summaryOf(version));
    await write(layoutPaths.index, `${JSON.stringify(list, null, 2)}\n`);
  };

  return {
    kind: 'file',
    url,
    readOnly: false,
    ...reads,

    async putVersion(version) {
      assertRegistryId(version.id);
      assertRegistryVersion(version.version);
      verifyVersion(version, url);
      return locked(async () => {
        const existing = await reads.readRawVersion(version.id, version.version);
        if (existing && existing.hash !== version.hash) throw immutable(version, existing, url);
        // Written before the index: a crash in between leaves a version the next put indexes.
        if (!existing) await write(layoutPaths.version(version.id, version.version), `${JSON.stringify(version, null, 2)}\n`);
        await indexVersion(existing ?? version);
        return existing ? 'unchanged' : 'created';
      });
    },

    async moveLabel(request) {
      assertRegistryId(request.id);
      assertLabel(request.label);
      if (request.to !== 'rollback') assertRegistryVersion(request.to.version);
      // Only a publish creates the registry: a move on a folder without one makes nothing.
      await ready();
      return locked(async () => {
        const events = await reads.readHistory();
        const mine = events.filter((event) => event.id === request.id && event.label === request.label);
        const plan = await planMove(request, mine, async (version) => {
          const found = await reads.readRawVersion(request.id, version);
          if (found) verifyVersion(found, url);
          return found;
        }, url);
        const event = labelEventOf(events.length + 1, request, plan);
        await appendEvent(event);
        // The label file is rebuilt from the whole history, so one a crash left stale is repaired too.
        const prompts = Object.fromEntries(currentPointers([...events, event].filter((item) => item.label === request.label)).map((state) => [state.id, state]));
        const labelFile: LabelFile = { label: request.label, seq: event.seq, prompts };
        await write(layoutPaths.label(request.label), `${JSON.stringify(labelFile, null, 2)}\n`);
        return event;
      });
    },

    async close() {},
  };
}
