import { sql, type SQL } from 'drizzle-orm';
import { idArray, likePrefix } from '../query/rows';
import type { ResolvedGcOptions } from './gc-options';

/** Whether the artifacts row `a` is pinned: by id, exact URI, URI prefix, type, or an alias naming it. */
export function pinnedCondition(o: ResolvedGcOptions): SQL {
  const parts: SQL[] = [];
  if (o.pinArtifactIds.length > 0) parts.push(sql`a.id = any(${idArray(o.pinArtifactIds)})`);
  for (const uri of o.pinUris) parts.push(sql`a.uri = ${uri}`);
  // One LIKE per prefix (not `like any`), so each can use artifacts_uri_idx.
  for (const prefix of o.pinUriPrefixes) parts.push(sql`a.uri like ${likePrefix(prefix)}`);
  for (const type of o.keepTypes) parts.push(sql`a.type = ${type}`);
  // An artifact a team named (`production`) is pinned whatever the options say.
  parts.push(sql`exists (select 1 from aliases al where al.artifact_id = a.id)`);
  // coalesce: `uri = …` is null for a URI-less artifact, and `not null` would drop it from every check.
  return sql`coalesce(${sql.join(parts, sql` or `)}, false)`;
}

/**
 * The plan: every run tree (a root run and its descendants, by parent_contexts) whose runs all
 * ended before the cutoff, with whether it must stay because it holds an execution upstream of a
 * pinned artifact. "Upstream" follows the same edges as lineage walks (lineage-sql.ts): a pinned
 * artifact keeps every execution that wrote it; from a consumer, an input leads to the producer
 * its INPUT edge recorded, and one with none (an external input) only when it is a thing at a
 * URI, to every producer. An equal parameter object elsewhere keeps nothing alive.
 */
export function planQuery(o: ResolvedGcOptions): SQL {
  return sql`with recursive
    up(kind, id, seed, via) as (
      select 'artifact'::text, a.id, true, null::bigint from artifacts a where ${pinnedCondition(o)}
      union
      select n.kind, n.id, false, n.via from up w cross join lateral (
        select 'execution'::text as kind, e.execution_id as id, null::bigint as via from events e
        where w.kind = 'artifact' and e.artifact_id = w.id and e.type = 'OUTPUT'
          and (w.seed or e.execution_id = w.via
            or (w.via is null and exists (select 1 from artifacts x where x.id = w.id and x.uri is not null)))
        union all
        select 'artifact'::text, e.artifact_id, e.producer_execution_id from events e
        where w.kind = 'execution' and e.execution_id = w.id and e.type = 'INPUT'
      ) n
    ),
    kept_runs as (
      select distinct s.context_id as id from up join associations s on s.execution_id = up.id
      where up.kind = 'execution'
    ),
    tree(run, root) as (
      select c.id, c.id from contexts c where c.type = 'run' and not exists (
        select 1 from parent_contexts pc join contexts p on p.id = pc.parent_id and p.type = 'run'
        where pc.child_id = c.id)
      union
      select pc.child_id, t.root from tree t join parent_contexts pc on pc.parent_id = t.run
      join contexts c on c.id = pc.child_id and c.type = 'run'
    )
    select t.root, count(*) as runs, bool_or(c.id in (select id from kept_runs)) as kept
    from tree t join contexts c on c.id = t.run
    group by t.root
    -- A run without a recorded end is RUNNING (or lost its end): never old enough.
    having bool_and(c.status <> 'RUNNING'
      and coalesce(c.ended_at, c.started_at, c.created_at) < ${o.cutoff.toISOString()}::timestamptz)
    order by t.root`;
}

/**
 * Temp tables (dropped at commit) naming what removing the run trees `roots` takes: their runs,
 * the executions associated with nothing else, and every artifact those executions touched
 * (collected before the executions go, since their events go with them).
 */
export function doomedTables(roots: readonly number[]): SQL[] {
  return [
    sql`create temp table gc_runs (id bigint primary key) on commit drop`,
    sql`create temp table gc_executions (id bigint primary key) on commit drop`,
    sql`create temp table gc_touched (id bigint primary key) on commit drop`,
    sql`insert into gc_runs with recursive tree(run) as (
        select unnest(${idArray(roots)})
        union
        select pc.child_id from tree t join parent_contexts pc on pc.parent_id = t.run
        join contexts c on c.id = pc.child_id and c.type = 'run'
      ) select run from tree`,
    sql`insert into gc_executions select distinct s.execution_id from associations s
      join gc_runs r on r.id = s.context_id
      where not exists (select 1 from associations o where o.execution_id = s.execution_id
        and not exists (select 1 from gc_runs k where k.id = o.context_id))`,
    sql`insert into gc_touched select distinct e.artifact_id from events e join gc_executions d on d.id = e.execution_id`,
  ];
}

/** What removing the temp tables' rows takes; `artifacts` counts the touched ones nothing else uses. */
export function countDoomed(o: ResolvedGcOptions): SQL {
  return sql`select (select count(*) from gc_runs) as runs, (select count(*) from gc_executions) as executions,
    (select count(*) from events e join gc_executions d on d.id = e.execution_id) as events,
    (select count(*) from gc_touched t join artifacts a on a.id = t.id where not ${pinnedCondition(o)}
      and not exists (select 1 from events e where e.artifact_id = t.id
        and not exists (select 1 from gc_executions d where d.id = e.execution_id))) as artifacts`;
}

/** Deleting executions takes their events and associations with them (ON DELETE CASCADE). */
export const deleteExecutions = sql`with gone as (
  delete from executions x using gc_executions d where x.id = d.id returning 1) select count(*) as n from gone`;
/** And the runs take their parent links and remaining associations (attributions is a view over them). */
export const deleteRuns = sql`with gone as (
  delete from contexts c using gc_runs r where c.id = r.id and c.type = 'run' returning 1) select count(*) as n from gone`;

/**
 * The touched artifacts that nothing references any more, locked. Locking before deleting (in a
 * later statement, which sees a fresh snapshot in READ COMMITTED) is what makes this safe under a
 * live worker: a worker that upserts the artifact or adds an event to it holds or waits for the
 * row lock, so its event is either visible to the delete's re-check or written after the row is
 * gone, when the foreign key fails and the writer re-inserts the artifact (write-artifacts.ts).
 * Deleting on this statement's own snapshot could cascade away an event committed meanwhile.
 * Rows are locked in identity order, the order writers lock them in, so the two cannot deadlock.
 */
export function lockOrphans(o: ResolvedGcOptions): SQL {
  return sql`select a.id from artifacts a join gc_touched t on t.id = a.id
    where not ${pinnedCondition(o)} and not exists (select 1 from events e where e.artifact_id = a.id)
    order by a.identity for update of a`;
}

export function deleteOrphans(ids: readonly number[]): SQL {
  return sql`with gone as (delete from artifacts a where a.id = any(${idArray(ids)})
    and not exists (select 1 from events e where e.artifact_id = a.id) returning 1) select count(*) as n from gone`;
}
