/**
 * vitest globalSetup: one throwaway PostgreSQL server for the whole run (startPostgres), its URL
 * provided as `postgresUrl` (tests take a fresh database with createTestDatabase()). The server
 * starts in the background while the first test files run (initdb takes a second or two, which
 * every vitest run would otherwise wait for): `postgresStatusFile` says `ready` once it is up, or
 * why it could not start, and postgresServer() waits for it -- the tests that need PostgreSQL fail
 * with that message, never skip. vitest runs globalSetup once per project: the first starts the
 * server, the others provide the same URL.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, startPostgres } from './postgres.js';

interface Started {
  url: string;
  statusFile: string;
  server: Promise<{ stop: () => Promise<void> } | undefined>;
}
// On globalThis, not in a module variable: each project may load this module afresh.
const shared = globalThis as { promptgateTestPostgres?: Promise<Started> };

async function start(): Promise<Started> {
  const port = await freePort();
  const statusFile = join(mkdtempSync(join(tmpdir(), 'pgt-status-')), 'status');
  const server = startPostgres(port).then(
    (started) => {
      writeFileSync(statusFile, 'ready');
      return started;
    },
    (error: unknown) => {
      writeFileSync(statusFile, error instanceof Error ? error.message : String(error));
      return undefined;
    },
  );
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, statusFile, server };
}

export default async function setupPostgres(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const first = shared.promptgateTestPostgres === undefined;
  shared.promptgateTestPostgres ??= start();
  const { url, statusFile, server } = await shared.promptgateTestPostgres;
  project.provide('postgresUrl', url);
  project.provide('postgresStatusFile', statusFile);
  return first ? async () => (await server)?.stop() : undefined;
}
