/**
 * The PostgreSQL store (`postgres://user@host:port/db`), through node-postgres (`pg`, imported on
 * first use). The schema is created and migrated by promptgate (postgres-schema.ts). Label moves
 * run one at a time per database (a transaction-scoped advisory lock), so concurrent moves from any
 * number of processes are all recorded, in order, each with the right `previous`; each move
 * NOTIFYs `promptgate_labels`, which watch() LISTENs to on a connection of its own.
 */
import type { Pool, PoolClient } from 'pg';
import { PromptgateError } from '../errors.js';
import { compareText, labelEventOf, planMove } from './label-moves.js';
import { isPublishedVersion, sortSummaries, summaryOf } from './layout.js';
import { assertLabel, assertRegistryId, assertRegistryVersion } from './names.js';
import { LABELS_CHANNEL, migrate, MOVE_LOCK_KEY } from './postgres-schema.js';
import type { LabelEvent, PublishedVersion, RegistryStore } from './types.js';
import { immutable, resolveServed, verifyVersion } from './verify.js';

/** SQLSTATE classes and codes that mean the server cannot be used now (not a problem with the data). */
const UNREACHABLE_STATES = /^(08|28|3D000|57P0[1-3]|53300)/;
const UNREACHABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'ENOENT']);

interface EventRow {
  seq: string;
  id: string;
  label: string;
  version: string;
  hash: string;
  action: 'promote' | 'rollback';
  at: string;
  by: string;
  reason: string | null;
  previous_version: string | null;
  previous_hash: string | null;
}

interface VersionRow {
  id: string;
  version: string;
  hash: string;
  source: string;
  meta: Record<string, unknown>;
}

const EVENT_COLUMNS = 'seq, id, label, version, hash, action, at, by, reason, previous_version, previous_hash';
const VERSION_COLUMNS = 'id, version, hash, source, meta';

function eventOf(row: EventRow): LabelEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    label: row.label,
    version: row.version,
    hash: row.hash,
    action: row.action,
    at: row.at,
    by: row.by,
    ...(row.reason === null ? {} : { reason: row.reason }),
    previous: row.previous_version === null || row.previous_hash === null ? null : { version: row.previous_version, hash: row.previous_hash },
  };
}

/**
 * A store on the database `connectionUrl`; `url` is its display form (no password). Connects (and
 * migrates) on the first call, not here.
 */
