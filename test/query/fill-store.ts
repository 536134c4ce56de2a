import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { createMlActivities } from '../../activities';
import { LineagePlugin } from '../../src/plugin';
import type { LineageStore } from '../../src/store/open-store';
import { fixtureActivities } from '../fixtures/activities';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';

/** Names (`workflowId/runId`) of the runs {@link fillStore} recorded. */
export interface Filled {
  /** A tag unique to this fill; every workflow id starts with `iris-<tag>-` or `echo-<tag>-`. */
  readonly tag: string;
  /** trainingPipeline, seed 7, default grid. */
  readonly runA: string;
  /** trainingPipeline, seed 12, a two-point grid. */
  readonly runB: string;
  /** failsAfterOneStep: a FAILED run. */
  readonly failed: string;
  /** echoes of a Dataset file before and after its content changed (same URI, new digest). */
  readonly echoA?: string;
  readonly echoB?: string;
}

/**
 * Records real runs through the plugin: the example Iris pipeline twice (different seed and
 * grid, so parameters, data and metrics differ), a failing run and, with `echoes`, one Dataset
 * file seen before and after its bytes changed. Takes a few seconds; do it once per file and driver.
 */
export async function fillStore(store: LineageStore, options: { echoes?: boolean } = {}): Promise<Filled> {
  const tag = randomBytes(3).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'lineage-query-'));
  const activities = { ...createMlActivities({ dataDir }), ...fixtureActivities().activities };
  const taskQueue = uniqueQueue(`query-${tag}`);
  const client = await testClient();
  const plugin = new LineagePlugin({ store });
  const run = async (workflowType: string, workflowId: string, args: unknown[]): Promise<string> => {
    const handle = await client.workflow.start(workflowType, { taskQueue, workflowId, args });
    await handle.result().catch((error: unknown) => {
      if (!(error instanceof WorkflowFailedError)) throw error;
    });
    return `${handle.workflowId}/${handle.firstExecutionRunId}`;
  };
  return withWorker({ plugin, taskQueue, activities }, async () => {
    const runA = await run('trainingPipeline', `iris-${tag}-a`, [{ seed: 7 }]);
    const grid = [{ nEstimators: 5, maxFeatures: 2 }, { nEstimators: 20 }];
    const runB = await run('trainingPipeline', `iris-${tag}-b`, [{ seed: 12, grid }]);
    const failed = await run('failsAfterOneStep', `fails-${tag}`, []);
    if (!options.echoes) return { tag, runA, runB, failed };
    const file = join(dataDir, 'echoed.csv');
    const dataset = { kind: 'Dataset', uri: pathToFileURL(file).href, name: 'echoed' };
    writeFileSync(file, 'x,y\n1,2\n');
    const echoA = await run('echoes', `echo-${tag}-a`, [dataset]);
    writeFileSync(file, 'x,y\n1,3\n');
    const echoB = await run('echoes', `echo-${tag}-b`, [dataset]);
    return { tag, runA, runB, failed, echoA, echoB };
  });
}
