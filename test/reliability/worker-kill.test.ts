/**
 * Fault 2: a worker process is SIGKILLed while an activity runs. The attempt it leaves RUNNING
 * becomes ABANDONED as soon as the next attempt of that activity starts (in the same statement);
 * rows orphaned any other way are found by reconciliation (TS API and `lineage reconcile`).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { reconcile, type ReconcileResult } from '../../src/store/reconcile';
import { json, lineage } from '../cli/run-cli';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { testClient, uniqueQueue } from '../support/temporal';
import { reliabilityActivities } from './support/activities';
import { runExecutions, waitFor, withReliabilityWorker } from './support/harness';
import { spawnWorker } from './support/spawn-worker';
import type { killableStep } from './support/workflows';

describe('a worker killed mid-activity', () => {
  let database: TestDatabase;
  let store: LineageStore;

  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresAdminUrl'), 'worker_kill');
    store = await openStore({ url: database.url, poolSize: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const running = (workflowId: string) => async () => {
    const rows = await runExecutions(store, workflowId);
    return rows.some((r) => r.state === 'RUNNING') ? rows : undefined;
  };

  it('leaves a RUNNING attempt that becomes ABANDONED when the next attempt starts on another worker', async () => {
    const taskQueue = uniqueQueue('kill');
    const client = await testClient();
    const victim = await spawnWorker({ taskQueue, plugin: { databaseUrl: database.url, poolSize: 2 } });
    const workflowId = uniqueQueue('killable');
    const handle = await client.workflow.start<typeof killableStep>('killableStep', {
      taskQueue,
      workflowId,
      args: ['k1', 0, 2_000],
    });
    await waitFor('attempt 1 to be RUNNING', running(workflowId));
    await victim.kill();

    const { activities } = reliabilityActivities();
    const plugin = new LineagePlugin({ databaseUrl: database.url, poolSize: 2 });
    // Temporal notices the missing heartbeats after 2 s and gives attempt 2 to this worker.
    const result = await withReliabilityWorker({ plugin, taskQueue, activities }, () => handle.result());
    expect(result).toBe('done:k1:2');
    const rows = await runExecutions(store, workflowId);
    expect(rows.map((r) => [r.attempt, r.state])).toEqual([
      [1, 'ABANDONED'],
      [2, 'COMPLETE'],
    ]);
    expect(rows[0]!.error).toMatchObject({ type: 'LineageAbandoned' });
    const [run] = await store.rows<{ status: string }>(
      sql`select status from contexts where type = 'run' and workflow_id = ${workflowId}`,
    );
    expect(run!.status).toBe('COMPLETED');
  });

  it('leaves rows that reconciliation closes from what Temporal knows, or by age', async () => {
    const taskQueue = uniqueQueue('reconcile');
    const client = await testClient();
    const victim = await spawnWorker({ taskQueue, plugin: { databaseUrl: database.url, poolSize: 2 } });
    const start = (key: string, maximumAttempts: number, heartbeatMs: number) =>
      client.workflow.start<typeof killableStep>('killableStep', {
        taskQueue,
        workflowId: uniqueQueue(key),
        args: [key, maximumAttempts, heartbeatMs],
      });
    // terminated: its run closes without its code running; movedOn: Temporal retries it but no
    // worker is left to take attempt 2; stuck: Temporal still thinks attempt 1 runs.
    const [terminated, movedOn, stuck] = await Promise.all([
      start('terminated', 1, 600_000),
      start('moved-on', 0, 1_000),
      start('stuck', 1, 600_000),
    ]);
    const idOf = async (workflowId: string) =>
      (await waitFor(`${workflowId} RUNNING`, running(workflowId)))[0]!;
    const [t, m, s] = await Promise.all([
      idOf(terminated.workflowId),
      idOf(movedOn.workflowId),
      idOf(stuck.workflowId),
    ]);
    await victim.kill();

    const ids = async (workflowId: string) =>
      (
        await store.rows<{ id: string }>(sql`select id from executions where workflow_id = ${workflowId}`)
      ).map((r) => Number(r.id));
    const [terminatedId] = await ids(terminated.workflowId);
    const [movedOnId] = await ids(movedOn.workflowId);
    const [stuckId] = await ids(stuck.workflowId);

    // Right after the kill Temporal still counts the attempts as running: nothing is abandoned.
    const early = await reconcile({ store, client });
    expect(early.abandoned.map((e) => e.id)).not.toContain(terminatedId);
    expect(early.abandoned.map((e) => e.id)).not.toContain(stuckId);
    expect([t.state, m.state, s.state]).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);

    await terminated.terminate('operator gave up');
    await waitFor('Temporal to move on to attempt 2', async () => {
      const pending = (await movedOn.describe()).raw.pendingActivities ?? [];
      return Number(pending[0]?.attempt ?? 0) >= 2 ? true : undefined;
    });
    const cli = json<ReconcileResult>(
      await lineage(['reconcile', '--db', database.url, '--address', inject('temporalAddress'), '--json']),
    );
    expect(cli.abandoned.map((e) => e.id).sort()).toEqual([terminatedId, movedOnId].sort());
    expect(cli.abandoned.find((e) => e.id === terminatedId)!.reason).toContain('TERMINATED');
    expect(cli.abandoned.find((e) => e.id === movedOnId)!.reason).toContain('attempt 2');
    expect(cli.closedRuns).toEqual([
      { name: `${terminated.workflowId}/${terminated.firstExecutionRunId}`, status: 'TERMINATED' },
    ]);

    // The stuck attempt is only caught by age; a dry run reports it without changing it.
    const dry = await reconcile({ store, client, olderThanMs: 1, dryRun: true });
    expect(dry.abandoned.map((e) => e.id)).toEqual([stuckId]);
    expect((await runExecutions(store, stuck.workflowId))[0]!.state).toBe('RUNNING');
    const aged = await reconcile({ store, client, olderThanMs: 1 });
    expect(aged.abandoned.map((e) => e.id)).toEqual([stuckId]);

    const states = await store.rows<{ workflow_id: string; state: string; error: { message: string } }>(sql`
      select workflow_id, state, error from executions where id in (${terminatedId}, ${movedOnId}, ${stuckId})`);
    expect(states.every((r) => r.state === 'ABANDONED' && r.error.message.includes('reconciliation'))).toBe(
      true,
    );
    // Running it again finds nothing more to do.
    expect((await reconcile({ store, client, olderThanMs: 1 })).abandoned).toEqual([]);
    await Promise.all([movedOn.terminate(), stuck.terminate()]);
  });
});
