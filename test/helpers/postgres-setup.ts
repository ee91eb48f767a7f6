/**
 * vitest globalSetup: one throwaway PostgreSQL server for the whole run (startPostgres), its URL
 * provided as `postgresUrl` (tests take a fresh database with createTestDatabase()). vitest runs
 * globalSetup once per project: the first starts the server, the others provide the same URL. When
 * PostgreSQL cannot start, `postgresError` says why and the tests that need it fail with it.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

type Started = Promise<{ url: string; error: string; stop?: () => Promise<void> }>;
// On globalThis, not in a module variable: each project may load this module afresh.
const shared = globalThis as { promptgateTestPostgres?: Started };

export default async function setupPostgres(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const first = shared.promptgateTestPostgres === undefined;
  shared.promptgateTestPostgres ??= startPostgres().then(
    (server) => ({ url: server.url, error: '', stop: server.stop }),
    (error: unknown) => ({ url: '', error: error instanceof Error ? error.message : String(error) }),
  );
  const server = await shared.promptgateTestPostgres;
  project.provide('postgresUrl', server.url);
  project.provide('postgresError', server.error);
  return first ? async () => server.stop?.() : undefined;
}
