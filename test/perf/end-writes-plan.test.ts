import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { createWriters, type StoreWriters } from '../../src/store/writers';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { datasetAttemptEnd, datasetAttemptStart } from '../support/records';
import { DRIVERS } from '../support/stores';

/**
 * An attempt whose body outlasts one event-loop turn is written as two statements, a start and an
 * end; the end must find its execution by primary key. Joined to the ends' recordset alone (which
 * the planner takes for 100 rows), the update scanned all of `executions` while the table held
 * fewer than ≈ 10,000 rows: on Postgres through the cached generic plan, and on PGlite (where the
 * Worker's own thread runs the query) with every plan: 3.8 → 5.1 ms per attempt from 1,000 to
 * 5,000 rows there, against 3.2–3.7 ms with the primary key.
 */
describe.each(DRIVERS)('attempt ends on a small store on %s', (driver) => {
  let database: TestDatabase | undefined;
  let store: LineageStore;
  let writers: StoreWriters;

  beforeAll(async () => {
    if (driver === 'postgres') {
      database = await createTestDatabase(inject('postgresAdminUrl'), 'end_writes_plan');
      // One connection: the writes, the ANALYZE and the statistics all go through the same backend.
      store = await openStore({ url: database.url, poolSize: 1 });
    } else {
      store = await openStore({ memory: true });
    }
    writers = createWriters(store);
  });
  afterAll(async () => {
    await store.close();
    await database?.drop();
  });

  /** Writes `count` attempts, each as a start and then an end of its own. */
  async function startThenEnd(batch: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const handle = await writers.attempts.start(
        await datasetAttemptStart(`plan-${batch}-${i % 10}`, String(i)),
      );
      await writers.attempts.end(handle, await datasetAttemptEnd(`s3://b/${batch}/out-${i}.parquet`));
    }
  }

  /** Sequential scans of `executions` so far, this backend's own included. */
  async function executionScans(): Promise<number> {
    // Statistics reach the shared counters when a backend goes idle, at most once a second unless forced.
    await store.rows(sql`select pg_stat_force_next_flush()`);
    const [row] = await store.rows<{ seq_scan: string }>(
      sql`select seq_scan from pg_stat_user_tables where relname = 'executions'`,
    );
    return Number(row!.seq_scan);
  }

  it('find their execution by primary key once 1,000 executions have been analyzed', async () => {
    await startThenEnd('warm-up', 1000);
    // What autovacuum does in a running store; it also drops the plans cached while the table was empty.
    await store.rows(sql`analyze executions`);
    const before = await executionScans();
    await startThenEnd('measured', 40);
    expect((await executionScans()) - before).toBe(0);
    const [ended] = await store.rows<{ n: string }>(
      sql`select count(*) as n from executions where workflow_id like 'plan-measured-%' and state = 'COMPLETE'`,
    );
    expect(Number(ended!.n)).toBe(40);
  });
});
