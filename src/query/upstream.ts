import { asc, inArray } from 'drizzle-orm';
import type { LineageStore } from '../store/open-store';
import { executions } from '../store/schema';
import { traceLineage } from './lineage';
import { attachArtifacts } from './run-detail';
import type { ExecutionWithArtifacts } from './rows';

/** An execution found upstream of an artifact, `hops` producer steps away from it. */
export interface UpstreamStep {
  readonly hops: number;
  readonly execution: ExecutionWithArtifacts;
}

/**
 * The executions upstream of an artifact with all their inputs and outputs, nearest first: its
 * producers (1), the producers of their inputs (2), and so on up to `maxHops` producer steps.
 * A view of {@link traceLineage}'s upstream walk (two graph edges per producer step) for
 * printing provenance step by step; use `traceLineage` itself for graphs and paging.
 *
 * @example
 * for (const { hops, execution } of await upstreamOf(store, model.id)) {
 *   console.log(hops, execution.activityType, execution.inputs.map((i) => i.path));
 * }
 */
export async function upstreamOf(
  store: LineageStore,
  artifactId: number,
  options: {
    maxHops?: number;
    /** Only this run (anything `getRun` accepts) and its child runs: "how did this run make it". */
    withinRun?: string;
  } = {},
): Promise<UpstreamStep[]> {
  const maxHops = options.maxHops ?? 20;
  if (maxHops < 1) return [];
  const hopsById = new Map<number, number>();
  let cursor: string | undefined;
  do {
    const page = await traceLineage(
      store,
      { artifactId },
      {
        direction: 'upstream',
        maxHops: 2 * maxHops - 1,
        maxNodes: 10_000,
        ...(options.withinRun ? { withinRun: options.withinRun } : {}),
        ...(cursor ? { cursor } : {}),
      },
    );
    for (const node of page.nodes) if (node.kind === 'execution') hopsById.set(node.id, (node.hops + 1) / 2);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (hopsById.size === 0) return [];
  const rows = await store.db
    .select()
    .from(executions)
    .where(inArray(executions.id, [...hopsById.keys()]))
    .orderBy(asc(executions.startedAt), asc(executions.id));
  const withArtifacts = await attachArtifacts(store, rows);
  return withArtifacts
    .map((execution) => ({ hops: hopsById.get(execution.id)!, execution }))
    .sort((a, b) => a.hops - b.hops);
}
