import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { packageRoot } from '../package-root';

/** The Drizzle migrations shipped with the package (`drizzle/`, beside `src/` and `dist/`). */
export function migrationsFolder(): string {
  return join(packageRoot(), 'drizzle');
}

/** Where Drizzle's migrator records what it applied (its defaults, which openStore uses). */
const MIGRATIONS_TABLE = 'drizzle.__drizzle_migrations';

/** The `when` of the newest migration in the journal: what an up-to-date store has recorded. */
function newestMigrationMillis(folder: string): number {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries?: Array<{ when?: unknown }>;
  };
  const times = (journal.entries ?? []).map((entry) => Number(entry.when));
  if (times.length === 0 || times.some((t) => !Number.isFinite(t)))
    throw new Error(`${folder}/meta/_journal.json lists no valid migrations`);
  return Math.max(...times);
}

/**
 * Whether the store has every migration of `folder` applied, decided by the same rule as
 * Drizzle's migrator: it applies each journal entry whose `when` is later than the newest
 * `created_at` it recorded, so a store whose newest record is at or past the journal's newest
 * entry has nothing to apply. Checking first spares each open what the migrator does even when
 * there is nothing to apply — CREATE SCHEMA and CREATE TABLE IF NOT EXISTS, a read and an empty
 * transaction, and on Postgres waiting for the advisory lock that serialises migrators — which a
 * CLI command would pay on every run. A store without the table (new) is not current: the
 * migrator runs, and decides again under the lock.
 */
export async function migrationsApplied(
  rows: <T>(query: SQL) => Promise<T[]>,
  folder: string,
): Promise<boolean> {
  const newest = newestMigrationMillis(folder);
  // Two statements: the second may only name the table once it is known to exist.
  const [table] = await rows<{ present: boolean }>(
    sql`select to_regclass(${MIGRATIONS_TABLE}) is not null as present`,
  );
  if (table?.present !== true) return false;
  const [applied] = await rows<{ current: boolean }>(
    sql`select exists (select 1 from ${sql.raw(MIGRATIONS_TABLE)} where created_at >= ${newest}) as current`,
  );
  return applied?.current === true;
}
