import { sql } from 'drizzle-orm';
import { openStore } from '../src';
import type { TargetResult } from './report';

/** Storage of what capture recorded: bytes per execution, and the one shared input stored once. */
export async function captureStorage(url: string): Promise<TargetResult[]> {
  const store = await openStore({ url, poolSize: 1 });
  try {
    const [row] = await store.rows<Record<string, string | number>>(sql`
      select (select sum(pg_total_relation_size(c.oid)) from pg_class c
          where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace and c.relname <> '__drizzle_migrations') as bytes,
        (select count(*) from executions) as executions,
        (select count(*) from artifacts where uri = 's3://bucket/data.csv') as rows,
        (select count(*) from events e join artifacts a on a.id = e.artifact_id where a.uri = 's3://bucket/data.csv') as reads`);
    const [bytes, executions, rows, reads] = ['bytes', 'executions', 'rows', 'reads'].map((k) =>
      Number(row![k]),
    );
    return [
      {
        part: 'storage',
        name: 'bytes per execution at rest (capture bench store, all tables + indexes)',
        driver: 'postgres',
        measured: `${Math.round(bytes! / executions!)} B`,
        target: 'reported',
        pass: null,
      },
      {
        part: 'storage',
        name: 'identical values stored once (the Dataset every attempt reads)',
        driver: 'postgres',
        measured: `${rows} row for ${reads} reads`,
        target: '1 row',
        pass: rows === 1 && reads! >= executions!,
      },
    ];
  } finally {
    await store.close();
  }
}
