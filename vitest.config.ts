import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Temporal native bridge crashes under worker threads.
    pool: 'forks',
    // CI has 2 cores; more forks only add contention with the Temporal and Postgres servers.
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    // One retry, because a test that shares two cores with the Temporal and Postgres servers can
    // lose a race to load; the summary reporter names every test that needed it.
    retry: 1,
    hookTimeout: 120_000,
  },
});
