import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineageOptionsError } from '../../src/errors';
import { LineagePlugin } from '../../src/plugin';
import { getExecution, getRunExecutions } from '../../src/query/run-detail';
import { rerunExecution } from '../../src/rerun/rerun-execution';
import { startRunRerun } from '../../src/rerun/rerun-run';
import { createWriters } from '../../src/store/writers';
import { DRIVERS, useStore } from '../support/stores';
import { testClient } from '../support/temporal';
import { allActivities, runWorkflow, startWorker, type RunningWorker } from './rerun-support';

describe.each(DRIVERS)('execution cache on %s', (driver) => {
  const ctx = useStore(driver, `rerun_cache_${driver}`);
  const { activities, calls, dataDir } = allActivities();
  const cache = { square: true, countLines: { version: 'v1' }, alwaysFails: true } as const;
  let client: Client;
  let worker: RunningWorker;
  beforeAll(async () => {
    client = await testClient();
    worker = await startWorker(
      new LineagePlugin({ store: ctx.store(), cache }),
      activities,
      `cache-${driver}`,
    );
  });
  afterAll(() => worker?.stop());

  const states = async (name: string) => (await getRunExecutions(ctx.store(), name)).map((e) => e.state);

  it('a hit returns the recorded output without running the body: CACHED, once, linked to the original outputs', async () => {
    const first = await runWorkflow(client, worker.taskQueue, 'parallelSquares', [3]);
    const before = calls.square;
    const second = await runWorkflow(client, worker.taskQueue, 'parallelSquares', [3]);
    expect(second.result).toEqual([0, 1, 4]);
    expect(calls.square).toBe(before);

    const cached = await getRunExecutions(ctx.store(), second.name);
    expect(cached.map((e) => e.state)).toEqual(['CACHED', 'CACHED', 'CACHED']);
    const originals = new Map((await getRunExecutions(ctx.store(), first.name)).map((e) => [e.id, e]));
    for (const execution of cached) {
      const source = originals.get(execution.cachedFrom!)!;
      expect(source).toBeDefined();
      expect(execution).toMatchObject({
        rerunOf: null,
        cacheKey: source.cacheKey,
        outputDigest: source.outputDigest,
      });
      expect(execution.outputs.map((o) => o.artifact.id)).toEqual(source.outputs.map((o) => o.artifact.id));
    }

    // Writing the CACHED end again (a redelivered attempt) adds nothing.
    const [again] = cached;
    await createWriters(ctx.store()).attempts.endCached(
      { executionId: again!.id },
      { sourceExecutionId: again!.cachedFrom!, outputDigest: again!.outputDigest, endedAt: new Date() },
    );
    expect((await getExecution(ctx.store(), again!.id)).outputs).toEqual(again!.outputs);

    // A rerun that bypasses the cache runs the bodies again; so does rerunning one execution.
    await (await startRunRerun({ store: ctx.store(), client, run: second.name, noCache: true })).result();
    expect(calls.square).toBe(before + 3);
    const { rerun } = await rerunExecution({ store: ctx.store(), client, execution: cached[2]!.id });
    expect(calls.square).toBe(before + 4);
    expect(rerun).toMatchObject({ state: 'COMPLETE', rerunOf: cached[2]!.id, cachedFrom: null });
  });

  it('reuses only the activity types the cache option names', async () => {
    await runWorkflow(client, worker.taskQueue, 'echoes', ['x']);
    const before = calls.echo;
    const { name } = await runWorkflow(client, worker.taskQueue, 'echoes', ['x']);
    expect(calls.echo).toBe(before + 1);
    expect(await states(name)).toEqual(['COMPLETE']);
  });

  it('never reuses a failed execution', async () => {
    const before = calls.alwaysFails;
    for (let i = 0; i < 2; i++) {
      await expect(runWorkflow(client, worker.taskQueue, 'failsAlways', ['k'])).rejects.toBeInstanceOf(
        WorkflowFailedError,
      );
    }
    expect(calls.alwaysFails).toBe(before + 2);
  });

  it('misses when the bytes behind a typed file:// input changed, and hits when they are the same', async () => {
    const file = join(dataDir, 'lines.txt');
    const dataset = { kind: 'Dataset', uri: pathToFileURL(file).href };
    writeFileSync(file, 'a\nb\nc\n');
    const first = await runWorkflow(client, worker.taskQueue, 'linesOf', [dataset]);
    const counted = calls.countLines;
    expect((await runWorkflow(client, worker.taskQueue, 'linesOf', [dataset])).result).toBe(3);
    expect(calls.countLines).toBe(counted);

    writeFileSync(file, 'a\nb\nc\nd\n');
    const changed = await runWorkflow(client, worker.taskQueue, 'linesOf', [dataset]);
    expect(changed.result).toBe(4);
    expect(calls.countLines).toBe(counted + 1);
    const [a, b] = [
      (await getRunExecutions(ctx.store(), first.name))[0]!,
      (await getRunExecutions(ctx.store(), changed.name))[0]!,
    ];
    expect(b.inputDigest).toBe(a.inputDigest);
    expect(b.cacheKey).not.toBe(a.cacheKey);
  });

  it('misses under another cache version; overwriteCache recomputes and later hits reuse the fresh result', async () => {
    const file = join(dataDir, 'versions.txt');
    const dataset = { kind: 'Dataset', uri: pathToFileURL(file).href };
    writeFileSync(file, '1\n2\n');
    await runWorkflow(client, worker.taskQueue, 'linesOf', [dataset]);
    const counted = calls.countLines;

    const v2 = await startWorker(
      new LineagePlugin({ store: ctx.store(), cache: { countLines: { version: 'v2' } } }),
      activities,
      `cache-v2-${driver}`,
    );
    const overwrite = await startWorker(
      new LineagePlugin({ store: ctx.store(), cache, overwriteCache: ['countLines'] }),
      activities,
      `cache-overwrite-${driver}`,
    );
    try {
      const other = await runWorkflow(client, v2.taskQueue, 'linesOf', [dataset]);
      expect(calls.countLines).toBe(counted + 1);
      expect((await getRunExecutions(ctx.store(), other.name))[0]).toMatchObject({
        state: 'COMPLETE',
        cacheVersion: 'v2',
      });

      const fresh = await runWorkflow(client, overwrite.taskQueue, 'linesOf', [dataset]);
      expect(calls.countLines).toBe(counted + 2);
      const freshExecution = (await getRunExecutions(ctx.store(), fresh.name))[0]!;
      expect(freshExecution).toMatchObject({ state: 'COMPLETE', cacheVersion: 'v1' });

      const hit = await runWorkflow(client, worker.taskQueue, 'linesOf', [dataset]);
      expect(calls.countLines).toBe(counted + 2);
      const hitExecution = (await getRunExecutions(ctx.store(), hit.name))[0]!;
      expect(hitExecution.cachedFrom).toBe(freshExecution.id);
      expect((await getExecution(ctx.store(), hitExecution.id)).state).toBe('CACHED');
    } finally {
      await Promise.all([v2.stop(), overwrite.stop()]);
    }
  });
});

describe('cache options', () => {
  it('rejects a bad cache setting or overwrite list with a typed error naming the field', () => {
    const bad = [
      { cache: { trainModel: { version: '' } } },
      { cache: { trainModel: false } },
      { overwriteCache: 'yes' },
    ];
    for (const options of bad) {
      expect(() => new LineagePlugin({ dataDir: '/nonexistent', ...options } as never)).toThrow(
        LineageOptionsError,
      );
    }
    expect(
      () => new LineagePlugin({ dataDir: '/nonexistent', cache: { trainModel: { version: '' } } }),
    ).toThrow(/cache\.trainModel/);
  });
});
