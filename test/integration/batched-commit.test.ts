import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
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

  it.runIf(driver === 'postgres')(
    'lets activities and runs complete while the store cannot take writes, and writes them once it can',
    async () => {
      // Another session holds a lock that blocks every write to executions (reads still pass).
      // With commit before-result the activity would wait for it; batched, it does not.
      const blocker = postgres(ctx.url!, { max: 1, onnotice: () => {} });
      const store = ctx.store();
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked: () => void = () => {};
      const lockTaken = new Promise<void>((resolve) => (locked = resolve));
      const transaction = blocker.begin(async (tx) => {
        await tx`lock table executions in exclusive mode`;
        locked();
        await held;
      });
      try {
        await lockTaken;
        const plugin = new LineagePlugin({ store, commit: 'batched', batchWindowMs: 20 });
        await runAll(plugin, [{ workflowType: 'parallelSquares', args: [3] }], async ([name]) => {
          const count = async () =>
            Number(
              (
                await store.rows<{ n: number }>(
                  sql`select count(*)::int as n from executions where workflow_id || '/' || run_id = ${name!}`,
                )
              )[0]!.n,
            );
          expect(await count()).toBe(0);
          expect(await plugin.flush(300)).toBe(false);
          release();
          await transaction;
          expect(await plugin.flush()).toBe(true);
          expect(await count()).toBe(3);
          expect(await getRun(store, name!)).toMatchObject({ status: 'COMPLETED' });
        });
      } finally {
        release();
        await transaction.catch(() => {});
        await blocker.end({ timeout: 5 });
      }
    },
  );
});
