import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMlActivities } from '../../activities';
import { LineagePlugin } from '../../src/plugin';
import { compareRuns } from '../../src/query/compare';
import { diffRuns, type RunDiff } from '../../src/query/diff';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { json, lineage, useCliStore } from '../cli/run-cli';
import { fixtureActivities } from '../fixtures/activities';
import { DRIVERS } from '../support/stores';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';

/** Pairs of runs of different shapes: a step skipped, a value grown, a retry, two overlapping grids. */
async function record(store: LineageStore) {
  const client = await testClient();
  const taskQueue = uniqueQueue('diff-shapes');
  const activities = {
    ...createMlActivities({ dataDir: mkdtempSync(join(tmpdir(), 'lineage-shapes-')) }),
    ...fixtureActivities().activities,
  };
  const run = async (workflowType: string, args: unknown[]) => {
    const handle = await client.workflow.start(workflowType, {
      taskQueue,
      workflowId: uniqueQueue(workflowType),
      args,
    });
    await handle.result();
    return `${handle.workflowId}/${handle.firstExecutionRunId}`;
  };
  return withWorker({ plugin: new LineagePlugin({ store }), taskQueue, activities }, async () => ({
    skipA: await run('stepsOf', [{ echo: { a: 1 }, square: 2 }]),
    skipB: await run('stepsOf', [{ square: 2 }]),
    grewA: await run('stepsOf', [{ echo: { a: 1 } }]),
    grewB: await run('stepsOf', [{ echo: { a: 1, b: 2 } }]),
    retryA: await run('maybeRetried', [false]),
    retryB: await run('maybeRetried', [true]),
    gridA: await run('trainingPipeline', [{ seed: 3, grid: [{ nEstimators: 5 }, { nEstimators: 8 }] }]),
    gridB: await run('trainingPipeline', [{ seed: 3, grid: [{ nEstimators: 8 }, { nEstimators: 13 }] }]),
  }));
}

const train = (n: number) => `hyperparameterSearch/trainModel[args[1].nEstimators=${n}]`;
const evaluate = (n: number) => `hyperparameterSearch/evaluateModel ← ${train(n)}, splitDataset`;

describe.each(DRIVERS)('diff and compare of runs of different shapes on %s', (driver) => {
  const cli = useCliStore(driver, `diff_shapes_${driver}`, record);
  const withStore = async <T>(body: (store: LineageStore) => Promise<T>): Promise<T> => {
    const store = await openStore(driver === 'postgres' ? { url: cli.db() } : { dir: cli.db() });
    try {
      return await body(store);
    } finally {
      await store.close();
    }
  };
  const diff = (a: string, b: string) => withStore((store) => diffRuns(store, a, b));

  it('a skipped step is removed, and its parameters and outputs are listed as removed, B missing', async () => {
    const { skipA, skipB } = cli.filled();
    const d = await diff(skipA, skipB);
    expect(d.steps).toEqual([
      {
        step: 'echo',
        change: 'removed',
        pairedBy: 'identity',
        a: { state: 'COMPLETE', attempts: 1 },
        b: 'missing',
      },
    ]);
    expect(d.parameters).toEqual([
      { step: 'stepsOf', path: 'args[0].echo.a', change: 'removed', a: 1, b: 'missing' },
      { step: 'echo', path: 'args[0].a', change: 'removed', a: 1, b: 'missing' },
    ]);
    expect(d.outputValues).toEqual([
      { step: 'echo', path: 'result.a', change: 'removed', a: 1, b: 'missing' },
    ]);
    // The other direction: the step is added, with everything it had.
    const back = await diff(skipB, skipA);
    expect(back.steps.map((s) => [s.step, s.change, s.a])).toEqual([['echo', 'added', 'missing']]);
    expect(back.outputValues).toEqual([
      { step: 'echo', path: 'result.a', change: 'added', a: 'missing', b: 1 },
    ]);
  });

  it('{a:1} against {a:1,b:2}: the argument and the result each gain b, and nothing else is reported', async () => {
    const { grewA, grewB } = cli.filled();
    const d = await diff(grewA, grewB);
    expect(d.steps).toEqual([]);
    expect(d.parameters).toEqual([
      { step: 'stepsOf', path: 'args[0].echo.b', change: 'added', a: 'missing', b: 2 },
      { step: 'echo', path: 'args[0].b', change: 'added', a: 'missing', b: 2 },
    ]);
    expect(d.outputValues).toEqual([{ step: 'echo', path: 'result.b', change: 'added', a: 'missing', b: 2 }]);
    expect(d.outputs).toEqual([]);
  });

  it('a step retried on one side is the same step, with its attempts changed', async () => {
    const { retryA, retryB } = cli.filled();
    const d = await diff(retryA, retryB);
    expect(d.steps).toEqual([
      {
        step: 'retriesIf',
        change: 'attempts',
        pairedBy: 'identity',
        a: { state: 'COMPLETE', attempts: 1 },
        b: { state: 'COMPLETE', attempts: 2 },
      },
    ]);
    expect(d.outputValues).toEqual([]);
  });

  it('two grids that overlap in one entry: that entry is paired, the others are absent on the other side', async () => {
    const { gridA, gridB } = cli.filled();
    const d: RunDiff = await diff(gridA, gridB);
    expect(d.steps.map((s) => [s.step, s.change])).toEqual([
      [evaluate(5), 'removed'],
      [evaluate(13), 'added'],
      [train(5), 'removed'],
      [train(13), 'added'],
    ]);
    const accuracy = d.metrics.filter((m) => m.field === 'accuracy');
    expect(accuracy.map((m) => m.step)).toEqual([evaluate(5), evaluate(8), evaluate(13)]);
    expect(accuracy[0]).toMatchObject({ b: 'missing', delta: null });
    expect(accuracy[1]).toMatchObject({ delta: 0 });
    expect(typeof accuracy[1]!.a).toBe('number');
    expect(accuracy[2]).toMatchObject({ a: 'missing', delta: null });

    const cmp = await withStore((store) => compareRuns(store, [gridA, gridB]));
    const row = (step: string) =>
      cmp.parameters.find((p) => p.step === step && p.path === 'args[1].nEstimators');
    expect(row(train(5))).toMatchObject({ values: [5, 'missing'], missing: [false, true] });
    expect(row(train(13))).toMatchObject({ values: ['missing', 13], missing: [true, false] });
    expect(row(train(8))).toBeUndefined();
    expect(cmp.metrics.find((m) => m.step === evaluate(13) && m.field === 'accuracy')!.values[0]).toBe(
      'missing',
    );
  });

  it('`lineage diff` prints absent sides as absent, and --json says missing', async () => {
    const { skipA, skipB } = cli.filled();
    // One after the other: an embedded store admits one process at a time.
    const text = await lineage(['--db', cli.db(), 'diff', skipA, skipB]);
    const asJson = await lineage(['--db', cli.db(), 'diff', skipA, skipB, '--json']);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/echo\s+removed\s+COMPLETE ×1\s+absent/);
    expect(text.stdout).toMatch(/echo\s+args\[0\]\.a\s+1\s+absent\s+removed/);
    expect(text.stdout).toMatch(/Output values\n.*\n\s+echo\s+result\.a\s+1\s+absent\s+removed/);
    const parsed = json<RunDiff>(asJson);
    expect(parsed.steps[0]).toMatchObject({ step: 'echo', change: 'removed', b: 'missing' });
    expect(parsed.outputValues).toEqual([
      { step: 'echo', path: 'result.a', change: 'removed', a: 1, b: 'missing' },
    ]);
  });
});
