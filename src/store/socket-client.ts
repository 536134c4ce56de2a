import type { Socket } from 'node:net';
import { PgDialect } from 'drizzle-orm/pg-core';
import type * as DrizzlePostgres from 'drizzle-orm/postgres-js';
import type * as DrizzlePostgresMigrator from 'drizzle-orm/postgres-js/migrator';
import type { SQL } from 'drizzle-orm';
import type postgres from 'postgres';
import { migrationsApplied, migrationsFolder } from './migrations';
import * as schema from './schema';
import type { LineageStore } from './store-types';

/* eslint-disable @typescript-eslint/no-require-imports */
const postgresClient = () => require('postgres') as typeof postgres;
const drizzlePostgresModule = () => require('drizzle-orm/postgres-js') as typeof DrizzlePostgres;
const postgresMigrator = () => require('drizzle-orm/postgres-js/migrator') as typeof DrizzlePostgresMigrator;
/* eslint-enable @typescript-eslint/no-require-imports */

const dialect = new PgDialect();

/** Errors meaning the connection to the serving process went away under a statement. */
const CONNECTION_LOST = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'ECONNRESET', 'EPIPE']);

/**
 * How often a statement cut off by the serving process's exit is sent again, each time to the
 * process serving next. Sending again is safe: the store's writes are upserts (a statement that did
 * commit before its answer was lost changes nothing the second time), a transaction cut off before
 * its COMMIT was rolled back with the process that ran it, and reads have no effect.
 */
const RESENDS = 2;

const lostConnection = (error: unknown) =>
  CONNECTION_LOST.has(String((error as { code?: unknown } | undefined)?.code));

async function resending<T>(run: () => Promise<T>, closed: () => boolean): Promise<T> {
  for (let resent = 0; ; resent++) {
    try {
      return await run();
    } catch (error) {
      if (resent >= RESENDS || closed() || !lostConnection(error)) throw error;
    }
  }
}

/**
 * The postgres.js client as Drizzle sees it, with every statement and transaction sent again when
 * the serving process goes away under it (see {@link RESENDS}). postgres.js sends a query only
 * when it is awaited, so the query is built anew for each try.
 */
function resendingClient(client: postgres.Sql, closed: () => boolean): postgres.Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (...args: Parameters<postgres.Sql['unsafe']>) => ({
          then: <A, B>(onOk: (rows: unknown) => A, onError: (error: unknown) => B) =>
            resending(() => target.unsafe(...args).then((rows) => rows), closed).then(onOk, onError),
          values: () =>
            resending(
              () =>
                target
                  .unsafe(...args)
                  .values()
                  .then((rows) => rows),
              closed,
            ),
        });
      }
      if (property === 'begin') {
        return (...args: Parameters<postgres.Sql['begin']>) =>
          resending(() => (target.begin as (...a: unknown[]) => Promise<unknown>)(...args), closed);
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

/** Clients of the serving process share one connection pool this size per process. */
const POOL_SIZE = 4;

/**
 * A store reached through the process serving an embedded store, over its Unix socket, with
 * postgres.js: PGlite speaks the Postgres wire protocol. `socket` opens each connection (and takes
 * the folder over when nobody serves it); `close` runs after the pool ends.
 */
export async function openSocketClient(options: {
  readonly socket: () => Promise<Socket>;
  readonly target: string;
  readonly close: () => Promise<void>;
}): Promise<LineageStore> {
  let closed = false;
  // `socket` is a postgres.js option its type declarations leave out.
  const raw = postgresClient()({
    ...({ socket: options.socket } as object),
    // PGlite has one database and one role, and trusts every connection.
    user: 'postgres',
    database: 'postgres',
    max: POOL_SIZE,
    onnotice: () => {},
  });
  const client = resendingClient(raw, () => closed);
  const { drizzle } = drizzlePostgresModule();
  const db = drizzle(client, { schema });
  const rows = async <T>(query: SQL) => [...(await db.execute(query))] as T[];
  const close = async () => {
    closed = true;
    try {
      await raw.end({ timeout: 5 });
    } finally {
      await options.close();
    }
  };
  try {
    // The serving process migrated the store with its own migrations; a client of newer code
    // brings the ones it adds.
    const folder = migrationsFolder();
    if (!(await migrationsApplied(rows, folder)))
      await postgresMigrator().migrate(db, { migrationsFolder: folder });
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
  return {
    db,
    driver: 'pglite',
    target: options.target,
    rows,
    preparedRows: async <T>(query: SQL) => {
      const { sql: text, params } = dialect.sqlToQuery(query);
      return [
        ...(await client.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })),
      ] as T[];
    },
    close,
  };
}
