import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** A database created for one test file by {@link createTestDatabase}. */
export interface TestDatabase {
  url: string;
  /** Drops the database, disconnecting anyone still connected (e.g. a worker that outlived its test). */
  drop(): Promise<void>;
}

async function withAdmin(adminUrl: string, statement: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end();
  }
}

/**
 * Creates a uniquely named, empty database on the server at `adminUrl` (a superuser URL, e.g. the
 * `postgresAdminUrl` provided by the global setup), so test files never share state.
 *
 * @param label - readable part of the name, e.g. the test file's name.
 */
export async function createTestDatabase(adminUrl: string, label: string): Promise<TestDatabase> {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40);
  const name = `test_${slug}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
