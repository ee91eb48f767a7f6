/**
 * A real PostgreSQL server for the tests: a throwaway cluster (initdb + pg_ctl in a temp folder,
 * on a free port, fsync off), started once per vitest run by postgres-setup.ts (globalSetup), and
 * one fresh database per test file or test with createTestDatabase(). No mock database.
 *
 * As root (CI, these machines) the server runs as the `postgres` user (else `nobody`): initdb
 * refuses root. Binaries are found on PATH or in /usr/lib/postgresql/<version>/bin (Debian).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { scratchBase } from './temp-root.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway server's superuser URL (database `postgres`); up once postgresServer() resolves. */
    postgresUrl: string;
    /** A file that says `ready` once the server is up, or why it could not start (postgresServer() waits for it). */
    postgresStatusFile: string;
  }
}

const run = promisify(execFile);

/** The folder holding initdb, pg_ctl and postgres, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian)
    .filter((name) => existsSync(join(debian, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(debian, versions[0], 'bin');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The uid and gid to run the server as: ours, or as root the `postgres` user (else `nobody`). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as (initdb refuses root)');
}

/**
 * Starts a throwaway cluster; `url` is its superuser URL (`postgres://postgres@127.0.0.1:<port>/postgres`,
 * no password: trust auth on loopback only). `stop()` stops it and removes its folder.
 * Throws a message naming what to install when PostgreSQL is missing.
 */
export async function startPostgres(port?: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error("PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin): install Debian's `postgresql` package (.ci/run does)");
  }
  const user = serverUser();
  // As root the folder must be reachable by the server's user: /tmp and /dev/shm are; the run's own temp root is not (0700).
  const dir = mkdtempSync(join(user ? scratchBase('/tmp') : tmpdir(), 'pgt-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const options = { ...(user ?? {}), cwd: dir, env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } };
  port ??= await freePort();
  const log = join(dir, 'server.log');
  try {
    await run(join(bin, 'initdb'), ['-D', data, '--auth=trust', '--username=postgres', '--no-sync', '--encoding=UTF8', '--locale=C', '--no-instructions'], options);
    const serverOptions = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses='127.0.0.1'",
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    await run(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '60', '-l', log, '-o', serverOptions], options);
  } catch (error) {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`could not start PostgreSQL from ${bin}: ${error instanceof Error ? error.message : String(error)}\n${stderr}\n${serverLog}`);
  }
  // pg_ctl leaves the server running on its own: should this process die without stopping it, a
  // watchdog reading our end of a pipe sees it close, stops the server and removes its folder.
  const watchdog = spawn('sh', ['-c', 'read _; "$0" stop -D "$1" -m immediate; rm -rf "$2"', join(bin, 'pg_ctl'), data, dir], {
    ...options,
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      watchdog.kill();
      await run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w'], options).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The run's server URL once it is up, or a clear failure when it could not start (PostgreSQL
 * missing): tests fail, never skip. postgres-setup.ts starts the server while the first tests
 * already run, and writes `ready` or the error to the status file it provides when it knows.
 */
export async function postgresServer(): Promise<string> {
  const url = inject('postgresUrl');
  const statusFile = inject('postgresStatusFile');
  if (!url || !statusFile) throw new Error('no PostgreSQL server for the tests: test/helpers/postgres-setup.ts is not in vitest globalSetup');
  for (;;) {
    const status = existsSync(statusFile) ? readFileSync(statusFile, 'utf8') : '';
    if (status === 'ready') return url;
    if (status !== '') throw new Error(`no PostgreSQL server for the tests: ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function query(url: string, sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database on the run's server (postgres-setup.ts); returns its URL
 * (`postgres://postgres@127.0.0.1:<port>/t_<random>`). About 0.3 s each: for a test that needs a
 * whole database to itself (a first migration, LISTEN/NOTIFY, advisory locks); else use
 * createTestSchema().
 */
export async function createTestDatabase(): Promise<string> {
  const server = await postgresServer();
  const name = `t_${randomBytes(6).toString('hex')}`;
  // FILE_COPY: about twice as fast as the default WAL_LOG on a server with fsync off.
  await query(server, `CREATE DATABASE ${name} STRATEGY = FILE_COPY`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.href;
}

let sharedDatabase: Promise<string> | undefined;

/**
 * A fresh, empty schema in a database this test worker shares (made once per worker); returns a
 * URL whose connections use it (`?options=-c search_path=s_<random>`), so a store opened on it
 * starts empty. About 1 ms each. Test files run one at a time per worker; the database's
 * NOTIFY channel and advisory locks are shared by the schemas in it.
 */
export async function createTestSchema(): Promise<string> {
  sharedDatabase ??= createTestDatabase();
  const database = await sharedDatabase;
  const name = `s_${randomBytes(6).toString('hex')}`;
  await query(database, `CREATE SCHEMA ${name}`);
  const url = new URL(database);
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.href;
}
