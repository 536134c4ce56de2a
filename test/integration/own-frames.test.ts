import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { fixtureActivities } from '../fixtures/activities';
import { useStore } from '../support/stores';
import { testClient, testWorkflowsPath, uniqueQueue } from '../support/temporal';

/** The stack of the activity's own error, as the client receives it inside the workflow's failure. */
async function activityErrorStack(plugins: LineagePlugin[]): Promise<string> {
  const taskQueue = uniqueQueue('own-frames');
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const client = await testClient();
  try {
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: testWorkflowsPath,
      activities: fixtureActivities().activities,
      plugins,
    });
    const failure: unknown = await worker.runUntil(
      client.workflow
        .execute('failsAlways', { taskQueue, workflowId: uniqueQueue('failsAlways'), args: ['k'] })
        .catch((e: unknown) => e),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const activity = (failure as WorkflowFailedError).cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    const own = (activity as ActivityFailure).cause;
    expect(own).toBeInstanceOf(ApplicationFailure);
    return own!.stack!;
  } finally {
    await client.connection.close();
    await connection.close();
  }
}

/** Stack frames that are not Temporal's own (SDK packages, Node internals). */
const userFrames = (stack: string) =>
  stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .filter((line) => !/node_modules[\\/]@temporalio|node:internal|\(native\)/.test(line));

describe('the capture interceptor adds no frames of its own', () => {
  const ctx = useStore('pglite', 'own_frames');

  it("an activity error's stack, as clients see it, has the same frames with and without the plugin", async () => {
    const without = userFrames(await activityErrorStack([]));
    const withPlugin = userFrames(await activityErrorStack([new LineagePlugin({ store: ctx.store() })]));
    expect(without.length).toBeGreaterThan(0);
    expect(withPlugin).toEqual(without);
  });
});
