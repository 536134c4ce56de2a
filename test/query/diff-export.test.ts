import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { toDot } from '../../src/export/dot';
import { toMermaid } from '../../src/export/mermaid';
import { openLineageEvents } from '../../src/export/openlineage';
import type { OpenLineageRunEvent } from '../../src/export/openlineage-model';
import { diffRuns, type ArtifactRef } from '../../src/query/diff';
import { traceLineage } from '../../src/query/lineage';
import { createWriters } from '../../src/store/writers';
import { bareRunStart } from '../support/records';
import { DRIVERS, useStore } from '../support/stores';
import { fillStore, type Filled } from './fill-store';
import { openLineageValidator } from './openlineage-schema';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(DRIVERS)('diff and exports on %s', (driver) => {
  const ctx = useStore(driver, `diff_export_${driver}`);
  let filled: Filled;
  beforeAll(async () => {
    filled = await fillStore(ctx.store(), { echoes: true });
  });

  it('diffs two pipeline runs: parameters, steps paired by their grid entry, and metric deltas', async () => {
    const diff = await diffRuns(ctx.store(), filled.runA, filled.runB);
    expect(diff.identical).toBe(false);
    expect([diff.a.name, diff.b.name]).toEqual([filled.runA, filled.runB]);
    const param = (step: string, path: string) =>
      diff.parameters.find((p) => p.step === step && p.path === path);
    expect(param('trainingPipeline', 'args[0].seed')).toMatchObject({ change: 'changed', a: 7, b: 12 });
    expect(param('splitDataset', 'args[1].seed')).toMatchObject({ change: 'changed', a: 7, b: 12 });
    // The grids share no entry, so no training of A is paired with one of B: A's three are
    // removed and B's two added, each named by its grid entry, with all its parameters listed.
    const train = (entry: string) => `hyperparameterSearch/trainModel[${entry}]`;
    const trainings = diff.steps.filter((s) => s.step.startsWith('hyperparameterSearch/trainModel'));
    expect(trainings.map((s) => [s.step, s.change, s.pairedBy])).toEqual([
      [train('args[1].maxFeatures=2, args[1].nEstimators=5'), 'added', 'identity'],
      [train('args[1].maxFeatures=2, args[1].nEstimators=10'), 'removed', 'identity'],
      [train('args[1].maxFeatures=3, args[1].nEstimators=25'), 'removed', 'identity'],
      [train('args[1].maxFeatures=missing, args[1].nEstimators=20'), 'added', 'identity'],
      [train('args[1].maxFeatures=missing, args[1].nEstimators=50'), 'removed', 'identity'],
    ]);
    expect(trainings.find((s) => s.change === 'added')).toMatchObject({
      a: 'missing',
      b: { state: 'COMPLETE' },
    });
    expect(param(train('args[1].maxFeatures=2, args[1].nEstimators=10'), 'args[1].seed')).toEqual({
      step: train('args[1].maxFeatures=2, args[1].nEstimators=10'),
      path: 'args[1].seed',
      change: 'removed',
      a: 7,
      b: 'missing',
    });
    // An evaluation is named after the training that produced its model.
    const evaluations = diff.steps.filter((s) => s.step.startsWith('hyperparameterSearch/evaluateModel'));
    expect(evaluations).toHaveLength(5);
    expect(evaluations.map((s) => s.step)).toContainEqual(
      expect.stringContaining(`← ${train('args[1].maxFeatures=missing, args[1].nEstimators=20')}`),
    );
    // Another seed splits differently: the split's outputs are other artifacts.
    expect(diff.outputs).toContainEqual(
      expect.objectContaining({ step: 'splitDataset', path: 'result.train', change: 'replaced' }),
    );
    expect(diff.code).toEqual([]);
    // Metrics of unpaired evaluations are absent on the other side, never compared with an unrelated model.
    const accuracy = diff.metrics.filter((m) => m.field === 'accuracy' && m.step.includes('evaluateModel'));
    expect(accuracy).toHaveLength(5);
    for (const m of accuracy) {
      expect([m.a, m.b].filter((v) => v === 'missing')).toHaveLength(1);
      expect(m.delta).toBeNull();
    }
  });

  it('finds nothing to report between a run and itself, and matches steps by lineage, not timing', async () => {
    const diff = await diffRuns(ctx.store(), filled.runA, filled.runA);
    expect(diff).toMatchObject({
      identical: true,
      steps: [],
      parameters: [],
      inputs: [],
      code: [],
      outputs: [],
      outputValues: [],
    });
    expect(diff.metrics.length).toBeGreaterThan(0);
    expect(diff.metrics.every((m) => m.delta === 0)).toBe(true);
  });

  it('reports the same URI with new content as changed data', async () => {
    const diff = await diffRuns(ctx.store(), filled.echoA!, filled.echoB!);
    expect(diff.parameters).toEqual([]);
    expect(diff.inputs).toEqual([expect.objectContaining({ step: 'echo', path: 'args[0]', change: 'data' })]);
    const [change] = diff.inputs;
    const [a, b] = [change!.a, change!.b] as ArtifactRef[];
    expect(a!.uri).toBe(b!.uri);
    expect(a!.digest).not.toBe(b!.digest);
  });

  it('renders a run graph as DOT and Mermaid, one cluster per run, every edge drawn', async () => {
    const graph = await traceLineage(ctx.store(), { run: filled.runA }, { direction: 'both', maxHops: 1 });
    const dot = toDot(graph);
    expect(dot.startsWith('digraph lineage {')).toBe(true);
    expect(dot.match(/subgraph cluster_/g)).toHaveLength(2);
    expect(dot.match(/ -> /g)).toHaveLength(graph.edges.length);
    expect(dot).toMatch(/shape=cylinder/);
    const mermaid = toMermaid(graph);
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid.match(/ -->\|/g)).toHaveLength(graph.edges.length);
    expect(mermaid).toMatch(/\ba\d+\[\("Dataset<br\/>iris-raw\.json"\)\]/);
    // Quotes inside labels are entities, so that they cannot end a Mermaid string.
    expect(mermaid).not.toMatch(/\{name: "iris"\}/);
  });

  it('exports OpenLineage events that validate against the 2-0-2 spec, with stable run ids', async () => {
    const validate = openLineageValidator();
    const collect = async (options = {}) => {
      const events: OpenLineageRunEvent[] = [];
      for await (const event of openLineageEvents(ctx.store(), options)) events.push(event);
      return events;
    };
    const events = await collect();
    expect(events.flatMap((e) => validate(e))).toEqual([]);
    const ids = new Set(events.map((e) => e.run.runId));
    expect([...ids].every((id) => UUID.test(id))).toBe(true);
    // Every run and attempt starts once and ends once (the fixtures leave nothing running).
    for (const id of ids) {
      const types = events.filter((e) => e.run.runId === id).map((e) => e.eventType);
      expect(types[0]).toBe('START');
      expect(types).toHaveLength(2);
    }
    expect((await collect()).map((e) => e.run.runId)).toEqual(events.map((e) => e.run.runId));

    const one = await collect({ run: filled.runA, namespace: 'ml' });
    const pipeline = one.find((e) => e.job.name === 'trainingPipeline' && e.eventType === 'COMPLETE')!;
    const train = one.find((e) => e.job.name === 'trainModel' && e.eventType === 'COMPLETE')!;
    const search = one.find((e) => e.job.name === 'hyperparameterSearch')!;
    expect(pipeline.job.namespace).toBe('ml');
    expect(search.run.facets['parent']).toMatchObject({ run: { runId: pipeline.run.runId } });
    expect(train.run.facets['parent']).toMatchObject({
      run: { runId: search.run.runId },
      root: { run: { runId: pipeline.run.runId } },
    });
    expect(train.inputs.map((d) => d.namespace)).toEqual(['file']);
    expect(train.outputs[0]!.name).toMatch(/\/models\/model-.*\.json$/);
    expect(events.map((e) => e.run.runId)).toEqual(expect.arrayContaining(one.map((e) => e.run.runId)));
    const failed = events.find((e) => e.job.name === 'failsAfterOneStep' && e.eventType === 'FAIL')!;
    expect(failed.run.facets['errorMessage']).toMatchObject({ message: 'the pipeline gave up' });
  });

  it('ends runs that reconciliation found terminated or timed out: ABORT and FAIL', async () => {
    const store = ctx.store();
    const { runs } = createWriters(store);
    for (const [workflowId, status] of [
      ['ol-terminated', 'TERMINATED'],
      ['ol-timed-out', 'TIMED_OUT'],
    ] as const) {
      await runs.start(bareRunStart(workflowId, 'stoppedPipeline'));
      await store.rows(sql`update contexts set status = ${status}, ended_at = now(), error = ${status}
        where type = 'run' and workflow_id = ${workflowId}`);
    }
    const ends: Record<string, string> = {};
    for await (const event of openLineageEvents(store, {})) {
      if (event.job.name === 'stoppedPipeline' && event.eventType !== 'START')
        ends[
          event.run.facets['temporal_run']
            ? JSON.stringify(event.run.facets['temporal_run'])
            : event.run.runId
        ] = event.eventType;
    }
    expect(Object.values(ends).sort()).toEqual(['ABORT', 'FAIL']);
  });
});
