/**
 * Fault 4: the store's connections stop answering mid-run without being closed (a partition, a
 * frozen server). postgres.js would wait for TCP keepalive to give up, minutes later, with every
 * write of the worker queued behind the dead connections. The plugin gives a write
 * `writeTimeoutMs`, applies `onStoreError` ('fail' here: the attempt fails retryably), drops the
 * pool and reconnects, so the pipeline goes on and every attempt is recorded once with its true state.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { testClient, uniqueQueue } from '../support/temporal';
import { reliabilityActivities } from './support/activities';
import { startFreezingProxy, type FreezingProxy } from './support/freezing-proxy';
import {
  expectRetriedThroughFault,
  historyFailures,
  runExecutions,
  waitFor,
  withReliabilityWorker,
} from './support/harness';
import type { steadySteps } from './support/workflows';

describe('the store stops answering mid-run', () => {
  let database: TestDatabase;
  let store: LineageStore;
  let proxy: FreezingProxy;

  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresAdminUrl'), 'store_hang');
    store = await openStore({ url: database.url, poolSize: 2 });
    proxy = await startFreezingProxy(database.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await store?.close();
    await database?.drop();
  });

  it('fails the stuck attempts after writeTimeoutMs, reconnects, and records every attempt once', async () => {
    const { activities, calls } = reliabilityActivities();
    const writeTimeoutMs = 1_000;
    const plugin = new LineagePlugin({ databaseUrl: proxy.url, poolSize: 2, writeTimeoutMs });
    const taskQueue = uniqueQueue('hang');
    const workflowId = uniqueQueue('steady');
    const client = await testClient();
    const n = 10;
    const { handle, result, afterFreezeMs } = await withReliabilityWorker(
      { plugin, taskQueue, activities },
      async () => {
        const handle = await client.workflow.start<typeof steadySteps>('steadySteps', {
          taskQueue,
          workflowId,
          args: [n, 300],
        });
        await waitFor('2 completed steps', async () => {
          const rows = await runExecutions(store, workflowId);
          return rows.filter((r) => r.state === 'COMPLETE').length >= 2 ? true : undefined;
        });
        expect(proxy.freeze()).toBeGreaterThan(0);
        const frozenAt = Date.now();
        const done = await handle.result();
        return { handle, result: done, afterFreezeMs: Date.now() - frozenAt };
      },
    );
    expect(result).toEqual(Array.from({ length: n }, (_, i) => i * 2));
    // Without the timeout the steps in flight would wait out their 30 s startToCloseTimeout, and
    // their retries would queue behind the same dead connections.
    expect(afterFreezeMs).toBeLessThan(20_000);
    expect(await plugin.flush()).toBe(true);
    // The steps in flight at the freeze: their bodies returned, their ends could not be written.
    await expectRetriedThroughFault(store, workflowId, n, calls);
    // Temporal's failures say why: the write timed out, not that the store refused.
    const failures = (await historyFailures(handle)).map((f) => f.message ?? '');
    expect(failures.some((m) => m.includes(`writeTimeoutMs (${writeTimeoutMs} ms)`))).toBe(true);
  });
});
