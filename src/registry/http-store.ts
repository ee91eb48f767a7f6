/**
 * The read-only HTTP store (`https://…`, or `http://` on a loopback host): the folder a file
 * store wrote, served by any static host or bucket, read with GET. For apps that must not hold
 * write credentials. Writes are STORE_READ_ONLY.
 */
import { PromptgateError } from '../errors.js';
import { checkRegistryFile, createLayoutReads, layoutPaths } from './layout.js';
import type { RegistryStore } from './types.js';

/** How long one GET may take before the store counts as unreachable. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A store reading the layout under `base` (a URL ending in `/`). No request is made until a read. */
export function openHttpStore(base: string): RegistryStore {
  const url = base;
  const unreachable = (message: string, cause?: unknown) =>
    new PromptgateError('STORE_UNREACHABLE', `${url}: ${message}`, { hint: 'the store is down or the URL is wrong', cause });

  const read = async (path: string): Promise<string | undefined> => {
    // Names are validated (names.ts) before they get here; encoding each segment keeps any reserved character literal.
    const target = new URL(path.split('/').map(encodeURIComponent).join('/'), base);
    let response: Response;
    try {
      response = await fetch(target, { redirect: 'follow', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw unreachable(`GET ${path} failed: ${cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))}`, error);
    }
    if (response.status === 404 && path !== layoutPaths.registry) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw unreachable(`GET ${path} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    try {
      return await response.text();
    } catch (error) {
      throw unreachable(`GET ${path} was cut short`, error);
    }
  };

  let checked = false;
  const ready = async () => {
    if (checked) return;
    const text = await read(layoutPaths.registry);
    checkRegistryFile(text ?? '', url);
    checked = true;
  };

  const readOnly = (): never => {
    throw new PromptgateError('STORE_READ_ONLY', `${url} is a read-only store`, { hint: 'publish and move labels through the store it is served from (file: or postgres://)' });
  };

  const reads = createLayoutReads(read, url, ready);
  return {
    kind: 'http',
    url,
    readOnly: true,
    getVersion: reads.getVersion,
    listVersions: reads.listVersions,
    history: reads.history,
    labels: reads.labels,
    served: reads.served,
    putVersion: async () => readOnly(),
    moveLabel: async () => readOnly(),
    async close() {},
  };
}
