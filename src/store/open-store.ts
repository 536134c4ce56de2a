import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import type * as PgliteModule from '@electric-sql/pglite';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as DrizzlePglite from 'drizzle-orm/pglite';
import type * as DrizzlePgliteMigrator from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { SQL } from 'drizzle-orm';
import postgres from 'postgres';
import { z } from 'zod';
import { LineageOptionsError, LineageStoreError, redactUrl } from '../errors';
import { packageRoot } from '../package-root';
import * as schema from './schema';

/** Where the store lives: a Postgres URL, a PGlite folder, or a throwaway in-memory PGlite. */
export const StoreLocationSchema = z.union([
  z.strictObject({ url: z.string().min(1), poolSize: z.number().int().positive().optional() }),
  z.strictObject({ dir: z.string().min(1) }),
  z.strictObject({ memory: z.literal(true) }),
]);
export type StoreLocation = z.infer<typeof StoreLocationSchema>;

/** The Drizzle database type both drivers share. */
export type LineageDb = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * An open lineage store. Every read and write goes through `db` (Drizzle) or `rows` (raw SQL for
 * what Drizzle cannot build, e.g. recursive walks), identically for both drivers.
 */
export interface LineageStore {
  readonly db: LineageDb;
  readonly driver: 'postgres' | 'pglite';
  /** Where the store is, safe to print: a URL's password is masked. */
  readonly target: string;
  /** Runs raw SQL and returns its rows, whatever the driver's result shape. */
  rows<T>(query: SQL): Promise<T[]>;
  /**
   * Like {@link rows}, for statements of a fixed text run on every activity attempt: on Postgres
   * they become named prepared statements, parsed and planned once per connection (Drizzle
   * sends raw SQL unprepared, which tripled the server's CPU per attempt). Dynamic SQL must not
   * use this: each distinct text stays prepared on every connection.
   */
  preparedRows<T>(query: SQL): Promise<T[]>;
  close(): Promise<void>;
}

const dialect = new PgDialect();

const MIGRATIONS_LOCK = 7_344_991_022n;

function migrationsFolder(): string {
  return join(packageRoot(), 'drizzle');
}

async function openPostgres(url: string, poolSize: number): Promise<LineageStore> {
  const target = redactUrl(url);
  // Migrations run on their own single connection holding an advisory lock, so that several
  // workers starting at once against one database do not race to create the same tables.
  const migrator = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrator`select pg_advisory_lock(${MIGRATIONS_LOCK.toString()}::bigint)`;
    await migratePostgres(drizzlePostgres(migrator), { migrationsFolder: migrationsFolder() });
  } catch (cause) {
    throw new LineageStoreError('migration', target, { cause });
  } finally {
    await migrator.end({ timeout: 5 });
  }
  const client = postgres(url, { max: poolSize, onnotice: () => {} });
  const db = drizzlePostgres(client, { schema });
  return {
    db,
    driver: 'postgres',
    target,
    rows: async <T>(query: SQL) => [...(await db.execute(query))] as T[],
    preparedRows: async <T>(query: SQL) => {
      const { sql: text, params } = dialect.sqlToQuery(query);
      return [
        ...(await client.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })),
      ] as T[];
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string | undefined): Promise<LineageStore> {
  const target = dataDir ? `pglite:${dataDir}` : 'pglite:memory';
  try {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    // Loaded on use: PGlite costs a few hundred ms of start-up that a CLI command on Postgres
    // should not pay. `require`, not `import()`: tsx's CommonJS hook resolves only the former.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { PGlite } = require('@electric-sql/pglite') as typeof PgliteModule;
    const { drizzle: drizzlePglite } = require('drizzle-orm/pglite') as typeof DrizzlePglite;
    const { migrate: migratePglite } = require('drizzle-orm/pglite/migrator') as typeof DrizzlePgliteMigrator;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const client = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
    const db = drizzlePglite(client, { schema });
    await migratePglite(db, { migrationsFolder: migrationsFolder() });
    return {
      db,
      driver: 'pglite',
      target,
      rows: async <T>(query: SQL) => (await db.execute(query)).rows as T[],
      // In-process: there is no network round trip or plan cache worth a second path.
      preparedRows: async <T>(query: SQL) => (await db.execute(query)).rows as T[],
      close: () => client.close(),
    };
  } catch (cause) {
    throw new LineageStoreError('open', target, { cause });
  }
}

/**
 * Opens the lineage store and applies any pending migrations.
 *
 * @example
 * const store = await openStore({ url: process.env.DATABASE_URL! }); // Postgres
 * const local = await openStore({ dir: '.lineage' });                 // embedded PGlite
 */
export async function openStore(location: StoreLocation): Promise<LineageStore> {
  const parsed = StoreLocationSchema.safeParse(location);
  if (!parsed.success) throw LineageOptionsError.fromZod('store location', parsed.error);
  const where = parsed.data;
  if ('url' in where) return openPostgres(where.url, where.poolSize ?? 10);
  return openPglite('dir' in where ? resolve(where.dir) : undefined);
}
