/**
 * Opens a registry store from its URL: `file:<folder>` (relative to the project root),
 * `postgres://…` / `postgresql://…`, `https://…` (read-only), or `http://` on a loopback host.
 * Each store's module (and `pg`) is loaded only when its scheme is used.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PromptgateError } from '../errors.js';
import type { RegistryStore } from './types.js';

/** The store promptgate uses when none is given. */
export const DEFAULT_STORE_URL = 'file:./registry';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Opens the store `url` names. A URL naming no supported store is STORE_INVALID (naming it). No
 * I/O happens here for PostgreSQL and HTTP stores (an unreachable one fails on its first call,
 * STORE_UNREACHABLE); a file store's registry.json of another format is STORE_INVALID here.
 */
export async function openStore(url: string, options: { rootDir: string }): Promise<RegistryStore> {
  const text = url.trim();
  const bad = (why: string, hint = 'file:<folder>, postgres://user@host/db, or https://host/path/') =>
    new PromptgateError('STORE_INVALID', `store URL ${JSON.stringify(redact(text))} ${why}`, { hint });

  if (text.startsWith('file:')) {
    let path: string;
    try {
      path = text.startsWith('file://') ? fileURLToPath(text) : decodeURIComponent(text.slice('file:'.length));
    } catch {
      throw bad('is not a valid file URL');
    }
    if (path === '') throw bad('names no folder');
    const { openFileStore } = await import('./file-store.js');
    return openFileStore(isAbsolute(path) ? path : resolve(options.rootDir, path), text);
  }

  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw bad('is not a URL');
  }
  switch (parsed.protocol) {
    case 'postgres:':
    case 'postgresql:': {
      if (!parsed.hostname && !parsed.searchParams.get('host')) throw bad('names no host');
      const { openPostgresStore } = await import('./postgres-store.js');
      return openPostgresStore(text, displayPostgresUrl(parsed));
    }
    case 'https:':
    case 'http:': {
      if (parsed.protocol === 'http:' && !LOOPBACK_HOSTS.has(parsed.hostname)) throw bad('is plain http to another machine', 'use https');
      if (parsed.username || parsed.password) throw bad('holds credentials', 'an HTTP store is read anonymously: serve the folder without them');
      if (parsed.search || parsed.hash) throw bad('has a query or fragment', 'give the folder URL only');
      if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
      const { openHttpStore } = await import('./http-store.js');
      return openHttpStore(parsed.href);
    }
    default:
      throw bad('names no store promptgate supports');
  }
}

/** `postgres://user@host:port/db`: no password, no query (which may hold one). */
export function displayPostgresUrl(url: URL): string {
  const user = url.username ? `${url.username}@` : '';
  const host = url.host || url.searchParams.get('host') || '';
  return `${url.protocol}//${user}${host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** The URL with any password replaced by `***`, for messages about URLs that did not parse as a store. */
function redact(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
