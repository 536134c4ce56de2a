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
  producer_execution_id: string | number | null;
  more: boolean | null;
  beyond: boolean | null;
}

function seedQuery(seed: WalkSeed): SQL {
  if ('artifactId' in seed) return sql`select 'artifact'::text as kind, ${seed.artifactId}::bigint as id`;
  if ('executionId' in seed) return sql`select 'execution'::text as kind, ${seed.executionId}::bigint as id`;
  const runs = seed.includeChildRuns
    ? sql`select child_id from run_tree`
    : sql`select ${seed.runContextId}::bigint`;
  return sql`select 'execution'::text as kind, a.execution_id as id
    from associations a where a.context_id in (${runs})`;
}

/**
 * One direction of the walk. Upstream, an execution steps to the artifacts it read and an
 * artifact to the execution that produced it; downstream, an execution to what it wrote and an
 * artifact to the executions that consumed that very output. The lateral union lets each kind
 * use its own index, and UNION (not ALL) keeps the working set to one row per (node, hop count,
 * edge followed), so shared artifacts cannot make it explode. It walks one hop past the limit
 * only to tell whether anything lies beyond.
 *
 * Identity is content, provenance is an occurrence: two evaluations that return equal metrics
 * share one artifact row, so stepping from an artifact to "every execution that wrote it" would
 * invent lineage. An artifact row reached from an execution carries the execution at the other
 * end of the edge it came by (`via`): upstream, the producer recorded on the consumer's INPUT
 * edge; downstream, the producer whose consumers are followed. A value with no recorded producer
 * is an external input of its run and leads nowhere upstream — unless it is a thing at a URI
 * (a dataset file runs share), which leads to every execution that wrote it. Seeded at an
 * artifact (hops 0), the walk reaches every producer or consumer of equal content.
 * An execution's code and environment (tracked paths) are not data it read: the walk does not
 * step to them, or every run on one Worker would be one another's lineage.
 */
function walkCte(name: string, direction: 'upstream' | 'downstream', maxHops: number, scoped: boolean): SQL {
  const inScope = scoped ? sql`and e.execution_id in (select execution_id from scope)` : sql``;
  const hasUri = sql`exists (select 1 from artifacts x where x.id = w.id and x.uri is not null)`;
  const steps =
    direction === 'upstream'
      ? sql`select 'execution'::text as kind, e.execution_id as id, null::bigint as via from events e
      where w.kind = 'artifact' and e.artifact_id = w.id and e.type = 'OUTPUT' ${inScope}
        and (w.hops = 0 or e.execution_id = w.via or (w.via is null and ${hasUri}))
      union all
      select 'artifact'::text, e.artifact_id, e.producer_execution_id from events e
      where w.kind = 'execution' and e.execution_id = w.id and e.type = 'INPUT'
        and e.path not like ${TRACKED_PATH_LIKE}`
      : sql`select 'execution'::text as kind, e.execution_id as id, null::bigint as via from events e
      where w.kind = 'artifact' and e.artifact_id = w.id and e.type = 'INPUT' ${inScope}
        and (w.hops = 0 or e.producer_execution_id = w.via or (e.producer_execution_id is null and ${hasUri}))
      union all
      select 'artifact'::text, e.artifact_id, e.execution_id from events e
      where w.kind = 'execution' and e.execution_id = w.id and e.type = 'OUTPUT'`;
  return sql`${sql.raw(name)}(kind, id, hops, via) as (
    select kind, id, 0, null::bigint from seed
    union
    select n.kind, n.id, w.hops + 1, n.via from ${sql.raw(name)} w
    cross join lateral (
      ${steps}
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
  ctes.push(sql`seed(kind, id) as (${seedQuery(seed)})`);
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
    select e.id, e.execution_id, e.artifact_id, e.type, e.path, e.producer_execution_id from kept k
    join events e on k.kind = 'artifact' and e.artifact_id = k.id
    where exists (select 1 from seen s where s.kind = 'execution' and s.id = e.execution_id)
    union
    select e.id, e.execution_id, e.artifact_id, e.type, e.path, e.producer_execution_id from kept k
    join events e on k.kind = 'execution' and e.execution_id = k.id
    where exists (select 1 from seen s where s.kind = 'artifact' and s.id = e.artifact_id)
  )`);
  return sql`with recursive ${sql.join(ctes, sql`, `)}
    select 'node' as row, k.kind, k.id, k.hops, null::bigint as execution_id, null::bigint as artifact_id,
      null::text as type, null::text as path, null::bigint as producer_execution_id,
      (select count(*) from page) > ${maxNodes} as more,
      exists (select 1 from walk where hops > ${maxHops}) as beyond
    from kept k
    union all
    select 'edge', null, e.id, null, e.execution_id, e.artifact_id, e.type, e.path, e.producer_execution_id,
      null, null from edges e`;
}
