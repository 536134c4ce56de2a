import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listRuns } from '../../src/query/runs';
import { openStore } from '../../src/store/open-store';
import { createWriters } from '../../src/store/writers';
import { lineage } from '../cli/run-cli';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { bareRunStart } from '../support/records';

/**
 * Readers of a shared store (analysts, a dashboard) get a role that can only SELECT. Opening an
 * up-to-date store must not need more: no migrator, no advisory lock, no CREATE SCHEMA.
 */
describe('a read-only Postgres role', () => {
  const role = `lineage_reader_${randomBytes(3).toString('hex')}`;
  const adminUrl = inject('postgresAdminUrl');
  let database: TestDatabase;
  let readerUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase(adminUrl, 'read_only_user');
    const store = await openStore({ url: database.url });
    await createWriters(store).runs.start(bareRunStart('read-only-check', 'trainingPipeline'));
    await store.close();
    const admin = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create role ${role} login`);
      await admin.unsafe(`grant usage on schema public, drizzle to ${role}`);
      await admin.unsafe(`grant select on all tables in schema public, drizzle to ${role}`);
    } finally {
      await admin.end();
    }
    const url = new URL(database.url);
    url.username = role;
    readerUrl = url.toString();
  });

  afterAll(async () => {
    await database.drop();
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop role if exists ${role}`);
    } finally {
      await admin.end();
    }
  });

  it('opens the store and lists its runs, through the API and the CLI', async () => {
    const store = await openStore({ url: readerUrl });
    try {
      const { runs } = await listRuns(store, {});
      expect(runs.map((r) => r.name)).toEqual(['read-only-check/r1']);
    } finally {
      await store.close();
    }
    const cli = await lineage(['--db', readerUrl, 'runs', '--json']);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('read-only-check/r1');
  });
});
