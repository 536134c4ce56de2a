import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrationsFolder } from '../../src/store/migrations';
import { openStore } from '../../src/store/open-store';
import { LINEAGE_TABLES } from '../../src/store/schema';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { DRIVERS } from '../support/stores';

/** The migrations folder as it was before exact producers: the journal's first five entries. */
function foldersUpTo0004(): string {
  const folder = mkdtempSync(join(tmpdir(), 'lineage-0004-'));
  cpSync(migrationsFolder(), folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  journal.entries = journal.entries.filter((e) => e.tag < '0005');
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

/**
 * Rows as the schema of migration 0004 takes them. Run tree 1 (root run 1 and its child run 2):
 * `a` outputs value X and ends at 10:00, `b` (child run) outputs X at 10:05, `c` reads X at
 * 10:10, `late` outputs X at 10:20 (after c started). Run tree 3: `d` reads X with no producer
 * in its own tree.
 */
const OLD_ROWS = `
  insert into contexts (id, type, name, status, root_id) overriding system value values
    (1, 'run', 'wf/1', 'COMPLETED', null), (2, 'run', 'child/2', 'COMPLETED', 1), (3, 'run', 'other/3', 'COMPLETED', null);
  insert into parent_contexts (child_id, parent_id) values (2, 1);
  insert into executions (id, workflow_id, run_id, activity_id, attempt, activity_type, task_queue, state,
      started_at, ended_at, input_digest) overriding system value values
    (11, 'wf', '1', 'a', 1, 'make', 'q', 'COMPLETE', '2026-01-01T10:00:00Z', '2026-01-01T10:00:00Z', 'i'),
    (12, 'child', '2', 'b', 1, 'make', 'q', 'COMPLETE', '2026-01-01T10:04:00Z', '2026-01-01T10:05:00Z', 'i'),
    (13, 'wf', '1', 'c', 1, 'use', 'q', 'COMPLETE', '2026-01-01T10:10:00Z', '2026-01-01T10:11:00Z', 'i'),
    (14, 'wf', '1', 'late', 1, 'make', 'q', 'COMPLETE', '2026-01-01T10:19:00Z', '2026-01-01T10:20:00Z', 'i'),
    (15, 'other', '3', 'd', 1, 'use', 'q', 'COMPLETE', '2026-01-01T11:00:00Z', '2026-01-01T11:01:00Z', 'i');
  insert into associations (context_id, execution_id) values (1, 11), (2, 12), (1, 13), (1, 14), (3, 15);
  insert into artifacts (id, identity, type, digest, value_digest, value, inline, size_bytes)
    overriding system value values (21, 'x', 'Value', 'sha256:x', 'sha256:x', '7', true, 1);
  insert into events (execution_id, artifact_id, type, path) values
    (11, 21, 'OUTPUT', 'result'), (12, 21, 'OUTPUT', 'result'), (14, 21, 'OUTPUT', 'result'),
    (13, 21, 'INPUT', 'args[0]'), (15, 21, 'INPUT', 'args[0]');
`;

type Rows = <T>(query: SQL) => Promise<T[]>;

describe.each(DRIVERS)('migration 0005 on a store written before exact producers, on %s', (driver) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /**
   * A store at migration 0004 holding OLD_ROWS, then migrated to the newest as openStore does (the
   * same Drizzle migrator and folder); resolves to a query function on it.
   */
  async function upgradedStore(): Promise<Rows> {
    const old = foldersUpTo0004();
    cleanups.push(() => Promise.resolve(rmSync(old, { recursive: true, force: true })));
    if (driver === 'pglite') {
      // In memory: a second PGlite boot on a folder costs tens of seconds on a loaded machine.
      const client = await PGlite.create();
      cleanups.push(() => client.close());
      const db = drizzlePglite(client);
      await migratePglite(db, { migrationsFolder: old });
      await client.exec(OLD_ROWS);
      await migratePglite(db, { migrationsFolder: migrationsFolder() });
      return async <T>(query: SQL) => (await db.execute(query)).rows as T[];
    }
    const database: TestDatabase = await createTestDatabase(inject('postgresAdminUrl'), 'producer_backfill');
    cleanups.push(() => database.drop());
    const client = postgres(database.url, { max: 1, onnotice: () => {} });
    await migratePostgres(drizzlePostgres(client), { migrationsFolder: old });
    await client.unsafe(OLD_ROWS);
    await client.end({ timeout: 5 });
    const store = await openStore({ url: database.url });
    cleanups.push(() => store.close());
    return (query) => store.rows(query);
  }

  // In a hook: booting PGlite and migrating twice is slow on a loaded machine, and hooks allow more time.
  let rows: Rows;
  beforeAll(async () => {
    rows = await upgradedStore();
  });

  it('keeps every row and gives each INPUT edge the producer of its own run tree', async () => {
    const counts = await Promise.all(
      LINEAGE_TABLES.map(async (table) => {
        const [row] = await rows<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)}`);
        return [table, row!.n];
      }),
    );
    expect(Object.fromEntries(counts)).toEqual({
      contexts: 3,
      parent_contexts: 1,
      executions: 5,
      artifacts: 1,
      events: 5,
      associations: 5,
    });
    const inputs = await rows<{ consumer: number; producer: number | null }>(sql`
      select execution_id::int as consumer, producer_execution_id::int as producer
      from events where type = 'INPUT' order by execution_id`);
    // c: the child run's b is the latest producer of X in its tree that ended before c started;
    // d: no producer in its own tree, so an external input — never run tree 1's executions.
    expect(inputs).toEqual([
      { consumer: 13, producer: 12 },
      { consumer: 15, producer: null },
    ]);
    const outputs = await rows<{ n: number }>(
      sql`select count(*)::int as n from events where type = 'OUTPUT' and producer_execution_id is not null`,
    );
    expect(outputs[0]!.n).toBe(0);
  });
});
