/**
 * The PostgreSQL store's schema, versioned: `promptgate_schema` records each migration applied,
 * and MIGRATIONS lists them in order. migrate() applies the missing ones in one transaction under
 * an advisory lock, so two processes opening the same new database at once migrate it once.
 */
import type { PoolClient } from 'pg';
import { PromptgateError } from '../errors.js';

/** Advisory lock keys (per database): schema migrations, and label moves (one at a time per store). */
export const MIGRATE_LOCK_KEY = 0x7067_6d69;
export const MOVE_LOCK_KEY = 0x7067_6c61;

/** The channel every label move NOTIFYs (payload: `{"seq","id","label"}`). */
export const LABELS_CHANNEL = 'promptgate_labels';

/** The migrations, oldest first; `version` counts from 1 without gaps. Never edit one that shipped: add the next. */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE promptgate_versions (
        id text NOT NULL,
        version text NOT NULL,
        hash text NOT NULL,
        source text NOT NULL,
        -- the rest of the PublishedVersion: path, commit, dirty, publishedAt, publishedBy, receipt, forced
        meta jsonb NOT NULL,
        -- publish order (listVersions: oldest first)
        seq bigint GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (id, version)
      );
      CREATE TABLE promptgate_label_events (
        -- store-wide, from 1, without gaps: assigned under the move lock (an identity column would
        -- leave a gap for every move whose transaction rolled back)
        seq bigint PRIMARY KEY,
        id text NOT NULL,
        label text NOT NULL,
        version text NOT NULL,
        hash text NOT NULL,
        action text NOT NULL CHECK (action IN ('promote', 'rollback')),
        at text NOT NULL,
        by text NOT NULL,
        reason text,
        previous_version text,
        previous_hash text,
        FOREIGN KEY (id, version) REFERENCES promptgate_versions (id, version)
      );
      CREATE INDEX promptgate_label_events_by_label ON promptgate_label_events (label, id, seq);
      CREATE FUNCTION promptgate_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'promptgate: % on % is refused: published versions and label history are never changed', TG_OP, TG_TABLE_NAME;
      END $$;
      CREATE TRIGGER promptgate_versions_immutable BEFORE UPDATE OR DELETE ON promptgate_versions
        FOR EACH ROW EXECUTE FUNCTION promptgate_refuse_change();
      CREATE TRIGGER promptgate_label_events_append_only BEFORE UPDATE OR DELETE ON promptgate_label_events
        FOR EACH ROW EXECUTE FUNCTION promptgate_refuse_change();
      CREATE TRIGGER promptgate_label_events_no_truncate BEFORE TRUNCATE ON promptgate_label_events
        FOR EACH STATEMENT EXECUTE FUNCTION promptgate_refuse_change();
    `,
  },
];

const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

/** The schema version a database is at (0: none), or undefined when promptgate_schema cannot be read. */
async function schemaVersion(client: PoolClient): Promise<number | undefined> {
  try {
    const result = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM promptgate_schema');
    return result.rows[0]?.version ?? 0;
  } catch {
    return undefined;
  }
}

/**
 * Brings the database to the latest schema. Up to date already: one SELECT (so a role that may
 * only read can use the store). Throws STORE_INVALID when the database is at a newer schema than
 * this promptgate knows.
 */
export async function migrate(client: PoolClient, where: string): Promise<void> {
  const seen = await schemaVersion(client);
  if (seen === LATEST) return;
  if (seen === undefined || seen < LATEST) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK_KEY]);
      await client.query('CREATE TABLE IF NOT EXISTS promptgate_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      // Read again under the lock: another process may have migrated while this one waited.
      const result = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM promptgate_schema');
      const current = result.rows[0]?.version ?? 0;
      if (current > LATEST) throw newerSchema(current, where);
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO promptgate_schema (version) VALUES ($1)', [migration.version]);
      }
      await client.query('COMMIT');
      return;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }
  throw newerSchema(seen, where);
}

function newerSchema(version: number, where: string): PromptgateError {
  return new PromptgateError('STORE_INVALID', `${where}: its promptgate schema is version ${version}, newer than this promptgate knows (${LATEST})`, {
    hint: 'upgrade promptgate',
  });
}
