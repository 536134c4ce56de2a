import { Connection } from '@temporalio/client';
import postgres from 'postgres';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases';

describe('test infrastructure', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresAdminUrl'), 'infra');
    return () => database.drop();
  });

  it('reaches the Temporal dev server', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+/);
    } finally {
      await connection.close();
    }
  });

  it('reaches a fresh PostgreSQL database', async () => {
    const sql = postgres(database.url, { max: 1 });
    try {
      const [row] = await sql<{ version: string; db: string }[]>`select version(), current_database() as db`;
      expect(row?.version).toMatch(/^PostgreSQL /);
      expect(database.url).toContain(`/${row?.db}`);
    } finally {
      await sql.end();
    }
  });
});
