import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { STORE_UNAVAILABLE } from '../../src/capture/recorder';
import { LineagePlugin } from '../../src/plugin';
import { fixtureActivities } from '../fixtures/activities';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';

// Nothing listens on port 1: every connection attempt is refused at once.
const UNREACHABLE = 'postgres://lineage:s3cret-pw@127.0.0.1:1/lineage';

async function runSquares(plugin: LineagePlugin, activities: object): Promise<unknown> {
  const taskQueue = uniqueQueue('store-errors');
  const client = await testClient();
  return withWorker({ plugin, taskQueue, activities }, () =>
    client.workflow.execute('parallelSquares', { taskQueue, workflowId: uniqueQueue('wf'), args: [2] }),
  );
}

describe('when the lineage store is unreachable', () => {
  it("'fail' (the default) fails each attempt retryably before the body runs, without leaking the password", async () => {
    const { activities, calls } = fixtureActivities();
    const error = await runSquares(new LineagePlugin({ databaseUrl: UNREACHABLE }), activities).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (error as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    const cause = (activityFailure as ActivityFailure).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe(STORE_UNAVAILABLE);
    expect(cause.nonRetryable).toBe(false);
    expect(cause.message).toContain('127.0.0.1:1');
    expect(cause.message).not.toContain('s3cret-pw');
    expect(calls.square).toBe(0);
  });

  it("'continue' lets the pipeline run unchanged and logs what was lost", async () => {
    const { activities, calls } = fixtureActivities();
    const plugin = new LineagePlugin({ databaseUrl: UNREACHABLE, onStoreError: 'continue' });
    await expect(runSquares(plugin, activities)).resolves.toEqual([0, 1]);
    expect(calls.square).toBe(2);
  });

  it('a host that accepts connections and never answers costs connectTimeoutMs, not the driver default of 30 s', async () => {
    // A partitioned or overloaded server: TCP connects, the Postgres greeting never comes.
    const sockets: Socket[] = [];
    const server: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const { activities, calls } = fixtureActivities();
      const plugin = new LineagePlugin({
        databaseUrl: `postgres://lineage:s3cret-pw@127.0.0.1:${port}/lineage`,
        onStoreError: 'continue',
        connectTimeoutMs: 1_000,
      });
      const started = performance.now();
      await expect(runSquares(plugin, activities)).resolves.toEqual([0, 1]);
      expect(calls.square).toBe(2);
      expect(sockets.length).toBeGreaterThan(0);
      expect(performance.now() - started).toBeLessThan(15_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
