import { beforeAll, describe, expect, it } from 'vitest';
import { LineageAmbiguousError, LineageNotFoundError, LineageOptionsError } from '../../src/errors';
import { findArtifacts, getArtifactUsage } from '../../src/query/artifacts';
import { getRun } from '../../src/query/get-run';
import {
  traceLineage,
  type LineageGraph,
  type LineageOptions,
  type LineageStart,
} from '../../src/query/lineage';
import { describeRun } from '../../src/query/run-detail';
import { listRuns, type RunQuery } from '../../src/query/runs';
import { upstreamOf } from '../../src/query/upstream';
import { DRIVERS, useStore } from '../support/stores';
import { fillStore, type Filled } from './fill-store';

describe.each(DRIVERS)('query API on %s', (driver) => {
  const ctx = useStore(driver, `query_${driver}`);
  let filled: Filled;
  /** The registered model of run A: the artifact "what produced this model?" starts from. */
  let modelId: number;
  beforeAll(async () => {
    filled = await fillStore(ctx.store());
    const { executions } = await describeRun(ctx.store(), filled.runA);
    modelId = executions.find((e) => e.activityType === 'registerModel')!.outputs[0]!.artifact.id;
  });

  const names = async (query: RunQuery) => (await listRuns(ctx.store(), query)).runs.map((r) => r.name);
  const child = (name: string) => name.replace(/\/.*/, '-search');

  it('lists runs newest first, filtered by pipeline, status (OR), roots and start time', async () => {
    const { runA, runB, failed } = filled;
    const all = await names({});
    expect(all.filter((n) => !n.includes('-search'))).toEqual([failed, runB, runA]);
    expect(all.map((n) => n.split('/')[0])).toContain(child(runA));
    expect(await names({ workflowType: 'trainingPipeline' })).toEqual([runB, runA]);
    expect(await names({ status: 'FAILED' })).toEqual([failed]);
    expect(await names({ status: ['FAILED', 'COMPLETED'], rootsOnly: true })).toEqual([failed, runB, runA]);
    const startedB = (await getRun(ctx.store(), runB)).startedAt!;
    expect(await names({ startedAfter: startedB, rootsOnly: true })).toEqual([failed, runB]);
    expect(await names({ startedBefore: startedB.toISOString(), rootsOnly: true })).toEqual([runA]);
    const { runs } = await listRuns(ctx.store(), { workflowType: 'hyperparameterSearch' });
    expect(runs.map((r) => r.parentRun).sort()).toEqual([runA, runB].sort());
  });

  it('filters runs by a field of an artifact they read or wrote, typed and nested', async () => {
    const { runA, runB } = filled;
    // Run A's grid has a 50-tree model; run B's largest has 20 trees.
    const big = { type: 'Model', field: 'params.nEstimators', op: '>=', value: 50 } as const;
    expect((await names({ artifact: big })).map((n) => n.split('/')[0])).toEqual([child(runA)]);
    expect((await names({ artifact: { ...big, op: '<', value: 10 } })).map((n) => n.split('/')[0])).toEqual([
      child(runB),
    ]);
    const accuracies = (
      await listRuns(ctx.store(), {
        artifact: { type: 'Metrics', field: 'accuracy', op: '>', value: 0, side: 'output' },
      })
    ).runs;
    expect(accuracies.map((r) => r.workflowType)).toEqual(['hyperparameterSearch', 'hyperparameterSearch']);
    // registerModel reads the winner's Metrics, so the pipelines match on the input side.
    const inputs = await names({
      artifact: { type: 'Metrics', field: 'accuracy', op: '>', value: 0, side: 'input' },
    });
    expect(inputs).toEqual([runB, runA]);
    expect(await names({ artifact: { type: 'Metrics', field: 'accuracy', op: '>', value: 1 } })).toEqual([]);
    expect(
      await names({
        artifact: { type: 'Dataset', field: 'name', op: '=', value: 'iris-train' },
        rootsOnly: true,
      }),
    ).toEqual([runB, runA]);
    const both = [
      { type: 'Value', field: 'seed', op: '=', value: 12, side: 'input' },
      { type: 'Dataset', field: 'rows', op: '<', value: 150 },
    ] as const;
    expect(await names({ artifact: [...both], rootsOnly: true })).toEqual([runB]);
    await expect(
      listRuns(ctx.store(), { artifact: { type: 'Metrics', field: 'accuracy', op: '>', value: true } }),
    ).rejects.toBeInstanceOf(LineageOptionsError);
  });

  it('pages runs with an opaque cursor: no run twice, none missed', async () => {
    const all = await names({});
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listRuns(ctx.store(), { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.runs.length).toBeLessThanOrEqual(2);
      paged.push(...page.runs.map((r) => r.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(all);
    await expect(listRuns(ctx.store(), { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      LineageOptionsError,
    );
  });

  it('finds a run by name, workflow id, or unique prefix; typos get suggestions, ambiguity candidates', async () => {
    const { runA, tag } = filled;
    const [workflowId, runId] = runA.split('/') as [string, string];
    for (const ref of [runA, workflowId, `${workflowId}/${runId.slice(0, 13)}`, runId.slice(0, 20)]) {
      expect((await getRun(ctx.store(), ref)).name).toBe(runA);
    }
    expect((await getRun(ctx.store(), `fails-${tag.slice(0, 4)}`)).name).toBe(filled.failed);
    const ambiguous = await getRun(ctx.store(), `iris-${tag}-`).catch((e: unknown) => e);
    expect(ambiguous).toBeInstanceOf(LineageAmbiguousError);
    expect([...(ambiguous as LineageAmbiguousError).candidates].sort()).toEqual(
      [workflowId, `${workflowId}-search`, `iris-${tag}-b`, `iris-${tag}-b-search`].sort(),
    );
    const missing = await getRun(ctx.store(), `iris-${tag}-c`).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(LineageNotFoundError);
    expect((missing as LineageNotFoundError).suggestions).toContain(workflowId);
  });

  it('describes a run: pipeline, child run, executions in order with inputs and outputs', async () => {
    const detail = await describeRun(ctx.store(), filled.runA);
    expect(detail.pipeline).toBe('trainingPipeline');
    expect(detail.parentRun).toBeNull();
    expect(detail.childRuns.map((r) => r.workflowType)).toEqual(['hyperparameterSearch']);
    expect(detail.executions.map((e) => [e.activityType, e.attempt, e.state])).toEqual([
      ['loadIris', 1, 'COMPLETE'],
      ['splitDataset', 1, 'COMPLETE'],
      ['registerModel', 1, 'COMPLETE'],
    ]);
    const split = detail.executions[1]!;
    expect(split.outputs.map((o) => [o.path, o.artifact.type])).toContainEqual(['result.train', 'Dataset']);
    const childDetail = await describeRun(ctx.store(), detail.childRuns[0]!.name);
    expect(childDetail.parentRun?.name).toBe(filled.runA);
  });

  it('finds artifacts by type, URI prefix, exact URI and digest, with producer and consumer counts', async () => {
    const store = ctx.store();
    const { artifacts: datasets } = await findArtifacts(store, { type: 'Dataset', limit: 100 });
    const raw = datasets.find((a) => a.uri?.endsWith('/iris-raw.json'))!;
    // Both runs loaded the same bytes: one artifact, two producers, read by both splits.
    expect([raw.producerCount, raw.consumerCount]).toEqual([2, 2]);
    const prefix = raw.uri!.replace(/iris-raw\.json$/, 'train-');
    const trains = (await findArtifacts(store, { uriPrefix: prefix })).artifacts;
    expect(trains).toHaveLength(2);
    expect(trains.every((a) => a.uri!.startsWith(prefix))).toBe(true);
    expect((await findArtifacts(store, { uri: raw.uri! })).artifacts.map((a) => a.id)).toEqual([raw.id]);
    const byDigest = await findArtifacts(store, { digest: raw.digest.slice(7, 19) });
    expect(byDigest.artifacts.map((a) => a.id)).toContain(raw.id);
    const firstPage = await findArtifacts(store, { type: 'Dataset', limit: 1 });
    const secondPage = await findArtifacts(store, {
      type: 'Dataset',
      limit: 1,
      cursor: firstPage.nextCursor!,
    });
    expect(secondPage.artifacts[0]!.id).toBeLessThan(firstPage.artifacts[0]!.id);
    const usage = await getArtifactUsage(store, raw.id);
    expect(usage.producers.map((e) => e.activityType)).toEqual(['loadIris', 'loadIris']);
    expect(usage.consumers.map((e) => e.activityType)).toEqual(['splitDataset', 'splitDataset']);
  });

  const walk = (start: LineageStart, options: LineageOptions) => traceLineage(ctx.store(), start, options);
  const activityTypes = (graph: LineageGraph) =>
    [...new Set(graph.nodes.flatMap((n) => (n.kind === 'execution' ? [n.activityType] : [])))].sort();

  it('walks upstream from a model to the raw data and the parameters, within a hop limit', async () => {
    const graph = await walk({ artifactId: modelId }, { direction: 'upstream' });
    expect(activityTypes(graph)).toEqual([
      'evaluateModel',
      'loadIris',
      'registerModel',
      'splitDataset',
      'trainModel',
    ]);
    expect(graph.nodes[0]).toMatchObject({ kind: 'artifact', id: modelId, hops: 0, type: 'Model' });
    expect(graph.truncated || graph.hopLimited).toBe(false);
    const hops = graph.nodes.map((n) => n.hops);
    expect(hops).toEqual([...hops].sort((a, b) => a - b));
    const keys = new Set(graph.nodes.map((n) => n.key));
    expect(graph.edges.every((e) => keys.has(e.from) && keys.has(e.to))).toBe(true);
    expect(graph.edges).toContainEqual(
      expect.objectContaining({ to: `artifact:${modelId}`, type: 'OUTPUT', path: 'result' }),
    );

    const near = await walk({ artifactId: modelId }, { maxHops: 2 });
    expect(near.hopLimited).toBe(true);
    expect(activityTypes(near)).toEqual(['registerModel']);
    expect(
      near.nodes
        .filter((n) => n.kind === 'artifact' && n.hops === 2)
        .map((n) => n.kind === 'artifact' && n.type)
        .sort(),
    ).toEqual(['Metrics', 'Model', 'Value']);

    const steps = await upstreamOf(ctx.store(), modelId);
    expect(steps[0]!.execution.activityType).toBe('registerModel');
    expect(steps[0]!.hops).toBe(1);
    expect(steps.find((s) => s.execution.activityType === 'loadIris')!.hops).toBe(4);
  });

  it('walks downstream from a shared dataset into both runs, and both ways from an execution', async () => {
    const { artifacts } = await findArtifacts(ctx.store(), { type: 'Dataset', limit: 100 });
    const raw = artifacts.find((a) => a.uri?.endsWith('/iris-raw.json'))!;
    const down = await walk({ artifactId: raw.id }, { direction: 'downstream' });
    const runs = new Set(down.nodes.flatMap((n) => (n.kind === 'execution' ? [n.run.split('/')[0]] : [])));
    expect([...runs].sort()).toEqual(
      [filled.runA, filled.runB].flatMap((r) => [r.split('/')[0], child(r)]).sort(),
    );
    expect(down.nodes.some((n) => n.kind === 'execution' && n.activityType === 'loadIris')).toBe(false);
    const registered = down.nodes.filter(
      (n) => n.kind === 'artifact' && n.type === 'Model' && n.uri?.includes('/registry/'),
    );
    expect(registered).toHaveLength(2);

    const split = down.nodes.find((n) => n.kind === 'execution' && n.activityType === 'splitDataset')!;
    const around = await walk({ executionId: split.id }, { direction: 'both', maxHops: 1 });
    expect(around.nodes.filter((n) => n.hops === 1).every((n) => n.kind === 'artifact')).toBe(true);
    expect(around.edges).toHaveLength(around.nodes.length - 1);
  });

  it('pages a walk: every node and edge exactly once, same graph as one big page', async () => {
    const whole = await walk({ run: filled.runA }, { direction: 'both', maxHops: 3 });
    expect(whole.start).toBe(`run:${filled.runA}`);
    const nodes: string[] = [];
    const edges: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await walk(
        { run: filled.runA },
        { direction: 'both', maxHops: 3, maxNodes: 7, ...(cursor ? { cursor } : {}) },
      );
      nodes.push(...page.nodes.map((n) => n.key));
      edges.push(...page.edges.map((e) => `${e.from}>${e.to}@${e.path}`));
      expect(page.truncated).toBe(page.nextCursor !== null);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(2);
    expect(nodes).toEqual(whole.nodes.map((n) => n.key));
    expect(edges.sort()).toEqual(whole.edges.map((e) => `${e.from}>${e.to}@${e.path}`).sort());
    const first = await walk({ run: filled.runA }, { maxNodes: 2 });
    await expect(walk({ artifactId: modelId }, { cursor: first.nextCursor! })).rejects.toBeInstanceOf(
      LineageOptionsError,
    );
    await expect(walk({ artifactId: 999_999 }, {})).rejects.toBeInstanceOf(LineageNotFoundError);
  });
});
