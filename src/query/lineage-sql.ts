import { sql, type SQL } from 'drizzle-orm';
import { TRACKED_PATH_LIKE } from '../artifacts/tracked-paths';

/** Where a walk starts, resolved to store ids. */
export type WalkSeed =
  | { readonly artifactId: number }
  | { readonly executionId: number }
  | { readonly runContextId: number; readonly includeChildRuns: boolean };

export type WalkDirection = 'upstream' | 'downstream' | 'both';

export interface WalkPage {
  readonly seed: WalkSeed;
  readonly direction: WalkDirection;
  readonly maxHops: number;
  readonly maxNodes: number;
  /** Only executions of this run context and its descendants are walked through. */
  readonly scopeRunContextId?: number;
  /** Sort key (hops, kind, id) of the last node of the previous page. */
  readonly after: readonly [number, string, number] | null;
}

/** One row of the walk query: a node of the page, or an edge that the page completes. */
export interface WalkRow {
  row: 'node' | 'edge';
  kind: 'artifact' | 'execution' | null;
  id: string | number;
  hops: string | number | null;
  execution_id: string | number | null;
  artifact_id: string | number | null;
  type: 'INPUT' | 'OUTPUT' | null;
  path: string | null;
  more: boolean | null;
  beyond: boolean | null;
}

/**
 * The run tree an execution belongs to: its run's root run (or the run itself). Kept per walk
 * row so that value-identified artifacts link only executions of the same tree (see walkCte).
 */
function executionRoot(execution: SQL): SQL {
  return sql`select coalesce(c.root_id, c.id) as root from associations a
    join contexts c on c.id = a.context_id and c.type = 'run'
    where a.execution_id = ${execution} limit 1`;
}

function seedQuery(seed: WalkSeed): SQL {
  if ('artifactId' in seed) {
    return sql`select 'artifact'::text as kind, ${seed.artifactId}::bigint as id, null::bigint as root`;
  }
  if ('executionId' in seed) {
    return sql`select 'execution'::text as kind, ${seed.executionId}::bigint as id,
      (${executionRoot(sql`${seed.executionId}::bigint`)}) as root`;
  }
  const runs = seed.includeChildRuns
    ? sql`select child_id from run_tree`
    : sql`select ${seed.runContextId}::bigint`;
  return sql`select 'execution'::text as kind, a.execution_id as id, (${executionRoot(sql`a.execution_id`)}) as root
    from associations a where a.context_id in (${runs})`;
}

/**
 * One direction of the walk. Upstream, an artifact steps to the executions that wrote it and an
 * execution to the artifacts it read; downstream the other way round. The lateral union lets
 * each kind use its own index (`events_artifact_idx`, `events_edge_key`), and UNION (not ALL)
 * keeps the working set to one row per (node, hop count, run tree), so shared artifacts cannot
 * make it explode. It walks one hop past the limit only to tell whether anything lies beyond.
 *
 * An artifact with a URI is a thing that runs share (a dataset read by 50 runs), so the walk
 * crosses runs through it. An artifact identified only by its value (a parameter object, an
 * inline Metrics) is not: two unrelated evaluations that return the same accuracy share that
 * row, and following it would invent lineage. Reached from an execution, such an artifact
 * leads only to executions of the same run tree (`root`); as the walk's seed, to all of them.
 * An execution's code and environment (tracked paths) are not data it read: the walk does not
 * step to them, or every run on one Worker would be one another's lineage.
 */
function walkCte(name: string, direction: 'upstream' | 'downstream', maxHops: number, scoped: boolean): SQL {
  const [fromArtifact, fromExecution] = direction === 'upstream' ? ['OUTPUT', 'INPUT'] : ['INPUT', 'OUTPUT'];
  const inScope = scoped ? sql`and e.execution_id in (select execution_id from scope)` : sql``;
  return sql`${sql.raw(name)}(kind, id, hops, root) as (
    select kind, id, 0, root from seed
    union
    select n.kind, n.id, w.hops + 1, n.root from ${sql.raw(name)} w
    cross join lateral (
      select 'execution'::text as kind, e.execution_id as id, r.root from events e
      left join lateral (${executionRoot(sql`e.execution_id`)}) r on true
      where w.kind = 'artifact' and e.artifact_id = w.id and e.type = ${fromArtifact} ${inScope}
        and (w.root is null or r.root = w.root
          or exists (select 1 from artifacts x where x.id = w.id and x.uri is not null))
      union all
      select 'artifact'::text, e.artifact_id, w.root from events e
      where w.kind = 'execution' and e.execution_id = w.id and e.type = ${fromExecution}
        and e.path not like ${TRACKED_PATH_LIKE}
    ) n
    where w.hops <= ${maxHops}
  )`;
}

