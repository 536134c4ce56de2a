import { describe, expect, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { traceLineage, type ExecutionNode } from '../../src/query/lineage';
import { getRunExecutions } from '../../src/query/run-detail';
import { fixtureActivities } from '../fixtures/activities';
import { DRIVERS, useStore } from '../support/stores';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';

describe.each(DRIVERS)('value-identified artifacts in lineage walks on %s', (driver) => {
  const ctx = useStore(driver, `value_lineage_${driver}`);

  async function runSquares(): Promise<string> {
    const taskQueue = uniqueQueue('value-lineage');
    const client = await testClient();
    return withWorker(
      {
        plugin: new LineagePlugin({ store: ctx.store() }),
        taskQueue,
        activities: fixtureActivities().activities,
      },
      async () => {
        const handle = await client.workflow.start('parallelSquares', {
          taskQueue,
          workflowId: uniqueQueue('squares'),
          args: [2],
        });
        await handle.result();
        return `${handle.workflowId}/${handle.firstExecutionRunId}`;
      },
    );
  }

  it('do not link executions of unrelated runs that happen to pass equal values', async () => {
    // square(1) reads 1 and returns 1 in both runs: one shared Value artifact row.
    const [first, second] = [await runSquares(), await runSquares()];
    const squareOfOne = (await getRunExecutions(ctx.store(), first)).find(
      (e) => e.inputs[0]?.artifact.value === 1,
    )!;
    const shared = squareOfOne.inputs[0]!.artifact.id;
    const producersOfShared = (await getRunExecutions(ctx.store(), second)).filter((e) =>
      e.outputs.some((o) => o.artifact.id === shared),
    );
    expect(producersOfShared).toHaveLength(1);

    const graph = await traceLineage(
      ctx.store(),
      { executionId: squareOfOne.id },
      { direction: 'both', maxHops: 6 },
    );
    const runs = new Set(
      graph.nodes.filter((n): n is ExecutionNode => n.kind === 'execution').map((n) => n.run),
    );
    expect(runs).toEqual(new Set([first]));

    // Seeded at the shared value itself, the walk reaches every execution that used it.
    const fromValue = await traceLineage(
      ctx.store(),
      { artifactId: shared },
      { direction: 'both', maxHops: 1 },
    );
    const usedBy = new Set(
      fromValue.nodes.filter((n): n is ExecutionNode => n.kind === 'execution').map((n) => n.run),
    );
    expect(usedBy).toEqual(new Set([first, second]));
  });
});
