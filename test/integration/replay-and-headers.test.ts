import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { LINEAGE_HEADER } from '../../src/capture/lineage-header';
import { LineagePlugin } from '../../src/plugin';
import { getRun } from '../../src/query/get-run';
import { getChildRuns } from '../../src/query/run-detail';
import { fixtureActivities } from '../fixtures/activities';
import { useStore } from '../support/stores';
import { testBundle, testClient, testWorkflowsPath, uniqueQueue, withWorker } from '../support/temporal';

describe('replay and header propagation', () => {
  const ctx = useStore('pglite', 'replay');
  const { activities } = fixtureActivities();

  it('replays a history recorded with the plugin, through a replay worker with the plugin', async () => {
    const taskQueue = uniqueQueue('replay');
    const client = await testClient();
    const handle = await withWorker(
      { plugin: new LineagePlugin({ store: ctx.store() }), taskQueue, activities },
      async () => {
        const started = await client.workflow.start('parentOfChild', {
          taskQueue,
          workflowId: uniqueQueue('wf'),
          args: [3],
        });
        await started.result();
        return started;
      },
    );
    const history = await handle.fetchHistory();
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: await testBundle(), plugins: [new LineagePlugin({ store: ctx.store() })] },
        history,
      ),
    ).resolves.toBeUndefined();
  });

  it('replays a history recorded before the plugin was added (no non-determinism)', async () => {
    const taskQueue = uniqueQueue('replay-before');
    const client = await testClient();
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    let workflowId = '';
    try {
      const worker = await Worker.create({
        connection,
        taskQueue,
        workflowsPath: testWorkflowsPath,
        activities,
      });
      await worker.runUntil(async () => {
        const started = await client.workflow.start('retriedOnce', {
          taskQueue,
          workflowId: uniqueQueue('wf'),
          args: ['r'],
        });
        workflowId = started.workflowId;
        await started.result();
      });
    } finally {
      await connection.close();
    }
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: await testBundle(), plugins: [new LineagePlugin({ store: ctx.store() })] },
        history,
      ),
    ).resolves.toBeUndefined();
  });

  it('carries the lineage header from the workflow start to the child run', async () => {
    const taskQueue = uniqueQueue('headers');
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const header = { rerunOf: 'original-wf/original-run', rerunFrom: 'square' };
    const client = new Client({
      connection,
      interceptors: {
        workflow: [
          {
            start: (input, next) =>
              next({
                ...input,
                headers: { ...input.headers, [LINEAGE_HEADER]: defaultPayloadConverter.toPayload(header) },
              }),
          },
        ],
      },
    });
    const name = await withWorker(
      { plugin: new LineagePlugin({ store: ctx.store() }), taskQueue, activities },
      async () => {
        const handle = await client.workflow.start('parentOfChild', {
          taskQueue,
          workflowId: uniqueQueue('wf'),
          args: [2],
        });
        await handle.result();
        return `${handle.workflowId}/${handle.firstExecutionRunId}`;
      },
    );
    const parent = await getRun(ctx.store(), name);
    const [child] = await getChildRuns(ctx.store(), parent.id);
    for (const run of [parent, child!]) expect(run).toMatchObject(header);
  });
});
