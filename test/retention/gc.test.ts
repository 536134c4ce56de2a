import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { LineageNotFoundError, LineageOptionsError } from '../../src/errors';
import { LineagePlugin } from '../../src/plugin';
import { findArtifacts, getArtifact } from '../../src/query/artifacts';
import { getRun } from '../../src/query/get-run';
import { describeRun, getRunExecutions } from '../../src/query/run-detail';
import { upstreamOf } from '../../src/query/upstream';
import { collectGarbage } from '../../src/retention/gc';
import { fixtureActivities } from '../fixtures/activities';
import { fillStore, type Filled } from '../query/fill-store';
import { DRIVERS, useStore } from '../support/stores';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';
import { backdate, executionsOfTree, tableCounts, waitEnded } from './gc-support';

describe.each(DRIVERS)('retention (collectGarbage) on %s', (driver) => {
  const ctx = useStore(driver, `gc_${driver}`);
  let filled: Filled;
  /** Run A's registered model, its provenance before any collection, and the raw dataset both runs read. */
  let model: { id: number; uri: string };
  let provenanceOfA: string[];
  let provenanceOfB: string[];
  let rawDatasetId: number;

  /** The producer steps upstream of an artifact, optionally only those of workflows whose id starts with `within`. */
  const steps = async (artifactId: number, within = '') =>
    (await upstreamOf(ctx.store(), artifactId))
      .filter((s) => s.execution.workflowId.startsWith(within))
      .map((s) => `${s.hops} ${s.execution.activityType}`)
      .sort();
  const registered = async (run: string) =>
    (await describeRun(ctx.store(), run)).executions.find((e) => e.activityType === 'registerModel')!
      .outputs[0]!.artifact;

  beforeAll(async () => {
    filled = await fillStore(ctx.store());
    for (const run of [filled.runA, filled.runB, filled.failed]) await waitEnded(ctx.store(), run);
    // Run A and the failed run are old; run B is recent.
    await backdate(ctx.store(), filled.runA, 120);
    await backdate(ctx.store(), filled.failed, 200);
    const a = await registered(filled.runA);
    model = { id: a.id, uri: a.uri! };
    provenanceOfA = await steps(model.id);
    // Its own part: the shared raw dataset also has run A's loadIris as a producer, which goes with run A.
    provenanceOfB = await steps((await registered(filled.runB)).id, filled.runB.split('/')[0]);
    const load = (await getRunExecutions(ctx.store(), filled.runB)).find(
      (e) => e.activityType === 'loadIris',
    )!;
    rawDatasetId = load.outputs.find((o) => o.artifact.type === 'Dataset')!.artifact.id;
  });

  it('refuses pins that match nothing, and unclear cutoffs', async () => {
    const store = ctx.store();
    await expect(
      collectGarbage(store, { olderThan: '90d', pinUris: ['file:///nowhere'] }),
    ).rejects.toBeInstanceOf(LineageNotFoundError);
    await expect(
      collectGarbage(store, { olderThan: '90d', pinArtifactIds: [987_654] }),
    ).rejects.toBeInstanceOf(LineageNotFoundError);
    const typo = await collectGarbage(store, { olderThan: '90d', keepTypes: ['Modle'] }).catch(
      (e: unknown) => e,
    );
    expect(typo).toBeInstanceOf(LineageNotFoundError);
    expect((typo as LineageNotFoundError).suggestions).toContain('Model');
    await expect(collectGarbage(store, { olderThan: '90 days' })).rejects.toBeInstanceOf(LineageOptionsError);
    await expect(
      collectGarbage(store, { olderThan: '90d', before: new Date().toISOString() }),
    ).rejects.toBeInstanceOf(LineageOptionsError);
  });

  it('in a dry run reports what would go and changes nothing; the real run removes exactly that', async () => {
    const store = ctx.store();
    const before = await tableCounts(store);
    const failedExecutions = await executionsOfTree(store, filled.failed);
    const dry = await collectGarbage(store, { olderThan: '90d', keepTypes: ['Model'], dryRun: true });
    expect(await tableCounts(store)).toEqual(before);
    // Run A holds models: it and its child run stay, with everything upstream of them.
    expect(dry).toMatchObject({ dryRun: true, runs: 1, executions: failedExecutions, keptRuns: 2 });
    expect(dry.pinnedArtifacts).toBeGreaterThan(0);

    const real = await collectGarbage(store, { olderThan: '90d', keepTypes: ['Model'] });
    expect({ ...real, dryRun: true, cutoff: dry.cutoff }).toEqual(dry);
    const after = await tableCounts(store);
    expect(before.runs - after.runs).toBe(1);
    expect(before.executions - after.executions).toBe(real.executions);
    expect(before.events - after.events).toBe(real.events);
    expect(before.artifacts - after.artifacts).toBe(real.artifacts);
    await expect(getRun(store, filled.failed)).rejects.toBeInstanceOf(LineageNotFoundError);
    expect(await steps(model.id)).toEqual(provenanceOfA);
  });

  it('keeps a pinned URI and its provenance, and never takes RUNNING runs', async () => {
    const store = ctx.store();
    // A run whose end was never recorded: whatever its age, it may still be going.
    await store.rows(sql`insert into contexts (type, name, workflow_id, run_id, status, started_at)
      values ('run', 'stuck/1', 'stuck', '1', 'RUNNING', now() - interval '300 days')`);
    const report = await collectGarbage(store, { olderThan: '90d', pinUris: [model.uri] });
    expect(report).toMatchObject({ runs: 0, executions: 0, artifacts: 0, keptRuns: 2, pinnedArtifacts: 1 });
    const prefix = `${model.uri.slice(0, model.uri.lastIndexOf('/') + 1)}*`;
    expect(await collectGarbage(store, { olderThan: '90d', pinUris: [prefix], dryRun: true })).toMatchObject({
      runs: 0,
      keptRuns: 2,
    });
    expect(await steps(model.id)).toEqual(provenanceOfA);
    expect((await getRun(store, 'stuck/1')).status).toBe('RUNNING');
  });

  it('without pins removes old run trees and what only they used; shared data and newer runs stay whole', async () => {
    const store = ctx.store();
    const executionsOfA = await executionsOfTree(store, filled.runA);
    const report = await collectGarbage(store, { before: new Date(Date.now() - 90 * 86_400_000) });
    expect(report).toMatchObject({ runs: 2, executions: executionsOfA, keptRuns: 0, pinnedArtifacts: 0 });
    expect(report.artifacts).toBeGreaterThan(0);
    await expect(getRun(store, filled.runA)).rejects.toBeInstanceOf(LineageNotFoundError);
    await expect(getArtifact(store, model.id)).rejects.toBeInstanceOf(LineageNotFoundError);
    // The raw dataset was read by run B too: it stays, and run B's provenance is whole.
    expect((await getArtifact(store, rawDatasetId)).id).toBe(rawDatasetId);
    expect(await steps((await registered(filled.runB)).id)).toEqual(provenanceOfB);
    expect(await collectGarbage(store, { olderThan: '90d' })).toMatchObject({ runs: 0, artifacts: 0 });
  });

  it('lets a live worker whose cached artifact ids were collected record on', async () => {
    const store = ctx.store();
    const plugin = new LineagePlugin({ store });
    const taskQueue = uniqueQueue('gc-live');
    const client = await testClient();
    const dataset = { kind: 'Dataset', uri: `s3://gc-test/${taskQueue}/data.parquet`, rows: 3 };
    const echo = async () => {
      const handle = await client.workflow.start('echoes', {
        taskQueue,
        workflowId: uniqueQueue('gc-echo'),
        args: [dataset],
      });
      await handle.result();
      const name = `${handle.workflowId}/${handle.firstExecutionRunId}`;
      await waitEnded(store, name);
      return name;
    };
    await withWorker({ plugin, taskQueue, activities: fixtureActivities().activities }, async () => {
      const first = await echo();
      await backdate(store, first, 100);
      expect((await collectGarbage(store, { olderThan: '90d' })).runs).toBe(1);
      expect((await findArtifacts(store, { uri: dataset.uri })).artifacts).toEqual([]);
      // The worker still holds the collected artifact's id; its writes must re-create the row.
      const second = await echo();
      const [execution] = await getRunExecutions(store, second);
      expect(execution!.state).toBe('COMPLETE');
      expect(execution!.inputs.map((i) => i.artifact.uri)).toContain(dataset.uri);
      expect(execution!.outputs.map((o) => o.artifact.uri)).toContain(dataset.uri);
    });
  });
});
