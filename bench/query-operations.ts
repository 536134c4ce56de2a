import { diffRuns } from '../src/query/diff';
import { traceLineage } from '../src/query/lineage';
import { listRuns } from '../src/query/runs';
import { upstreamOf } from '../src/query/upstream';
import { ReuseResolver } from '../src/rerun/reuse';
import type { LineageStore } from '../src/store/open-store';
import type { SeedSummary } from '../scripts/seed-store';

/** One query the bench times: what it does, its target (ms, median) if gated, and a short result. */
export interface Operation {
  readonly key: string;
  readonly label: string;
  /** The README target this operation is gated on; undefined: reported for information. */
  readonly target?: { readonly name: string; readonly ms: number };
  run(store: LineageStore): Promise<string>;
}

const RUNS_PAGE = { name: 'list a page of runs', ms: 20 };

/**
 * The operations of the query targets, against a store filled by `scripts/seed-store.ts`. The
 * trace starts at a family's final Model: 20 producer steps above it is the shared source
 * dataset, so the walk covers the whole chain (40 edges: artifact → execution → artifact …).
 */
export async function queryOperations(store: LineageStore, seed: SeedSummary): Promise<Operation[]> {
  const { samples } = seed;
  const first = await listRuns(store, { limit: 50 });
  const cache = new ReuseResolver({ cache: { [samples.cacheActivityType]: true }, overwriteCache: false });
  return [
    {
      key: 'runs-first',
      label: 'runs: first page of 50, newest first',
      target: RUNS_PAGE,
      run: async () => `${(await listRuns(store, { limit: 50 })).runs.length} runs`,
    },
    {
      key: 'runs-next',
      label: 'runs: next page (keyset cursor)',
      target: RUNS_PAGE,
      run: async () =>
        `${(await listRuns(store, { limit: 50, cursor: first.nextCursor! })).runs.length} runs`,
    },
    {
      key: 'runs-pipeline',
      label: 'runs: first page of one pipeline (1 in 21 runs)',
      target: RUNS_PAGE,
      run: async () =>
        `${(await listRuns(store, { limit: 50, workflowType: 'trainingPipeline-3' })).runs.length} runs`,
    },
    {
      key: 'runs-roots',
      label: 'runs: first page, top-level runs only',
      run: async () => `${(await listRuns(store, { limit: 50, rootsOnly: true })).runs.length} runs`,
    },
    {
      key: 'trace',
      label: 'trace upstream of a model, 20 producer steps (40 edges)',
      target: { name: 'upstream trace 20 hops deep', ms: 50 },
      run: async () => {
        const graph = await traceLineage(
          store,
          { artifactId: samples.tipArtifactId },
          { direction: 'upstream', maxHops: 40 },
        );
        const executions = graph.nodes.filter((node) => node.kind === 'execution').length;
        return `${graph.nodes.length} nodes (${executions} executions), ${graph.edges.length} edges`;
      },
    },
    {
      key: 'upstream-of',
      label: 'upstreamOf: the same 20 steps with every input and output',
      run: async () => `${(await upstreamOf(store, samples.tipArtifactId, { maxHops: 20 })).length} steps`,
    },
    {
      key: 'diff',
      label: 'diff two runs of one pipeline (20 steps each, child runs included)',
      target: { name: 'run diff', ms: 100 },
      run: async () => {
        const diff = await diffRuns(store, samples.newestRun, samples.olderRunSamePipeline);
        return `${diff.parameters.length} parameter changes, ${diff.outputs.length} output changes`;
      },
    },
    {
      key: 'cache',
      label: `cache lookup (a key shared by ${Math.round(seed.families / 100)} COMPLETE executions)`,
      target: { name: 'cache lookup', ms: 5 },
      run: async () => {
        const decision = await cache.decide(store, {
          activityType: samples.cacheActivityType,
          cacheKey: samples.cacheKey,
          header: {},
        });
        return decision.reused ? `hit: execution ${decision.reused.executionId}` : 'miss';
      },
    },
    {
      key: 'downstream',
      label: `trace downstream of a dataset shared by ${Math.round(seed.families / 100)} run trees, first page of 500`,
      run: async () => {
        const graph = await traceLineage(
          store,
          { artifactId: samples.sharedDatasetId },
          { direction: 'downstream', maxHops: 40, maxNodes: 500 },
        );
        return `${graph.nodes.length} nodes${graph.truncated ? ', more on later pages' : ''}`;
      },
    },
  ];
}
