import { afterAll, beforeAll, inject } from 'vitest';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { createTestDatabase, type TestDatabase } from './databases';

/** The two drivers every store test runs on (DESIGN invariant 5), like Drizzle's pg-common suite. */
export const DRIVERS = ['pglite', 'postgres'] as const;
export type Driver = (typeof DRIVERS)[number];

/** A store per driver per test file, opened before the file's tests and dropped after them. */
export interface DriverContext {
  readonly driver: Driver;
  /** The Postgres URL of this file's database (postgres driver only). */
  readonly url: string | undefined;
  store(): LineageStore;
}

export function useStore(driver: Driver, label: string): DriverContext {
  let store: LineageStore | undefined;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    if (driver === 'postgres') {
      database = await createTestDatabase(inject('postgresAdminUrl'), label);
      store = await openStore({ url: database.url });
    } else {
      store = await openStore({ memory: true });
    }
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });
  return {
    driver,
    get url() {
      return database?.url;
    },
    store: () => {
      if (!store) throw new Error('store is opened in beforeAll');
      return store;
    },
  };
}