/** A run and its descendant runs, as a recursive CTE named `name`. */
function runTree(name: string, runContextId: number): SQL {
  const tree = sql.raw(name);
  return sql`${tree}(child_id) as (
    select ${runContextId}::bigint
    union
    select pc.child_id from parent_contexts pc
    join ${tree} t on pc.parent_id = t.child_id
    join contexts c on c.id = pc.child_id and c.type = 'run'
  )`;
}

/**
 * The whole page in one statement: the walk (recursive CTEs), the page's nodes in (hops, kind,
 * id) order, and every edge whose later-ranked end is on this page — so each edge is returned
 * exactly once across pages, together with or after both of its ends.
 */
export function walkQuery(page: WalkPage): SQL {
  const { seed, direction, maxHops, maxNodes } = page;
  const [afterHops, afterKind, afterId] = page.after ?? [-1, '', 0];
  const ctes: SQL[] = [];
  if ('runContextId' in seed && seed.includeChildRuns) ctes.push(runTree('run_tree', seed.runContextId));
  const scoped = page.scopeRunContextId !== undefined;
  if (page.scopeRunContextId !== undefined) {
    ctes.push(runTree('scope_tree', page.scopeRunContextId));
    ctes.push(sql`scope(execution_id) as (
      select a.execution_id from associations a where a.context_id in (select child_id from scope_tree)
    )`);
  }
  ctes.push(sql`seed(kind, id, root) as (${seedQuery(seed)})`);
  const parts: string[] = [];
  if (direction !== 'downstream') {
    ctes.push(walkCte('up', 'upstream', maxHops, scoped));
    parts.push('select kind, id, hops from up');
  }
  if (direction !== 'upstream') {
    ctes.push(walkCte('down', 'downstream', maxHops, scoped));
    parts.push('select kind, id, hops from down');
  }
  ctes.push(sql`walk as (
    select kind, id, min(hops) as hops from (${sql.raw(parts.join(' union all '))}) x group by kind, id
  )`);
  ctes.push(sql`page as (
    select kind, id, hops from walk
    where hops <= ${maxHops} and (hops, kind, id) > (${afterHops}::int, ${afterKind}::text, ${afterId}::bigint)
    order by hops, kind, id limit ${maxNodes + 1}
  )`);
  ctes.push(sql`kept as (select kind, id, hops from page order by hops, kind, id limit ${maxNodes})`);
  ctes.push(sql`last as (select hops, kind, id from kept order by hops desc, kind desc, id desc limit 1)`);
  ctes.push(sql`seen as (
    select w.kind, w.id from walk w, last l
    where w.hops <= ${maxHops} and (w.hops, w.kind, w.id) <= (l.hops, l.kind, l.id)
  )`);
  ctes.push(sql`edges as (
    select e.id, e.execution_id, e.artifact_id, e.type, e.path from kept k
    join events e on k.kind = 'artifact' and e.artifact_id = k.id
    where exists (select 1 from seen s where s.kind = 'execution' and s.id = e.execution_id)
    union
    select e.id, e.execution_id, e.artifact_id, e.type, e.path from kept k
    join events e on k.kind = 'execution' and e.execution_id = k.id
    where exists (select 1 from seen s where s.kind = 'artifact' and s.id = e.artifact_id)
  )`);
  return sql`with recursive ${sql.join(ctes, sql`, `)}
    select 'node' as row, k.kind, k.id, k.hops, null::bigint as execution_id, null::bigint as artifact_id,
      null::text as type, null::text as path,
      (select count(*) from page) > ${maxNodes} as more,
      exists (select 1 from walk where hops > ${maxHops}) as beyond
    from kept k
    union all
    select 'edge', null, e.id, null, e.execution_id, e.artifact_id, e.type, e.path, null, null from edges e`;
}
