import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createMlActivities } from '../../activities';
import { LineagePlugin } from '../../src/plugin';
import { findArtifacts, getArtifactUsage } from '../../src/query/artifacts';
import { getRun } from '../../src/query/get-run';
import { getChildRuns, getParents, getRunExecutions } from '../../src/query/run-detail';
import { upstreamOf } from '../../src/query/upstream';
import { fixtureActivities } from '../fixtures/activities';
import { DRIVERS, useStore } from '../support/stores';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';

describe.each(DRIVERS)('capture on %s', (driver) => {
  const ctx = useStore(driver, `capture_${driver}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'lineage-ml-'));
  const fixtures = fixtureActivities();
  const activities = { ...createMlActivities({ dataDir }), ...fixtures.activities };

  async function run<T>(workflowType: string, args: unknown[]): Promise<{ result: T; name: string }> {
    const taskQueue = uniqueQueue(driver);
    const client = await testClient();
    const plugin = new LineagePlugin({ store: ctx.store() });
    return withWorker({ plugin, taskQueue, activities }, async () => {
      const handle = await client.workflow.start(workflowType, {
        taskQueue,
        workflowId: uniqueQueue(workflowType),
        args,
      });
      const result = (await handle.result()) as T;
      return { result, name: `${handle.workflowId}/${handle.firstExecutionRunId}` };
    });
  }

  const count = async (query: ReturnType<typeof sql>) =>
    Number((await ctx.store().rows<{ n: string | number }>(query))[0]!.n);

  it('records the ML pipeline: one COMPLETE execution per activity, typed artifacts, child run under its parent', async () => {
    const { name } = await run('trainingPipeline', [{ seed: 7 }]);
    const store = ctx.store();
    const parent = await getRun(store, name);
    expect(parent).toMatchObject({ workflowType: 'trainingPipeline', status: 'COMPLETED' });
    expect(parent.argsDigest).toMatch(/^sha256:/);

    const parentExecutions = await getRunExecutions(store, name);
    expect(parentExecutions.map((e) => [e.activityType, e.attempt, e.state])).toEqual([
      ['loadIris', 1, 'COMPLETE'],
      ['splitDataset', 1, 'COMPLETE'],
      ['registerModel', 1, 'COMPLETE'],
    ]);
    const [children, parents] = [await getChildRuns(store, parent.id), await getParents(store, parent.id)];
    expect(parents.map((p) => [p.type, p.name])).toEqual([['pipeline', 'trainingPipeline']]);
    expect(children).toHaveLength(1);
    const child = children[0]!;
    expect(child).toMatchObject({ workflowType: 'hyperparameterSearch', status: 'COMPLETED' });
    expect((await getParents(store, child.id)).map((p) => p.name).sort()).toEqual(
      [name, 'hyperparameterSearch'].sort(),
    );

    const childExecutions = await getRunExecutions(store, child.name);
    const types = childExecutions.map((e) => e.activityType).sort();
    expect(types).toEqual([
      'evaluateModel',
      'evaluateModel',
      'evaluateModel',
      'trainModel',
      'trainModel',
      'trainModel',
    ]);
    expect(
      childExecutions.every(
        (e) => e.state === 'COMPLETE' && e.endedAt && e.inputDigest.startsWith('sha256:'),
      ),
    ).toBe(true);

    const split = parentExecutions[1]!;
    expect(split.inputs.map((i) => [i.path, i.artifact.type])).toEqual([
      ['args[0]', 'Dataset'],
      ['args[1]', 'Value'],
    ]);
    expect(split.outputs.map((o) => [o.path, o.artifact.type])).toEqual([
      ['result', 'Value'],
      ['result.test', 'Dataset'],
      ['result.train', 'Dataset'],
    ]);
    const train = childExecutions.find((e) => e.activityType === 'trainModel')!;
    expect(train.outputs.map((o) => [o.path, o.artifact.type])).toEqual([['result', 'Model']]);
    expect(train.outputs[0]!.artifact.uri).toMatch(/^file:\/\/.*\.json$/);
    expect(train.outputs[0]!.artifact.digest).not.toBe(train.outputs[0]!.artifact.valueDigest);

    // The registered model's provenance reaches the raw dataset through split and train.
    const registered = parentExecutions[2]!.outputs.find((o) => o.path === 'result')!.artifact;
    const upstream = await upstreamOf(store, registered.id);
    const upstreamTypes = new Set(upstream.map((step) => step.execution.activityType));
    expect([...upstreamTypes].sort()).toEqual([
      'evaluateModel',
      'loadIris',
      'registerModel',
      'splitDataset',
      'trainModel',
    ]);
    expect(upstream[0]!.execution.activityType).toBe('registerModel');
  });

  it('shares one dataset artifact between two runs over the same data', async () => {
    const first = await run('trainingPipeline', [{ seed: 11 }]);
    const second = await run('trainingPipeline', [{ seed: 12 }]);
    const store = ctx.store();
    const raw = (await findArtifacts(store, { type: 'Dataset', limit: 1000 })).artifacts.filter((a) =>
      a.uri?.endsWith('iris-raw.json'),
    );
    expect(raw).toHaveLength(1);
    const { producers } = await getArtifactUsage(store, raw[0]!.id);
    const producerRuns = new Set(producers.map((p) => `${p.workflowId}/${p.runId}`));
    expect(producerRuns.has(first.name) && producerRuns.has(second.name)).toBe(true);
  });

  it('records a failed attempt and its successful retry as two executions', async () => {
    const { result, name } = await run<string>('retriedOnce', ['k1']);
    expect(result).toBe('done:k1');
    const executions = await getRunExecutions(ctx.store(), name);
    expect(executions.map((e) => [e.attempt, e.state])).toEqual([
      [1, 'FAILED'],
      [2, 'COMPLETE'],
    ]);
    expect(executions[0]!.error).toMatchObject({ type: 'Flaky', message: 'first attempt for k1 fails' });
    expect(executions[0]!.outputs).toEqual([]);
    expect(executions[1]!.outputs.map((o) => o.artifact.value)).toEqual(['done:k1']);
    expect(executions[0]!.inputDigest).toBe(executions[1]!.inputDigest);
  });

  it('records parallel activities as distinct executions', async () => {
    const { result, name } = await run<number[]>('parallelSquares', [6]);
    expect(result).toEqual([0, 1, 4, 9, 16, 25]);
    const executions = await getRunExecutions(ctx.store(), name);
    expect(executions).toHaveLength(6);
    expect(new Set(executions.map((e) => e.activityId)).size).toBe(6);
    const outputs = executions.map((e) => e.outputs[0]!.artifact.value as number).sort((a, b) => a - b);
    expect(outputs).toEqual([0, 1, 4, 9, 16, 25]);
  });

  it('marks a run FAILED when its workflow fails', async () => {
    await expect(run('failsAfterOneStep', [])).rejects.toBeInstanceOf(WorkflowFailedError);
    const rows = await ctx
      .store()
      .rows<{ status: string; error: string }>(
        sql`select status, error from contexts where type = 'run' and workflow_type = 'failsAfterOneStep'`,
      );
    expect(rows).toEqual([{ status: 'FAILED', error: 'the pipeline gave up' }]);
  });

  it('passes values through unchanged and records them so that they decode to what the activity saw', async () => {
    const value = { text: 'a\u0000b', nested: [{ kind: 'Metrics', accuracy: 0.5 }], bytes: 'not bytes' };
    const { result, name } = await run('echoes', [value]);
    expect(result).toEqual(value);
    const [execution] = await getRunExecutions(ctx.store(), name);
    expect(execution!.inputs.map((i) => [i.path, i.artifact.type])).toEqual([
      ['args[0]', 'Value'],
      ['args[0].nested[0]', 'Metrics'],
    ]);
    expect(execution!.inputs[0]!.artifact.value).toEqual({
      ...value,
      text: { $lineage: 'string', json: '"a\\u0000b"' },
    });
  });

  it('writes no duplicate rows when the same sink call or attempt is delivered twice', async () => {
    const { name } = await run<number[]>('parallelSquares', [2]);
    const store = ctx.store();
    const before = await count(sql`select
      (select count(*) from contexts) + (select count(*) from executions) + (select count(*) from events)
      + (select count(*) from artifacts) + (select count(*) from parent_contexts) + (select count(*) from associations)
      + (select count(*) from attributions) as n`);
    const plugin = new LineagePlugin({ store });
    const sinks = plugin.configureWorker({ taskQueue: 'x' }).sinks as Record<
      string,
      Record<string, { fn: (...a: unknown[]) => Promise<void> }>
    >;
    const [workflowId, runId] = name.split('/') as [string, string];
    const info = {
      workflowId,
      runId,
      workflowType: 'parallelSquares',
      taskQueue: 'x',
      startTime: new Date(),
    };
    await sinks.lineage!.runStarted!.fn(info, [2], {});
    await sinks.lineage!.runStarted!.fn(info, [2], {});
    await sinks.lineage!.runEnded!.fn(info, 'COMPLETED', [0, 1], null);
    const after = await count(sql`select
      (select count(*) from contexts) + (select count(*) from executions) + (select count(*) from events)
      + (select count(*) from artifacts) + (select count(*) from parent_contexts) + (select count(*) from associations)
      + (select count(*) from attributions) as n`);
    expect(after).toBe(before);
    expect((await getRun(store, name)).status).toBe('COMPLETED');
  });
});
