import { asc, inArray, sql } from 'drizzle-orm';
import type { LineageStore } from './open-store';
import { attachArtifacts, type ExecutionWithArtifacts } from './read-runs';
import { executions } from './schema';

/** An execution found by an upstream walk, `hops` steps away from the starting artifact. */
export interface UpstreamStep {
  readonly hops: number;
  readonly execution: ExecutionWithArtifacts;
}

/**
 * The executions upstream of an artifact: its producers, the producers of their inputs, and so
 * on, nearest first, up to `maxHops` producer steps. A recursive CTE over both indexed ends of
 * `events` (Drizzle has no recursive builder).
 */
export async function upstreamOf(
  store: LineageStore,
  artifactId: number,
  options: { maxHops?: number } = {},
): Promise<UpstreamStep[]> {
  const maxHops = options.maxHops ?? 20;
  const found = await store.rows<{ execution_id: string | number; hops: string | number }>(sql`
    with recursive up(execution_id, hops) as (
      select e.execution_id, 1 from events e where e.artifact_id = ${artifactId} and e.type = 'OUTPUT'
      union
      select p.execution_id, up.hops + 1
      from up
      join events i on i.execution_id = up.execution_id and i.type = 'INPUT'
      join events p on p.artifact_id = i.artifact_id and p.type = 'OUTPUT'
      where up.hops < ${maxHops}
    )
    select execution_id, min(hops) as hops from up group by execution_id`);
  if (found.length === 0) return [];
  const hopsById = new Map(found.map((row) => [Number(row.execution_id), Number(row.hops)]));
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
