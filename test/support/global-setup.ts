import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../dev/dev-server';
import { startPostgresCluster } from './postgres-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the run's Temporal dev server (namespace `default`). */
    temporalAddress: string;
    /** Superuser URL of the run's PostgreSQL server; pass it to `createTestDatabase`. */
    postgresAdminUrl: string;
  }
}

/**
 * Starts one Temporal dev server and one PostgreSQL cluster for the whole run (test files share them
 * and isolate by task queue / database), and returns the teardown that stops both.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [temporal, postgres] = await Promise.allSettled([startDevServer(), startPostgresCluster()]);
  const teardown = async (): Promise<void> => {
    await Promise.all([
      temporal.status === 'fulfilled' ? temporal.value.teardown() : undefined,
      postgres.status === 'fulfilled' ? postgres.value.stop() : undefined,
    ]);
  };
  if (temporal.status === 'rejected' || postgres.status === 'rejected') {
    await teardown();
    throw temporal.status === 'rejected' ? temporal.reason : (postgres as PromiseRejectedResult).reason;
  }
  project.provide('temporalAddress', temporal.value.address);
  project.provide('postgresAdminUrl', postgres.value.url);
  return teardown;
}
