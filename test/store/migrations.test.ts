import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { migrationsApplied, migrationsFolder } from '../../src/store/migrations';
import { DRIVERS, useStore } from '../support/stores';

describe.each(DRIVERS)('the up-to-date check that lets an open skip the migrator, on %s', (driver) => {
  const ctx = useStore(driver, `migrations_${driver}`);

  it('says current only when the newest migration of the package is recorded', async () => {
    const store = ctx.store();
    const applied = () => migrationsApplied((q) => store.rows(q), migrationsFolder());
    expect(await applied()).toBe(true);
    // As before an upgrade: the store lacks the package's newest migration, so the migrator must run.
    await store.rows(sql`delete from drizzle.__drizzle_migrations
      where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`);
    expect(await applied()).toBe(false);
    // A store never migrated has no table at all.
    await store.rows(sql`drop table drizzle.__drizzle_migrations`);
    expect(await applied()).toBe(false);
  });
});