export function openPostgresStore(connectionUrl: string, url: string): RegistryStore {
  const storeError = (error: unknown): Error => {
    if (error instanceof PromptgateError) return error;
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    const isDatabaseError = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
    if (
      (isDatabaseError && UNREACHABLE_STATES.test(code)) ||
      (typeof code === 'string' && UNREACHABLE_NODE_CODES.has(code)) ||
      /Connection terminated|timeout exceeded when trying to connect|connect ETIMEDOUT|Client has encountered a connection error/i.test(message)
    ) {
      return new PromptgateError('STORE_UNREACHABLE', `cannot reach ${url}: ${message || String(code)}`, { hint: 'is the database up, and the URL right?', cause: error });
    }
    if (isDatabaseError) return new PromptgateError('STORE_INVALID', `${url}: ${message} (SQLSTATE ${code})`, { cause: error });
    return error instanceof Error ? error : new Error(message);
  };

  let pool: Pool | undefined;
  let migrated: Promise<void> | undefined;

  const loadPg = async () => (await import('pg')).default;

  /** A pooled client of a migrated database. */
  const connect = async (): Promise<PoolClient> => {
    if (!pool) {
      const pg = await loadPg();
      pool = new pg.Pool({ connectionString: connectionUrl, max: 4, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
      // An idle client losing its server emits here; the next query reports it.
      pool.on('error', () => {});
    }
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw storeError(error);
    }
    if (!migrated) {
      migrated = migrate(client, url).catch((error: unknown) => {
        migrated = undefined;
        throw error;
      });
    }
    try {
      await migrated;
    } catch (error) {
      client.release();
      throw storeError(error);
    }
    return client;
  };

  /** Runs `body` with a client, mapping errors to store errors. */
  const using = async <T>(body: (client: PoolClient) => Promise<T>): Promise<T> => {
    const client = await connect();
    let broken: unknown;
    try {
      return await body(client);
    } catch (error) {
      broken = error;
      throw storeError(error);
    } finally {
      // A client whose connection failed is dropped, not returned to the pool.
      client.release(broken !== undefined && !(broken instanceof PromptgateError) ? (broken as Error) : undefined);
    }
  };

  const versionOf = (row: VersionRow): PublishedVersion => {
    const value = { id: row.id, version: row.version, hash: row.hash, ...row.meta, source: row.source };
    if (!isPublishedVersion(value)) throw new PromptgateError('STORE_INVALID', `${url}: the row of ${row.id}@${row.version} is not a published prompt version`);
    return value;
  };

  const selectVersion = async (client: PoolClient, id: string, version: string): Promise<PublishedVersion | undefined> => {
    const result = await client.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM promptgate_versions WHERE id = $1 AND version = $2`, [id, version]);
    return result.rows[0] && versionOf(result.rows[0]);
  };

  const currentStates = async (client: PoolClient, label?: string): Promise<LabelEvent[]> => {
    const result = await client.query<EventRow>(
      `SELECT DISTINCT ON (label, id) ${EVENT_COLUMNS} FROM promptgate_label_events WHERE $1::text IS NULL OR label = $1 ORDER BY label, id, seq DESC`,
      [label ?? null],
    );
    return result.rows.map(eventOf).sort((a, b) => compareText(a.label, b.label) || compareText(a.id, b.id));
  };

  return {
    kind: 'postgres',
    url,
    readOnly: false,

    async putVersion(version) {
      assertRegistryId(version.id);
      assertRegistryVersion(version.version);
      verifyVersion(version, url);
      const { id, version: semver, hash, source, ...rest } = version;
      return using(async (client) => {
        const inserted = await client.query(
          `INSERT INTO promptgate_versions (id, version, hash, source, meta) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id, version) DO NOTHING`,
          [id, semver, hash, source, JSON.stringify(rest)],
        );
        if (inserted.rowCount === 1) return 'created';
        const existing = await client.query<{ hash: string }>('SELECT hash FROM promptgate_versions WHERE id = $1 AND version = $2', [id, semver]);
        const stored = existing.rows[0];
        if (stored && stored.hash !== hash) throw immutable(version, stored, url);
        return 'unchanged';
      });
    },

    async getVersion(id, version) {
      assertRegistryId(id);
      assertRegistryVersion(version);
      const found = await using((client) => selectVersion(client, id, version));
      if (found) verifyVersion(found, url);
      return found;
    },

    async listVersions(id) {
      if (id !== undefined) assertRegistryId(id);
      const rows = await using(async (client) => {
        const result = await client.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM promptgate_versions WHERE $1::text IS NULL OR id = $1 ORDER BY seq`, [id ?? null]);
        return result.rows;
      });
      return sortSummaries(rows.map((row) => summaryOf(versionOf(row))));
    },

    async moveLabel(request) {
      assertRegistryId(request.id);
      assertLabel(request.label);
      if (request.to !== 'rollback') assertRegistryVersion(request.to.version);
      return using(async (client) => {
        await client.query('BEGIN');
        try {
          // One move at a time per database: each sees the one before it committed.
          await client.query('SELECT pg_advisory_xact_lock($1)', [MOVE_LOCK_KEY]);
          const mine = await client.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM promptgate_label_events WHERE id = $1 AND label = $2 ORDER BY seq`, [
            request.id,
            request.label,
          ]);
          const plan = await planMove(request, mine.rows.map(eventOf), async (version) => {
            const found = await selectVersion(client, request.id, version);
            if (found) verifyVersion(found, url);
            return found;
          }, url);
          const next = await client.query<{ seq: string }>('SELECT coalesce(max(seq), 0) + 1 AS seq FROM promptgate_label_events');
          const event = labelEventOf(Number(next.rows[0]?.seq), request, plan);
          await client.query(
            `INSERT INTO promptgate_label_events (${EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
            [event.seq, event.id, event.label, event.version, event.hash, event.action, event.at, event.by, request.reason ?? null, plan.previous?.version ?? null, plan.previous?.hash ?? null],
          );
          await client.query('SELECT pg_notify($1, $2)', [LABELS_CHANNEL, JSON.stringify({ seq: event.seq, id: event.id, label: event.label })]);
          await client.query('COMMIT');
          return event;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      });
    },

    async history(filter = {}) {
      if (filter.id !== undefined) assertRegistryId(filter.id);
      if (filter.label !== undefined) assertLabel(filter.label);
      return using(async (client) => {
        const result = await client.query<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM promptgate_label_events WHERE ($1::text IS NULL OR id = $1) AND ($2::text IS NULL OR label = $2) ORDER BY seq`,
          [filter.id ?? null, filter.label ?? null],
        );
        return result.rows.map(eventOf);
      });
    },

    async labels(label) {
      if (label !== undefined) assertLabel(label);
      return using((client) => currentStates(client, label));
    },

    async served(label) {
      assertLabel(label);
      return using(async (client) => {
        const states = (await currentStates(client, label)).sort((a, b) => compareText(a.id, b.id));
        const rows = await client.query<VersionRow>(
          `SELECT ${VERSION_COLUMNS} FROM promptgate_versions WHERE (id, version) IN (SELECT id, version FROM unnest($1::text[], $2::text[]) AS s(id, version))`,
          [states.map((state) => state.id), states.map((state) => state.version)],
        );
        const byKey = new Map(rows.rows.map((row) => [`${row.id}@${row.version}`, row]));
        return resolveServed(states, async (id, version) => {
          const row = byKey.get(`${id}@${version}`);
          return row && versionOf(row);
        }, url);
      });
    },

    async watch(onChange, onError) {
      const pg = await loadPg();
      const client = new pg.Client({ connectionString: connectionUrl, connectionTimeoutMillis: 10_000 });
      let stopped = false;
      client.on('notification', () => {
        if (!stopped) onChange();
      });
      client.on('error', (error) => {
        if (!stopped) onError(storeError(error));
      });
      client.on('end', () => {
        if (!stopped) onError(new PromptgateError('STORE_UNREACHABLE', `cannot reach ${url}: the connection listening for label moves closed`));
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${LABELS_CHANNEL}`);
      } catch (error) {
        stopped = true;
        await client.end().catch(() => {});
        throw storeError(error);
      }
      return async () => {
        stopped = true;
        await client.end().catch(() => {});
      };
    },

    async close() {
      const current = pool;
      pool = undefined;
      migrated = undefined;
      await current?.end();
    },
  };
}
