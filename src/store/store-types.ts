import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema';

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
