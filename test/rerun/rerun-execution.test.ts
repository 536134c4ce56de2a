import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RerunActivityNotRegisteredError,
  RerunInputNotReplayableError,
  RerunNoWorkerError,
  RerunOverrideError,
} from '../../src/errors';
import { LineagePlugin } from '../../src/plugin';
import { getChildRuns, getRunExecutions } from '../../src/query/run-detail';
import { getRun } from '../../src/query/get-run';
import { rerunExecution } from '../../src/rerun/rerun-execution';
import { formatVerdict } from '../../src/rerun/verdict';
import { executions } from '../../src/store/schema';
import { DRIVERS, useStore } from '../support/stores';
import { testClient } from '../support/temporal';
import {
  allActivities,
  recordExecution,
  runWorkflow,
  startWorker,
  type RunningWorker,
} from './rerun-support';

describe.each(DRIVERS)('rerun execution on %s', (driver) => {
  const ctx = useStore(driver, `rerun_execution_${driver}`);
  const { activities, calls } = allActivities();
  let client: Client;
  let worker: RunningWorker;
  beforeAll(async () => {
    client = await testClient();
    worker = await startWorker(new LineagePlugin({ store: ctx.store() }), activities, `rerun-${driver}`);
  });
  afterAll(() => worker?.stop());

  async function onlyExecution(name: string, activityType: string) {
    const found = (await getRunExecutions(ctx.store(), name)).filter((e) => e.activityType === activityType);
    expect(found).toHaveLength(1);
    return found[0]!;
  }
  const rerunsOf = (id: number) => ctx.store().db.select().from(executions).where(eq(executions.rerunOf, id));

  it("reruns the pipeline's seeded training activity with its recorded inputs: reproduced", async () => {
    const { name } = await runWorkflow(client, worker.taskQueue, 'trainingPipeline', [
      { seed: 5, grid: [{ nEstimators: 5 }] },
    ]);
    const [search] = await getChildRuns(ctx.store(), (await getRun(ctx.store(), name)).id);
    const train = await onlyExecution(search!.name, 'trainModel');

    const { verdict, rerun, original } = await rerunExecution({
      store: ctx.store(),
      client,
      execution: train.id,
    });

    expect(original.id).toBe(train.id);
    expect(rerun).toMatchObject({
      activityType: 'trainModel',
      state: 'COMPLETE',
      rerunOf: train.id,
      taskQueue: worker.taskQueue,
      inputDigest: train.inputDigest,
    });
    expect(rerun.id).not.toBe(train.id);
    expect(verdict.status).toBe('reproduced');
    expect(verdict.outputs.map((o) => [o.path, o.status, o.after?.type])).toEqual([
      ['result', 'same', 'Model'],
    ]);
    expect(formatVerdict(verdict)).toMatch(
      /^verdict: reproduced \(1 output, every digest equal\)\n {2}= result {2}Model {2}sha256:/,
    );
  });

  it('says differs, naming the output path, for an activity that returns a fresh random number', async () => {
    const { name, result } = await runWorkflow(client, worker.taskQueue, 'randomOnce', []);
    const original = await onlyExecution(name, 'random');
    const { verdict, rerun } = await rerunExecution({ store: ctx.store(), client, execution: original.id });
    expect(verdict.status).toBe('differs');
    expect(verdict.outputs).toHaveLength(1);
    const [changed] = verdict.outputs;
    expect(changed).toMatchObject({ path: 'result', status: 'changed', before: { value: result } });
    expect(changed!.after!.value).toBe(rerun.outputs[0]!.artifact.value);
    expect(changed!.after!.digest).not.toBe(changed!.before!.digest);
    expect(formatVerdict(verdict)).toContain('≠ result  Value  changed');
  });

  it('runs with an overridden input (--set) and reports the changed output', async () => {
    const { name } = await runWorkflow(client, worker.taskQueue, 'parallelSquares', [1]);
    const original = await onlyExecution(name, 'square');
    const before = calls.square;
    const { verdict, rerun } = await rerunExecution({
      store: ctx.store(),
      client,
      execution: original.id,
      set: { 'args[0]': 5 },
    });
    expect(calls.square).toBe(before + 1);
    expect(rerun.inputs.map((i) => [i.path, i.artifact.value])).toEqual([['args[0]', 5]]);
    expect(verdict.status).toBe('differs');
    expect(verdict.outputs.map((o) => [o.path, o.before?.value, o.after?.value])).toEqual([
      ['result', 0, 25],
    ]);
  });

  it('refuses an input stored digest-only, naming the input and the option, before anything runs', async () => {
    const small = await startWorker(
      new LineagePlugin({ store: ctx.store(), maxInlineBytes: 16 }),
      activities,
      `rerun-small-${driver}`,
    );
    try {
      const { name } = await runWorkflow(client, small.taskQueue, 'echoes', [
        'a value longer than sixteen bytes',
      ]);
      const original = await onlyExecution(name, 'echo');
      const before = calls.echo;
      const error = await rerunExecution({ store: ctx.store(), client, execution: original.id }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RerunInputNotReplayableError);
      expect(error).toMatchObject({ input: 'args[0]', target: `execution ${original.id}` });
      expect((error as Error).message).toMatch(/args\[0\].*digest only.*maxInlineBytes/);
      expect(calls.echo).toBe(before);
      expect(await rerunsOf(original.id)).toEqual([]);

      // Replacing the whole input stands in for the value that was not stored.
      const { rerun } = await rerunExecution({
        store: ctx.store(),
        client,
        execution: original.id,
        set: { 'args[0]': 'short' },
      });
      expect(rerun.outputs[0]!.artifact.value).toBe('short');
    } finally {
      await small.stop();
    }
  });

  it('refuses an override naming a path the recorded input does not have', async () => {
    const { name } = await runWorkflow(client, worker.taskQueue, 'echoes', [{ seed: 1 }]);
    const original = await onlyExecution(name, 'echo');
    const attempt = (set: Record<string, unknown>) =>
      rerunExecution({ store: ctx.store(), client, execution: original.id, set }).catch((e: unknown) => e);
    expect(await attempt({ 'args[0].sed': 2 })).toMatchObject({
      name: 'RerunOverrideError',
      path: 'args[0].sed',
      message: expect.stringContaining("no field 'sed' (it has: seed)") as unknown,
    });
    expect(await attempt({ 'args[1]': 2 })).toBeInstanceOf(RerunOverrideError);
    expect(await attempt({ 'args[0].seed.x': 2 })).toBeInstanceOf(RerunOverrideError);
    expect(await rerunsOf(original.id)).toEqual([]);
  });

  it('fails fast when no worker polls the original task queue', async () => {
    const id = await recordExecution(ctx.store(), {
      activityType: 'square',
      taskQueue: `nobody-polls-${driver}`,
      args: [2],
    });
    const started = Date.now();
    const error = await rerunExecution({ store: ctx.store(), client, execution: id }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RerunNoWorkerError);
    expect(error).toMatchObject({ taskQueue: `nobody-polls-${driver}`, taskQueueType: 'activity' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports an activity type that the worker on the queue does not register', async () => {
    const id = await recordExecution(ctx.store(), {
      activityType: 'noSuchActivity',
      taskQueue: worker.taskQueue,
      args: [1],
    });
    const error = await rerunExecution({ store: ctx.store(), client, execution: id }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RerunActivityNotRegisteredError);
    expect(error).toMatchObject({ activityType: 'noSuchActivity', taskQueue: worker.taskQueue });
  });
});
