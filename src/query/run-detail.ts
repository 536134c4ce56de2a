import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { CODE_PATH, ENVIRONMENT_PATH, isTrackedPath } from '../artifacts/tracked-paths';
import { LineageNotFoundError } from '../errors';
import type { LineageStore } from '../store/open-store';
import { artifacts, associations, contexts, events, executions, parentContexts } from '../store/schema';
import { getRun } from './get-run';
import type { ExecutionRow, ExecutionWithArtifacts, RunRow } from './rows';

/** A run with everything `lineage show` prints: its place, its child runs, its attempts in order. */
export interface RunDetail {
  readonly run: RunRow;
  /** The pipeline (workflow type) context's name, when recorded. */
  readonly pipeline: string | null;
  /** The run that started this one as a child workflow. */
  readonly parentRun: RunRow | null;
  readonly childRuns: RunRow[];
  /** Every activity attempt of this run (not of its children), in start order. */
  readonly executions: ExecutionWithArtifacts[];
  /**
   * The continue-as-new chain this run is a link of, first run first (this run included); empty
   * when the run neither continued another run nor was continued.
   */
  readonly chain: RunRow[];
}

/** The continue-as-new chain `run` is a link of, first run first; empty when it is alone. */
export async function continueAsNewChain(store: LineageStore, run: RunRow): Promise<RunRow[]> {
  const rows = await store.rows<{ id: number | string; position: number }>(sql`
    with recursive earlier(id, continued_from, position) as (
      select id, continued_from, 0 from contexts where id = ${run.id}
      union all
      select c.id, c.continued_from, e.position - 1 from earlier e join contexts c on c.id = e.continued_from
      where e.position > -10000
    ),
    later(id, position) as (
      select ${run.id}::bigint, 0
      union all
      select c.id, l.position + 1 from later l join contexts c on c.continued_from = l.id and c.type = 'run'
      where l.position < 10000
    )
    select id, position from earlier union select id, position from later order by position`);
  if (rows.length <= 1) return [];
  const ids = rows.map((r) => Number(r.id));
  const found = await store.db.select().from(contexts).where(inArray(contexts.id, ids));
  const byId = new Map(found.map((c) => [c.id, c]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** The contexts a context is directly under (its pipeline, its parent run). */
export async function getParents(store: LineageStore, contextId: number): Promise<RunRow[]> {
  const rows = await store.db
    .select({ parent: contexts })
    .from(parentContexts)
    .innerJoin(contexts, eq(contexts.id, parentContexts.parentId))
    .where(eq(parentContexts.childId, contextId))
    .orderBy(asc(contexts.id));
  return rows.map((row) => row.parent);
}

/** The child runs started by a run, in start order. */
export async function getChildRuns(store: LineageStore, runContextId: number): Promise<RunRow[]> {
  const rows = await store.db
    .select({ child: contexts })
    .from(parentContexts)
    .innerJoin(contexts, eq(contexts.id, parentContexts.childId))
    .where(and(eq(parentContexts.parentId, runContextId), eq(contexts.type, 'run')))
    .orderBy(asc(contexts.startedAt), asc(contexts.id));
  return rows.map((row) => row.child);
}

/** Adds each execution's input and output artifacts (ordered by path), with one query for all. */
export async function attachArtifacts(
  store: LineageStore,
  rows: ExecutionRow[],
): Promise<ExecutionWithArtifacts[]> {
  if (rows.length === 0) return [];
  const edges = await store.db
    .select({
      executionId: events.executionId,
      type: events.type,
      path: events.path,
      producerExecutionId: events.producerExecutionId,
      artifact: artifacts,
    })
    .from(events)
    .innerJoin(artifacts, eq(artifacts.id, events.artifactId))
    .where(
      inArray(
        events.executionId,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(asc(events.path), asc(events.id));
  // Not Map.groupBy: Node 20 (our engines floor) lacks it.
  const byExecution = new Map<number, typeof edges>();
  for (const edge of edges) {
    const list = byExecution.get(edge.executionId);
    if (list) list.push(edge);
    else byExecution.set(edge.executionId, [edge]);
  }
  return rows.map((row) => {
    const mine = byExecution.get(row.id) ?? [];
    const side = (type: string) => mine.filter((edge) => edge.type === type && !isTrackedPath(edge.path));
    const tracked = (path: string) =>
      mine.find((edge) => edge.type === 'INPUT' && edge.path === path)?.artifact ?? null;
    return {
      ...row,
      inputs: side('INPUT').map(({ path, artifact, producerExecutionId }) => ({
        path,
        artifact,
        producerExecutionId,
      })),
      outputs: side('OUTPUT').map(({ path, artifact }) => ({ path, artifact })),
      code: tracked(CODE_PATH),
      environment: tracked(ENVIRONMENT_PATH),
    };
  });
}

/** The executions of one run context, in start order, with their artifacts. */
export async function executionsOfContext(
  store: LineageStore,
  contextId: number,
): Promise<ExecutionWithArtifacts[]> {
  const rows = await store.db
    .select({ execution: executions })
    .from(associations)
    .innerJoin(executions, eq(executions.id, associations.executionId))
    .where(eq(associations.contextId, contextId))
    .orderBy(asc(executions.startedAt), asc(executions.id));
  return attachArtifacts(
    store,
    rows.map((row) => row.execution),
  );
}

/**
 * A run's executions in start order, each with its input and output artifacts.
 * `ref` is anything {@link getRun} accepts.
 */
export async function getRunExecutions(store: LineageStore, ref: string): Promise<ExecutionWithArtifacts[]> {
  return executionsOfContext(store, (await getRun(store, ref)).id);
}

/**
 * A run with its pipeline, parent run, child runs and executions (state, attempt, timing, inputs
 * and outputs) — what `lineage show` prints.
 *
 * @example
 * const { run, childRuns, executions } = await describeRun(store, 'iris-training-20250101-120000');
 * for (const e of executions) console.log(e.activityType, e.attempt, e.state, e.outputs.map((o) => o.artifact.type));
 */
export async function describeRun(store: LineageStore, ref: string): Promise<RunDetail> {
  const run = await getRun(store, ref);
  const [parents, childRuns, runExecutions, chain] = await Promise.all([
    getParents(store, run.id),
    getChildRuns(store, run.id),
    executionsOfContext(store, run.id),
    continueAsNewChain(store, run),
  ]);
  return {
    run,
    pipeline: parents.find((p) => p.type === 'pipeline')?.name ?? null,
    parentRun: parents.find((p) => p.type === 'run') ?? null,
    childRuns,
    executions: runExecutions,
    chain,
  };
}

/** One execution (activity attempt) by id, with its artifacts. @throws {@link LineageNotFoundError} */
export async function getExecution(store: LineageStore, id: number): Promise<ExecutionWithArtifacts> {
  const [row] = await store.db.select().from(executions).where(eq(executions.id, id));
  if (!row) throw new LineageNotFoundError('execution', String(id));
  const [withArtifacts] = await attachArtifacts(store, [row]);
  return withArtifacts!;
}
