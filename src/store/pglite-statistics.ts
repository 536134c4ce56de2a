import { sql, type SQL } from 'drizzle-orm';

/**
 * The store's tables whose planner statistics are missing or stale: no column statistics yet (a
 * table's size in `pg_class` alone says little: CREATE INDEX sets it too), or grown by more than a
 * fifth (plus ten pages) since its size was last taken. Read from the catalog and the files, not
 * from the activity counters, which PGlite does not keep across restarts.
 */
const STALE_TABLES = sql`
  select c.relname as name from pg_class c
  where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and pg_relation_size(c.oid) > 0
    and (not exists (select 1 from pg_statistic s where s.starelid = c.oid)
      or pg_relation_size(c.oid) / current_setting('block_size')::int > c.relpages * 1.2 + 10)`;

/**
 * Analyzes the tables of an embedded store whose statistics are missing or stale. PGlite runs no
 * autovacuum, so a store filled by a worker was never analyzed, and without statistics the planner
 * guesses: on a store of 20,000 runs, a page of runs took 188 ms instead of 3 ms, a 20-step trace
 * 660 ms instead of 11 ms, a run diff 4.2 s instead of 46 ms. Called when the store is opened;
 * costs one catalog query when nothing is stale.
 */
export async function refreshStaleStatistics(rows: <T>(query: SQL) => Promise<T[]>): Promise<void> {
  const stale = await rows<{ name: string }>(STALE_TABLES);
  if (stale.length > 0)
    await rows(
      sql`analyze ${sql.join(
        stale.map(({ name }) => sql.identifier(name)),
        sql`, `,
      )}`,
    );
}
