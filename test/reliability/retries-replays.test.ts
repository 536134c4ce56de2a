/**
 * Fault 4: activity retries, workflow-task retries (the run-start sink is delivered again) and a
 * worker restart that replays a history leave no duplicate and no missing row.
 */
import { Worker } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { testClient, uniqueQueue } from '../support/temporal';
import { reliabilityActivities } from './support/activities';
import { bundleOptions } from './support/bundle';
import { runExecutions, tableCounts, waitFor, withReliabilityWorker } from './support/harness';
import { spawnWorker } from './support/spawn-worker';
import type { flakyWorkflowTask, retriedTwice, stepsAcrossRestart } from './support/workflows';

describe('retries and replays', () => {
  let database: TestDatabase;
  let store: LineageStore;

  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresAdminUrl'), 'retries_replays');
    store = await openStore({ url: database.url, poolSize: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const runRows = (workflowId: string) =>
    store.rows<{ status: string; result: unknown }>(
      sql`select status, result from contexts where type = 'run' and workflow_id = ${workflowId}`,
    );

  it('records activity retries and workflow-task retries once each, on a worker that replays every task', async () => {
    const { activities, calls } = reliabilityActivities();
    const plugin = new LineagePlugin({ databaseUrl: database.url, poolSize: 2 });
    const taskQueue = uniqueQueue('retries');
    const client = await testClient();
    const retriedId = uniqueQueue('retried');
    const flakyId = uniqueQueue('flaky-task');
    // No workflow cache: every workflow task replays the whole history, and sinks must stay quiet then.
    const [retried, flaky] = await withReliabilityWorker(
      { plugin, taskQueue, activities, maxCachedWorkflows: 0 },
      () =>
        Promise.all([
          client.workflow.execute<typeof retriedTwice>('retriedTwice', {
            taskQueue,
            workflowId: retriedId,
            args: ['r'],
          }),
          client.workflow.execute<typeof flakyWorkflowTask>('flakyWorkflowTask', {
            taskQueue,
            workflowId: flakyId,
            args: [Date.now() + 1_500, 4],
          }),
        ]),
    );
    expect(retried).toBe('r ok after 3');
    expect(flaky).toEqual([0, 2, 4, 6]);

    const retriedRows = await runExecutions(store, retriedId);
    expect(retriedRows.map((r) => [r.attempt, r.state])).toEqual([
      [1, 'FAILED'],
      [2, 'FAILED'],
      [3, 'COMPLETE'],
    ]);
    expect(calls.get(`${retriedId}/${retriedRows[0]!.activityId}`)).toBe(3);

    // The first workflow task really failed (and so delivered the run-start sink more than once).
    const history = await client.workflow.getHandle(flakyId).fetchHistory();
    expect(history.events!.some((e) => e.workflowTaskFailedEventAttributes)).toBe(true);
    expect(await runRows(flakyId)).toEqual([{ status: 'COMPLETED', result: [0, 2, 4, 6] }]);
    const flakyRows = await runExecutions(store, flakyId);
    expect(flakyRows.map((r) => [r.activityId, r.attempt, r.state])).toEqual([
      ['1', 1, 'COMPLETE'],
      ['2', 1, 'COMPLETE'],
      ['3', 1, 'COMPLETE'],
      ['4', 1, 'COMPLETE'],
    ]);

    // Replaying both histories with the plugin writes nothing.
    const before = await tableCounts(store);
    const histories = await Promise.all(
      [retriedId, flakyId].map(async (workflowId) => ({
        workflowId,
        history: await client.workflow.getHandle(workflowId).fetchHistory(),
      })),
    );
    for await (const result of Worker.runReplayHistories(
      { ...(await bundleOptions()), plugins: [new LineagePlugin({ databaseUrl: database.url })] },
      histories,
    )) {
      expect(result.error).toBeUndefined();
    }
    expect(await tableCounts(store)).toEqual(before);
  });

  it('records a run once when its worker dies and another one replays its history to finish it', async () => {
    const taskQueue = uniqueQueue('restart');
    const client = await testClient();
    const first = await spawnWorker({ taskQueue, plugin: { databaseUrl: database.url, poolSize: 2 } });
    const workflowId = uniqueQueue('across-restart');
    const handle = await client.workflow.start<typeof stepsAcrossRestart>('stepsAcrossRestart', {
      taskQueue,
      workflowId,
    });
    // Killed once Temporal has the first step's result, not merely once the store has it: between
    // the end write and the result reaching Temporal there is always a moment in which a worker
    // that dies leaves a COMPLETE row for an attempt Temporal then retries (see the README's
    // "Not promised"). That is not what this test is about.
    await waitFor('the first step, completed in Temporal', async () =>
      (await handle.fetchHistory()).events?.some((e) => e.activityTaskCompletedEventAttributes)
        ? true
        : undefined,
    );
    await first.kill();

    const { activities } = reliabilityActivities();
    const plugin = new LineagePlugin({ databaseUrl: database.url, poolSize: 2 });
    const result = await withReliabilityWorker(
      { plugin, taskQueue, activities, maxCachedWorkflows: 0 },
      async () => {
        await handle.signal('release');
        return handle.result();
      },
    );
    expect(result).toEqual([2, 4]);
    expect(await runRows(workflowId)).toEqual([{ status: 'COMPLETED', result: [2, 4] }]);
    expect((await runExecutions(store, workflowId)).map((r) => [r.activityId, r.attempt, r.state])).toEqual([
      ['1', 1, 'COMPLETE'],
      ['2', 1, 'COMPLETE'],
    ]);
    const [dups] = await store.rows<{ n: string }>(sql`
      select count(*) as n from (select execution_id, artifact_id, type, path from events
        group by 1, 2, 3, 4 having count(*) > 1) d`);
    expect(Number(dups!.n)).toBe(0);
  });
});
