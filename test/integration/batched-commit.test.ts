import { getHeapStatistics } from 'node:v8';
import type { Info as ActivityInfo } from '@temporalio/activity';
import type { WorkflowInfo } from '@temporalio/workflow';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/capture/recorder';
import { parsePluginOptions } from '../../src/options';
import { LineagePlugin } from '../../src/plugin';
import { getRun } from '../../src/query/get-run';
import { getChildRuns, getRunExecutions } from '../../src/query/run-detail';
import { fixtureActivities } from '../fixtures/activities';
import { DRIVERS, useStore } from '../support/stores';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';

/** `commit: 'batched'`: records written behind the activities, many attempts per statement. */
describe.each(DRIVERS)('commit batched on %s', (driver) => {
  const ctx = useStore(driver, `batched_${driver}`);
  const { activities } = fixtureActivities();

  async function runAll(
    plugin: LineagePlugin,
    runs: Array<{ workflowType: string; args: unknown[] }>,
    whileRunning?: (names: string[]) => Promise<void>,
  ): Promise<string[]> {
    const taskQueue = uniqueQueue(`batched-${driver}`);
    const client = await testClient();
    return withWorker({ plugin, taskQueue, activities }, async () => {
      const handles = await Promise.all(
        runs.map(({ workflowType, args }) =>
          client.workflow.start(workflowType, { taskQueue, workflowId: uniqueQueue(workflowType), args }),
        ),
      );
      await Promise.all(handles.map((handle) => handle.result()));
      const names = handles.map((h) => `${h.workflowId}/${h.firstExecutionRunId}`);
      await whileRunning?.(names);
      return names;
    });
  }

  it('records what commit before-result records: attempts, retries, outputs, child runs, run ends', async () => {
    const plugin = new LineagePlugin({ store: ctx.store(), commit: 'batched', batchWindowMs: 50 });
    const [retried, squares, parent] = await runAll(
      plugin,
      [
        { workflowType: 'retriedOnce', args: ['batched'] },
        { workflowType: 'parallelSquares', args: [4] },
        { workflowType: 'parentOfChild', args: [2] },
      ],
      // The worker is still running: flush() is what a caller uses to read its own writes.
      async () => expect(await plugin.flush()).toBe(true),
    );
    const store = ctx.store();
    expect((await getRunExecutions(store, retried!)).map((e) => [e.attempt, e.state])).toEqual([
      [1, 'FAILED'],
      [2, 'COMPLETE'],
    ]);
    const executions = await getRunExecutions(store, squares!);
    expect(executions.map((e) => [e.activityType, e.state])).toEqual(
      Array.from({ length: 4 }, () => ['square', 'COMPLETE']),
    );
    expect(executions.every((e) => e.inputs.length === 1 && e.outputs.length === 1)).toBe(true);
    for (const name of [retried!, squares!, parent!]) {
      expect(await getRun(store, name)).toMatchObject({ status: 'COMPLETED' });
    }
    const [child] = await getChildRuns(store, (await getRun(store, parent!)).id);
    expect(child).toMatchObject({ workflowType: 'parallelSquares', status: 'COMPLETED' });
    expect((await getRunExecutions(store, child!.name)).every((e) => e.state === 'COMPLETE')).toBe(true);
  });

  it('writes attempts that end within one window in one transaction', async () => {
    const plugin = new LineagePlugin({ store: ctx.store(), commit: 'batched', batchWindowMs: 1_000 });
    const [name] = await runAll(plugin, [{ workflowType: 'parallelSquares', args: [20] }]);
    // Rows written by one statement share the transaction id that inserted them (xmin).
    const [row] = await ctx.store().rows<{ attempts: number; transactions: number }>(sql`
      select count(*)::int as attempts, count(distinct xmin::text)::int as transactions
      from executions where workflow_id || '/' || run_id = ${name!} and state = 'COMPLETE'`);
    expect(row!.attempts).toBe(20);
    expect(row!.transactions).toBeLessThanOrEqual(4);
  });

  /** Another session holds a lock that blocks every write to executions (reads still pass). */
  async function lockExecutions(): Promise<{ release(): Promise<void> }> {
    const blocker = postgres(ctx.url!, { max: 1, onnotice: () => {} });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked: () => void = () => {};
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const transaction = blocker.begin(async (tx) => {
      await tx`lock table executions in exclusive mode`;
      locked();
      await held;
    });
    await Promise.race([lockTaken, transaction]);
    return {
      async release() {
        release();
        await transaction.catch(() => {});
        await blocker.end({ timeout: 5 });
      },
    };
  }

  const executionCount = async (name: string) =>
    (
      await ctx
        .store()
        .rows<{ n: number }>(
          sql`select count(*)::int as n from executions where workflow_id || '/' || run_id = ${name}`,
        )
    )[0]!.n;

  it.runIf(driver === 'postgres')(
    'lets activities and runs complete while the store cannot take writes, and writes them once it can',
    async () => {
      // With commit before-result the activities would wait for the lock; batched, they do not.
      const lock = await lockExecutions();
      try {
        const plugin = new LineagePlugin({ store: ctx.store(), commit: 'batched', batchWindowMs: 20 });
        await runAll(plugin, [{ workflowType: 'parallelSquares', args: [3] }], async ([name]) => {
          expect(await executionCount(name!)).toBe(0);
          expect(await plugin.flush(300)).toBe(false);
          await lock.release();
          expect(await plugin.flush()).toBe(true);
          expect(await executionCount(name!)).toBe(3);
          expect(await getRun(ctx.store(), name!)).toMatchObject({ status: 'COMPLETED' });
        });
      } finally {
        await lock.release();
      }
    },
  );

  it.runIf(driver === 'postgres')(
    'makes activities wait for their records once batchMaxPending writes are behind',
    async () => {
      const lock = await lockExecutions();
      const taskQueue = uniqueQueue('batched-backlog');
      const plugin = new LineagePlugin({
        store: ctx.store(),
        commit: 'batched',
        batchWindowMs: 20,
        batchMaxPending: 2,
      });
      try {
        await withWorker({ plugin, taskQueue, activities }, async () => {
          const client = await testClient();
          const handle = await client.workflow.start('parallelSquares', {
            taskQueue,
            workflowId: uniqueQueue('backlog'),
            args: [4],
          });
          // Two records may wait in memory; the other attempts wait for the store, so the run cannot end.
          const early = await Promise.race([
            handle.result().then(() => 'completed'),
            new Promise((resolve) => setTimeout(() => resolve('still running'), 2_000)),
          ]);
          // Released before asserting: a stopping worker writes what it holds, which needs the lock gone.
          await lock.release();
          expect(early).toBe('still running');
          expect(await handle.result()).toEqual([0, 1, 4, 9]);
          expect(await plugin.flush()).toBe(true);
          expect(await executionCount(`${handle.workflowId}/${handle.firstExecutionRunId}`)).toBe(4);
        });
      } finally {
        await lock.release();
      }
    },
  );

  it.runIf(driver === 'postgres')(
    'keeps memory bounded while many short runs end behind a store that cannot take writes',
    async () => {
      // Each run's end waits for the writes captured before it. Waiting on a snapshot of every
      // running write made that cost (runs ended) x (writes behind), and had each run end wait
      // for the one before it too (one batch window apart): 2,000 one-step runs then held
      // millions of waiters and took 40 s to write.
      const lock = await lockExecutions();
      const recorder = new Recorder(
        parsePluginOptions({ store: ctx.store(), commit: 'batched', batchWindowMs: 20 }),
      );
      const runs = 2_000;
      const prefix = uniqueQueue('short');
      try {
        const before = getHeapStatistics().used_heap_size;
        for (let k = 0; k < runs; k++) {
          const run = { workflowId: `${prefix}-${k}`, runId: 'r1' };
          const workflow = { ...run, workflowType: 'short', taskQueue: 'q', startTime: new Date() };
          await recorder.runStarted(workflow as WorkflowInfo, [k], {});
          const info = {
            activityId: '1',
            activityType: 'square',
            attempt: 1,
            taskQueue: 'q',
            isLocal: false,
            workflowExecution: run,
            workflowType: 'short',
          };
          const started = await recorder.attemptStarted(info as ActivityInfo, [k]);
          await recorder.attemptEnded(started, { result: k * k });
          await recorder.runEnded(workflow as WorkflowInfo, 'COMPLETED', k * k, null);
        }
        const grownMb = (getHeapStatistics().used_heap_size - before) / 2 ** 20;
        await lock.release();
        // Within flush's default timeout: run ends do not wait for each other, only for attempts.
        expect(await recorder.flush()).toBe(true);
        expect(grownMb).toBeLessThan(150);
        const [row] = await ctx.store().rows<{ executions: number; completed: number }>(sql`
          select (select count(*)::int from executions where workflow_id like ${`${prefix}-%`}) as executions,
            (select count(*)::int from contexts where type = 'run' and workflow_id like ${`${prefix}-%`}
              and status = 'COMPLETED') as completed`);
        expect(row).toEqual({ executions: runs, completed: runs });
      } finally {
        await lock.release();
        await recorder.close();
      }
    },
    120_000,
  );
});
