import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RerunNoWorkerError, RerunOriginalRunningError, RerunStepNotFoundError } from '../../src/errors';
import { LineagePlugin } from '../../src/plugin';
import { getRun } from '../../src/query/get-run';
import { getChildRuns, getExecution } from '../../src/query/run-detail';
import { startRunRerun, type RerunStep } from '../../src/rerun/rerun-run';
import { runTree, treeExecutions } from '../../src/rerun/run-tree';
import { createWriters } from '../../src/store/writers';
import { DRIVERS, useStore } from '../support/stores';
import { testBundle, testClient, uniqueQueue } from '../support/temporal';
import { allActivities, runWorkflow, startWorker, type RunningWorker } from './rerun-support';

const tally = (steps: readonly RerunStep[]) => {
  const counts: Record<string, number> = {};
  for (const s of steps)
    counts[`${s.activityType} ${s.state}`] = (counts[`${s.activityType} ${s.state}`] ?? 0) + 1;
  return counts;
};

const GRID = [{ nEstimators: 5 }, { nEstimators: 8, maxFeatures: 3 }];

describe.each(DRIVERS)('rerun run on %s', (driver) => {
  const ctx = useStore(driver, `rerun_run_${driver}`);
  const { activities } = allActivities();
  let client: Client;
  let worker: RunningWorker;
  let pipeline: string;
  beforeAll(async () => {
    client = await testClient();
    worker = await startWorker(new LineagePlugin({ store: ctx.store() }), activities, `rerun-run-${driver}`);
    ({ name: pipeline } = await runWorkflow(client, worker.taskQueue, 'trainingPipeline', [
      { seed: 9, grid: GRID },
    ]));
  });
  afterAll(() => worker?.stop());

  it('--from trainModel reuses the steps before it, across the child run, and runs trainModel and later steps', async () => {
    const store = ctx.store();
    const handle = await startRunRerun({ store, client, run: pipeline, from: 'trainModel' });
    expect(handle.name).toBe(`${handle.workflowId}/${handle.runId}`);
    const { rerun, steps, verdict, original } = await handle.result();

    expect(original.name).toBe(pipeline);
    expect(rerun).toMatchObject({
      name: handle.name,
      workflowType: 'trainingPipeline',
      status: 'COMPLETED',
      rerunOf: pipeline,
      rerunFrom: 'trainModel',
    });
    expect(tally(steps)).toEqual({
      'loadIris CACHED': 1,
      'splitDataset CACHED': 1,
      'trainModel COMPLETE': 2,
      'evaluateModel COMPLETE': 2,
      'registerModel COMPLETE': 1,
    });
    expect(verdict.status).toBe('reproduced');
    expect(verdict.outputs.map((o) => o.path)).toEqual([
      'result',
      'result.metrics',
      'result.model',
      'result.registered',
    ]);

    // The child run re-executes the original's child run, and knows the step too.
    const [originalChild] = await getChildRuns(store, original.id);
    const [newChild] = await getChildRuns(store, rerun.id);
    expect(newChild).toMatchObject({ rerunOf: originalChild!.name, rerunFrom: 'trainModel' });

    // CACHED executions point at the original's executions and at its very output artifacts.
    const originalIds = new Set(
      (await treeExecutions(store, await runTree(store, pipeline))).map((e) => e.id),
    );
    for (const step of steps.filter((s) => s.state === 'CACHED')) {
      expect(originalIds.has(step.cachedFrom!)).toBe(true);
      expect(step.rerunOf).toBe(step.cachedFrom);
      const [cached, source] = [
        await getExecution(store, step.executionId),
        await getExecution(store, step.cachedFrom!),
      ];
      const edges = (e: typeof cached) => e.outputs.map((o) => [o.path, o.artifact.id]);
      expect(edges(cached)).toEqual(edges(source));
      expect(cached.outputDigest).toBe(source.outputDigest);
      expect(cached.inputDigest).toBe(source.inputDigest);
    }
    // Steps that ran for real still say which original execution they re-executed.
    for (const step of steps.filter((s) => s.activityType === 'trainModel')) {
      expect(step.cachedFrom).toBeNull();
      expect(originalIds.has(step.rerunOf!)).toBe(true);
    }

    // Reuse happened in the worker, so the new histories replay without non-determinism.
    for (const workflowId of [handle.workflowId, newChild!.workflowId!]) {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory(
        { workflowBundle: await testBundle(), plugins: [new LineagePlugin({ store })] },
        history,
        workflowId,
      );
    }
  });

  it('--from an execution id restarts at that execution', async () => {
    const originalExecutions = await treeExecutions(ctx.store(), await runTree(ctx.store(), pipeline));
    const split = originalExecutions.find((e) => e.activityType === 'splitDataset')!;
    const { steps, verdict } = await (
      await startRunRerun({ store: ctx.store(), client, run: pipeline, from: String(split.id) })
    ).result();
    expect(tally(steps)).toEqual({
      'loadIris CACHED': 1,
      'splitDataset COMPLETE': 1,
      'trainModel COMPLETE': 2,
      'evaluateModel COMPLETE': 2,
      'registerModel COMPLETE': 1,
    });
    expect(verdict.status).toBe('reproduced');
  });

  it('--set changes a workflow argument and the verdict names the outputs that changed', async () => {
    const { name } = await runWorkflow(client, worker.taskQueue, 'parallelSquares', [2]);
    const { verdict, rerun } = await (
      await startRunRerun({ store: ctx.store(), client, run: name, set: { 'args[0]': 3 } })
    ).result();
    expect(rerun.args).toEqual([3]);
    expect(rerun).toMatchObject({ rerunOf: name, rerunFrom: null });
    expect(verdict.status).toBe('differs');
    expect(verdict.outputs.map((o) => [o.path, o.status, o.before?.value, o.after?.value])).toEqual([
      ['result', 'changed', [0, 1], [0, 1, 4]],
      ['result[0]', 'same', 0, 0],
      ['result[1]', 'same', 1, 1],
      ['result[2]', 'added', undefined, 4],
    ]);
  });

  it('refuses to rerun a run that is still running', async () => {
    const handle = await client.workflow.start('squareThenWait', {
      taskQueue: worker.taskQueue,
      workflowId: uniqueQueue('waiting'),
      args: [4],
    });
    const name = `${handle.workflowId}/${handle.firstExecutionRunId}`;
    try {
      await expect
        .poll(() => getRun(ctx.store(), name).then((r) => r.args), { timeout: 10_000 })
        .toEqual([4]);
      const error = await startRunRerun({ store: ctx.store(), client, run: name }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RerunOriginalRunningError);
      expect(error).toMatchObject({ run: name });
    } finally {
      await handle.signal('release');
      await handle.result();
    }
  });

  it('refuses an unknown --from step, listing the steps the run has', async () => {
    const error = await startRunRerun({
      store: ctx.store(),
      client,
      run: pipeline,
      from: 'trainModels',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RerunStepNotFoundError);
    expect(error).toMatchObject({
      step: 'trainModels',
      available: ['evaluateModel', 'loadIris', 'registerModel', 'splitDataset', 'trainModel'],
    });
  });

  it("fails fast when no worker polls the run's task queue", async () => {
    const run = { workflowId: uniqueQueue('orphan'), runId: randomUUID() };
    await createWriters(ctx.store()).runs.start({
      run,
      workflowType: 'parallelSquares',
      taskQueue: `nobody-polls-${driver}`,
      startedAt: new Date(),
      args: [1],
      argsDigest: 'sha256:unused',
      parent: null,
      root: null,
      rerunOf: null,
      rerunFrom: null,
    });
    await createWriters(ctx.store()).runs.end({
      run,
      workflowType: 'parallelSquares',
      status: 'COMPLETED',
      endedAt: new Date(),
      result: [0],
      error: null,
    });
    const error = await startRunRerun({
      store: ctx.store(),
      client,
      run: `${run.workflowId}/${run.runId}`,
      set: { 'args[0]': 2 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RerunNoWorkerError);
    expect(error).toMatchObject({ taskQueue: `nobody-polls-${driver}`, taskQueueType: 'workflow' });
  });
});
