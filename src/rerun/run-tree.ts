import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { LineageStore } from '../store/open-store';
import { associations, executions } from '../store/schema';

/** A run of a run tree: the top-level run or one of its (grand)child runs. */
export interface TreeRun {
  readonly id: number;
  readonly name: string;
  readonly workflowType: string | null;
  /** The run context that started this one; null for the tree's root. */
  readonly parentId: number | null;
}

/** An execution of a run tree, with the run it belongs to. */
export type TreeExecution = typeof executions.$inferSelect & { readonly contextId: number };

/** Child runs deeper than this are not followed (a guard against a malformed parent cycle). */
const MAX_DEPTH = 100;

/**
 * A run and every run below it (child workflows, theirs, …), root first. A recursive CTE over
 * `parent_contexts` (Drizzle has no recursive builder); empty when `rootName` is unknown.
 */
export async function runTree(store: LineageStore, rootName: string): Promise<TreeRun[]> {
  const rows = await store.rows<{
    id: string | number;
    parent_id: string | number | null;
    name: string;
    workflow_type: string | null;
  }>(sql`
    with recursive tree(id, parent_id, depth) as (
      select c.id, null::bigint, 0 from contexts c where c.type = 'run' and c.name = ${rootName}
      union
      select pc.child_id, pc.parent_id, t.depth + 1
      from tree t
      join parent_contexts pc on pc.parent_id = t.id
      join contexts child on child.id = pc.child_id and child.type = 'run'
      where t.depth < ${MAX_DEPTH}
    )
    select t.id, t.parent_id, c.name, c.workflow_type
    from tree t join contexts c on c.id = t.id
    order by t.depth, c.started_at, c.id`);
  return rows.map((row) => ({
    id: Number(row.id),
    parentId: row.parent_id === null ? null : Number(row.parent_id),
    name: row.name,
    workflowType: row.workflow_type,
  }));
}

/** Every execution (attempt) of the given runs, in start order. */
export async function treeExecutions(
  store: LineageStore,
  runs: readonly TreeRun[],
): Promise<TreeExecution[]> {
  if (runs.length === 0) return [];
  const rows = await store.db
    .select({ contextId: associations.contextId, execution: executions })
    .from(associations)
    .innerJoin(executions, eq(executions.id, associations.executionId))
    .where(
      inArray(
        associations.contextId,
        runs.map((run) => run.id),
      ),
    )
    .orderBy(asc(executions.startedAt), asc(executions.id));
  return rows.map(({ contextId, execution }) => ({ ...execution, contextId }));
}
