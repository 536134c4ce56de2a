/**
 * Fault 1: the PostgreSQL server stops while a run is in flight and starts again. For each
 * onStoreError policy that promises no loss ('fail', 'outbox'), every activity attempt ends up in
 * the store exactly once with its true state, and the pipeline's result is what it would be
 * without lineage. The server is a throwaway cluster of this file's own, so no other test notices.
 */
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_UNAVAILABLE } from '../../src/capture/recorder';
import { LineagePlugin } from '../../src/plugin';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { json, lineage } from '../cli/run-cli';
import { createTestDatabase } from '../support/databases';
import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster';
import { testClient, uniqueQueue } from '../support/temporal';
import { reliabilityActivities } from './support/activities';
import type { steadySteps } from './support/workflows';
import {
  expectRetriedThroughFault,
  historyFailures,
  runExecutions,
  tableCounts,
  waitFor,
  withReliabilityWorker,
} from './support/harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const expected = (n: number) => Array.from({ length: n }, (_, i) => i * 2);
const pendingRecords = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json')).length;

describe('the store goes away mid-run and comes back', () => {
  let cluster: PostgresCluster;
  const stores: LineageStore[] = [];

  beforeAll(async () => {
    cluster = await startPostgresCluster({ throwaway: true });
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close().catch(() => {})));
    await cluster?.stop();
  });

  async function database(label: string): Promise<{ url: string; store: LineageStore }> {
    const { url } = await createTestDatabase(cluster.url, label);
    const store = await openStore({ url, poolSize: 2 });
    stores.push(store);
    return { url, store };
  }

  const count = async (store: LineageStore, workflowId: string, state: string) =>
    Number(
      (
        await store.rows<{ n: string }>(
          sql`select count(*) as n from executions where workflow_id = ${workflowId} and state = ${state}`,
        )
      )[0]!.n,
    );

  const runRow = async (store: LineageStore, workflowId: string) =>
    (
      await store.rows<{ status: string; result: unknown }>(
        sql`select status, result from contexts where type = 'run' and workflow_id = ${workflowId}`,
      )
    )[0];

  it("'fail': attempts fail retryably during the outage; afterwards each attempt is one row with its true state", async () => {
    const { url, store } = await database('outage_fail');
    const { activities, calls } = reliabilityActivities();
    const plugin = new LineagePlugin({ databaseUrl: url, onStoreError: 'fail', poolSize: 4 });
    const taskQueue = uniqueQueue('outage-fail');
    const workflowId = uniqueQueue('steady');
    const client = await testClient();
    const n = 12;
    const result = await withReliabilityWorker({ plugin, taskQueue, activities }, async () => {
      const handle = await client.workflow.start<typeof steadySteps>('steadySteps', {
        taskQueue,
        workflowId,
        args: [n, 300],
      });
      // Stop while a body runs, so that one attempt's end write is what fails.
      await waitFor('4 completed steps and one running', async () =>
        (await count(store, workflowId, 'COMPLETE')) >= 4 && (await count(store, workflowId, 'RUNNING')) >= 1
          ? true
          : undefined,
      );
      cluster.stopServer();
      await sleep(2_500);
      cluster.startServer();
      return { result: await handle.result(), failures: await historyFailures(handle) };
    });
    expect(result.result).toEqual(expected(n));
    expect(await plugin.flush()).toBe(true);

    // The step in flight when the server stopped: its body returned, its end could not be written.
    await expectRetriedThroughFault(store, workflowId, n, calls);
    expect(await runRow(store, workflowId)).toMatchObject({ status: 'COMPLETED', result: expected(n) });

    // What Temporal keeps of each failure names the store and the driver's words, never the failed
    // statement: the driver's own error quotes it with its parameters, which are captured values
    // (here the run's workflow id), and it would put them in history for good.
    expect(result.failures.length).toBeGreaterThan(0);
    for (const failure of result.failures) {
      expect(failure.applicationFailureInfo?.type).toBe(STORE_UNAVAILABLE);
      // The operation named depends on which write met the outage: `write`, `attempt end`, ….
      expect(failure.message).toMatch(/^Lineage store [a-z ]+ failed for postgres:\/\//);
      const stored = JSON.stringify(failure);
      expect(stored).not.toContain(workflowId);
      expect(stored).not.toMatch(/insert into|update "?executions|params:/i);
    }
  });

  it("'outbox': the pipeline runs on; the worker writes its outbox, in order, once the store is back", async () => {
    const { url, store } = await database('outage_outbox_live');
    const outboxDir = mkdtempSync(join(tmpdir(), 'lineage-outbox-'));
    const { activities, calls } = reliabilityActivities();
    const plugin = new LineagePlugin({ databaseUrl: url, onStoreError: 'outbox', outboxDir, poolSize: 4 });
    const taskQueue = uniqueQueue('outage-outbox');
    const workflowId = uniqueQueue('steady');
    const client = await testClient();
    const n = 16;
    const result = await withReliabilityWorker({ plugin, taskQueue, activities }, async () => {
      const handle = await client.workflow.start<typeof steadySteps>('steadySteps', {
        taskQueue,
        workflowId,
        args: [n, 150],
      });
      await waitFor('4 completed steps', async () =>
        (await count(store, workflowId, 'COMPLETE')) >= 4 ? true : undefined,
      );
      cluster.stopServer();
      await waitFor(
        'records in the outbox',
        () => (pendingRecords(outboxDir) >= 4 ? true : undefined),
        10_000,
      );
      await sleep(1_000);
      cluster.startServer();
      const done = await handle.result();
      await waitFor(
        'the outbox to drain',
        () => (pendingRecords(outboxDir) === 0 ? true : undefined),
        15_000,
      );
      return done;
    });
    expect(result).toEqual(expected(n));
    const rows = await runExecutions(store, workflowId);
    // No attempt failed: the store was never in the pipeline's way, and nothing is missing.
    expect(rows).toHaveLength(n);
    expect(rows.every((r) => r.attempt === 1 && r.state === 'COMPLETE' && r.error === null)).toBe(true);
    for (const r of rows) expect(calls.get(`${workflowId}/${r.activityId}`)).toBe(1);
    const outputs = await store.rows<{ value: unknown }>(sql`
      select a.value from executions e join events v on v.execution_id = e.id and v.type = 'OUTPUT'
      join artifacts a on a.id = v.artifact_id where e.workflow_id = ${workflowId} order by a.value`);
    expect(outputs.map((o) => o.value).sort((a, b) => Number(a) - Number(b))).toEqual(expected(n));
    expect(await runRow(store, workflowId)).toMatchObject({ status: 'COMPLETED', result: expected(n) });
  });

  it("'outbox': records outlive the worker; `lineage reconcile --outbox` writes them once the store is back", async () => {
    const { url, store } = await database('outage_outbox_later');
    const outboxDir = mkdtempSync(join(tmpdir(), 'lineage-outbox-'));
    const { activities } = reliabilityActivities();
    const plugin = new LineagePlugin({ databaseUrl: url, onStoreError: 'outbox', outboxDir, poolSize: 2 });
    const taskQueue = uniqueQueue('outage-outbox-later');
    const workflowId = uniqueQueue('steady');
    const client = await testClient();
    const n = 8;
    let result: unknown;
    try {
      result = await withReliabilityWorker({ plugin, taskQueue, activities }, async () => {
        const handle = await client.workflow.start<typeof steadySteps>('steadySteps', {
          taskQueue,
          workflowId,
          args: [n, 100],
        });
        await waitFor('2 completed steps', async () =>
          (await count(store, workflowId, 'COMPLETE')) >= 2 ? true : undefined,
        );
        cluster.stopServer();
        // The whole rest of the run happens while the store is down; then the worker shuts down.
        return handle.result();
      });
    } finally {
      cluster.startServer();
    }
    expect(result).toEqual(expected(n));
    const waiting = pendingRecords(outboxDir);
    expect(waiting).toBeGreaterThan(0);
    const copy = mkdtempSync(join(tmpdir(), 'lineage-outbox-copy-'));
    cpSync(outboxDir, copy, { recursive: true });

    const drained = json<{ outbox: { applied: number; rejected: number; remaining: number } }>(
      await lineage(['reconcile', '--outbox', outboxDir, '--no-temporal', '--db', url, '--json']),
    );
    expect(drained.outbox).toEqual({ applied: waiting, rejected: 0, remaining: 0 });
    const rows = await runExecutions(store, workflowId);
    expect(rows).toHaveLength(n);
    expect(rows.every((r) => r.attempt === 1 && r.state === 'COMPLETE')).toBe(true);
    expect(await runRow(store, workflowId)).toMatchObject({ status: 'COMPLETED', result: expected(n) });

    // The next worker using an outbox folder applies what it holds; here the same records again
    // (as after a crash between applying and deleting them), which changes nothing.
    const counts = await tableCounts(store);
    const next = new LineagePlugin({
      databaseUrl: url,
      onStoreError: 'outbox',
      outboxDir: copy,
      poolSize: 2,
    });
    expect(await next.flush()).toBe(true);
    await (await next.store()).close();
    expect(pendingRecords(copy)).toBe(0);
    expect(await tableCounts(store)).toEqual(counts);
    expect(await runExecutions(store, workflowId)).toEqual(rows);
  });
});
