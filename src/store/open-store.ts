import { resolve } from 'node:path';
import type * as PgliteModule from '@electric-sql/pglite';
import { PgDialect } from 'drizzle-orm/pg-core';
import type * as DrizzlePglite from 'drizzle-orm/pglite';
import type * as DrizzlePgliteMigrator from 'drizzle-orm/pglite/migrator';
import type * as DrizzlePostgres from 'drizzle-orm/postgres-js';
import type * as DrizzlePostgresMigrator from 'drizzle-orm/postgres-js/migrator';
import type { SQL } from 'drizzle-orm';
import type postgres from 'postgres';
import { z } from 'zod';
import { LineageOptionsError, LineageStoreError, redactUrl } from '../errors';
import { migrationsApplied, migrationsFolder } from './migrations';
import { openEmbedded } from './embedded-store';
import type { LineageStore } from './store-types';
import * as schema from './schema';

/*
 * Each driver, and each driver's migrator, loads when a store of its kind is opened: a CLI command
 * is a process of its own, and one on an embedded store should not pay for loading the Postgres
 * client (nor one on Postgres for PGlite, which costs a few hundred ms), nor anyone for the
 * migrator when the store is already up to date. `require`, not `import()`: tsx's CommonJS hook
 * resolves only the former.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const postgresClient = () => require('postgres') as typeof postgres;
const drizzlePostgresModule = () => require('drizzle-orm/postgres-js') as typeof DrizzlePostgres;
const postgresMigrator = () => require('drizzle-orm/postgres-js/migrator') as typeof DrizzlePostgresMigrator;
const pgliteModule = () => require('@electric-sql/pglite') as typeof PgliteModule;
const drizzlePgliteModule = () => require('drizzle-orm/pglite') as typeof DrizzlePglite;
const pgliteMigrator = () => require('drizzle-orm/pglite/migrator') as typeof DrizzlePgliteMigrator;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Where the store lives: a Postgres URL, a PGlite folder, or a throwaway in-memory PGlite. */
export const StoreLocationSchema = z.union([
  z.strictObject({
    url: z.string().min(1),
    poolSize: z.number().int().positive().optional(),
    /** How long a connection may take to open (TCP connect and the server's greeting); default 10 s. */
    connectTimeoutMs: z.number().int().positive().optional(),
  }),
  z.strictObject({ dir: z.string().min(1) }),
  z.strictObject({ memory: z.literal(true) }),
]);
export type StoreLocation = z.infer<typeof StoreLocationSchema>;

export type { LineageDb, LineageStore } from './store-types';

const dialect = new PgDialect();

const MIGRATIONS_LOCK = 7_344_991_022n;

async function openPostgres(url: string, poolSize: number, connectTimeoutMs: number): Promise<LineageStore> {
  const target = redactUrl(url);
  const connect = postgresClient();
  const { drizzle: drizzlePostgres } = drizzlePostgresModule();
  // A host that hangs rather than refusing would otherwise hold every write for postgres.js's
  // default of 30 s; the breaker then fails later writes at once (see StoreGate).
  const connectTimeout = connectTimeoutMs / 1000;
  // Migrations run on their own single connection holding an advisory lock, so that several
  // workers starting at once against one database do not race to create the same tables. An
  // up-to-date store needs neither the lock nor the migrator: migrations only ever move forward.
  const migrator = connect(url, { max: 1, onnotice: () => {}, connect_timeout: connectTimeout });
  try {
    const folder = migrationsFolder();
    // Through postgres.js itself, not Drizzle (which wraps a failure in one quoting the statement):
    // an unreachable or refusing server reads as the driver's own error, as it always has.
    const rows = async <T>(query: SQL) => {
      const { sql: text, params } = dialect.sqlToQuery(query);
      return [...(await migrator.unsafe(text, params as postgres.ParameterOrJSON<never>[]))] as T[];
    };
    if (!(await migrationsApplied(rows, folder))) {
      await migrator`select pg_advisory_lock(${MIGRATIONS_LOCK.toString()}::bigint)`;
      await postgresMigrator().migrate(drizzlePostgres(migrator), { migrationsFolder: folder });
    }
  } catch (cause) {
    throw new LineageStoreError('migration', target, { cause });
  } finally {
    await migrator.end({ timeout: 5 });
  }
  const client = connect(url, { max: poolSize, onnotice: () => {}, connect_timeout: connectTimeout });
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

/** A throwaway in-memory PGlite store (tests, trials): created and migrated in this process. */
async function openMemory(): Promise<LineageStore> {
  const target = 'pglite:memory';
  try {
    const client = await pgliteModule().PGlite.create();
    const db = drizzlePgliteModule().drizzle(client, { schema });
    const rows = async <T>(query: SQL) => (await db.execute(query)).rows as T[];
    await pgliteMigrator().migrate(db, { migrationsFolder: migrationsFolder() });
    return { db, driver: 'pglite', target, rows, preparedRows: rows, close: () => client.close() };
  } catch (cause) {
    throw new LineageStoreError('open', target, { cause });
  }
}

async function openPglite(dataDir: string): Promise<LineageStore> {
  const target = `pglite:${dataDir}`;
  try {
    return await openEmbedded(dataDir, target);
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
  if ('url' in where) return openPostgres(where.url, where.poolSize ?? 10, where.connectTimeoutMs ?? 10_000);
  return 'dir' in where ? openPglite(resolve(where.dir)) : openMemory();
}
