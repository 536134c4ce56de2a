import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import type { LineageStore } from '../src/store/open-store';
import * as schema from '../src/store/schema';

/**
 * A store that records every statement the query API sends, so that the bench can EXPLAIN
 * exactly what an operation ran — on both drivers, without a server-side module such as
 * auto_explain (PGlite has none).
 */
export interface RecordingStore {
  readonly store: LineageStore;
  /** The statements sent since the last call. */
  take(): Array<{ query: string; params: unknown[] }>;
  /** EXPLAIN ANALYZE of one recorded statement, as text. */
  explain(statement: { query: string; params: unknown[] }): Promise<string>;
  close(): Promise<void>;
}

const dialect = new PgDialect();
const EXPLAIN = 'explain (analyze, costs off, timing off, summary off) ';

export async function recordingStore(where: { url: string } | { dir: string }): Promise<RecordingStore> {
  let log: Array<{ query: string; params: unknown[] }> = [];
  const logger = { logQuery: (query: string, params: unknown[]) => void log.push({ query, params }) };
  const take = () => [log, (log = [])][0]!;
  const lines = (rows: Array<Record<string, unknown>>) =>
    rows.map((row) => String(row['QUERY PLAN'])).join('\n');
  if ('url' in where) {
    const client = postgres(where.url, { max: 1, onnotice: () => {} });
    const db = drizzlePostgres(client, { schema, logger });
    const rows = async <T>(query: SQL) => [...(await db.execute(query))] as T[];
    return {
      store: {
        db,
        driver: 'postgres',
        target: where.url,
        rows,
        preparedRows: rows,
        close: () => client.end(),
      },
      take,
      explain: async ({ query, params }) =>
        lines([...(await client.unsafe(EXPLAIN + query, params as postgres.ParameterOrJSON<never>[]))]),
      close: () => client.end({ timeout: 5 }),
    };
  }
  const client = await PGlite.create(where.dir);
  const db = drizzlePglite(client, { schema, logger });
  const rows = async <T>(query: SQL) => (await db.execute(query)).rows as T[];
  return {
    store: { db, driver: 'pglite', target: where.dir, rows, preparedRows: rows, close: () => client.close() },
    take,
    explain: async ({ query, params }) =>
      lines((await client.query<Record<string, unknown>>(EXPLAIN + query, params)).rows),
    close: () => client.close(),
  };
}

/** Which indexes a plan reads, and which tables it scans whole. */
export function planSummary(plan: string): { indexes: string[]; seqScans: string[] } {
  const indexes = [
    ...plan.matchAll(/(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)/g),
  ];
  const seqScans = [...plan.matchAll(/Seq Scan on (\w+)/g)];
  return {
    indexes: [...new Set(indexes.map((m) => m[1]!))].sort(),
    seqScans: [...new Set(seqScans.map((m) => m[1]!))].sort(),
  };
}

/** Renders a drizzle SQL object as text, for plans of statements built outside the query API. */
export function sqlText(query: SQL): { query: string; params: unknown[] } {
  const { sql, params } = dialect.sqlToQuery(query);
  return { query: sql, params };
}
