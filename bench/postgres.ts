import postgres from 'postgres';
import { startPostgresCluster } from '../test/support/postgres-cluster';

/** The Postgres server the bench records into and seeds on. */
export interface BenchPostgres {
  /** A URL that may create databases: capture records into it, query benches create their own. */
  readonly url: string;
  readonly label: string;
  stop(): Promise<void>;
}

/**
 * `DATABASE_URL` when set, else a throwaway cluster switched to durable commits (fsync,
 * synchronous_commit, full_page_writes), as a production server would run.
 */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const external = process.env['DATABASE_URL'];
  if (external) return { url: external, label: 'DATABASE_URL', stop: async () => {} };
  const cluster = await startPostgresCluster();
  // The test cluster trades durability for speed; a production server commits to disk.
  const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
  try {
    for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
      await admin.unsafe(`alter system set ${setting} = on`);
    }
    await admin`select pg_reload_conf()`;
    const [row] = await admin<{ version: string }[]>`select current_setting('server_version') as version`;
    return {
      url: cluster.url,
      label: `throwaway PostgreSQL ${row?.version} (fsync, synchronous_commit on; default shared_buffers)`,
      stop: () => cluster.stop(),
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** A fresh database on the bench's server, and how to drop it. */
export async function createBenchDatabase(
  adminUrl: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}
