import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { LineageNotFoundError } from '../errors';
import type { LineageStore } from './open-store';
import { artifacts, associations, contexts, events, executions, parentContexts } from './schema';

/** A run context as the read API returns it. */
export type RunRow = typeof contexts.$inferSelect;
/** An execution row (one activity attempt). */
export type ExecutionRow = typeof executions.$inferSelect;
/** An artifact row. */
export type ArtifactRow = typeof artifacts.$inferSelect;

/** An artifact at the place (`args[0]`, `result.model`) where an execution read or wrote it. */
export interface EventArtifact {
  readonly path: string;
  readonly artifact: ArtifactRow;
}

/** An execution with its input and output artifacts. */
export interface ExecutionWithArtifacts extends ExecutionRow {
  readonly inputs: EventArtifact[];
  readonly outputs: EventArtifact[];
}

/** Runs, newest first, optionally of one pipeline (workflow type). */
export async function listRuns(
  store: LineageStore,
  filter: { workflowType?: string; limit?: number } = {},
): Promise<RunRow[]> {
  const conditions = [eq(contexts.type, 'run')];
  if (filter.workflowType) conditions.push(eq(contexts.workflowType, filter.workflowType));
  return store.db
    .select()
    .from(contexts)
    .where(and(...conditions))
    .orderBy(desc(contexts.startedAt), desc(contexts.id))
    .limit(filter.limit ?? 100);
}

/** One run by `workflowId/runId`. @throws {@link LineageNotFoundError} */
export async function getRun(store: LineageStore, name: string): Promise<RunRow> {
  const [run] = await store.db
    .select()
    .from(contexts)
    .where(and(eq(contexts.type, 'run'), eq(contexts.name, name)));
  if (!run) throw new LineageNotFoundError('run', name);
  return run;
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

/** The child runs started by a run. */
export async function getChildRuns(store: LineageStore, runContextId: number): Promise<RunRow[]> {
  const rows = await store.db
    .select({ child: contexts })
    .from(parentContexts)
    .innerJoin(contexts, eq(contexts.id, parentContexts.childId))
    .where(and(eq(parentContexts.parentId, runContextId), eq(contexts.type, 'run')))
    .orderBy(asc(contexts.startedAt), asc(contexts.id));
  return rows.map((row) => row.child);
}

export async function attachArtifacts(
  store: LineageStore,
  rows: ExecutionRow[],
): Promise<ExecutionWithArtifacts[]> {
  if (rows.length === 0) return [];
  const edges = await store.db
    .select({ executionId: events.executionId, type: events.type, path: events.path, artifact: artifacts })
    .from(events)
    .innerJoin(artifacts, eq(artifacts.id, events.artifactId))
    .where(
      inArray(
        events.executionId,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(asc(events.path), asc(events.id));
  return rows.map((row) => {
    const mine = edges.filter((edge) => edge.executionId === row.id);
    const side = (type: string) =>
      mine.filter((edge) => edge.type === type).map(({ path, artifact }) => ({ path, artifact }));
    return { ...row, inputs: side('INPUT'), outputs: side('OUTPUT') };
  });
}

/** A run's executions in start order, each with its input and output artifacts. */
export async function getRunExecutions(
  store: LineageStore,
  runName: string,
): Promise<ExecutionWithArtifacts[]> {
  const run = await getRun(store, runName);
  const rows = await store.db
    .select({ execution: executions })
    .from(associations)
    .innerJoin(executions, eq(executions.id, associations.executionId))
    .where(eq(associations.contextId, run.id))
    .orderBy(asc(executions.startedAt), asc(executions.id));
  return attachArtifacts(
    store,
    rows.map((row) => row.execution),
  );
}

/** The executions that wrote an artifact (producers) and read it (consumers). */
export async function getArtifactUsage(
  store: LineageStore,
  artifactId: number,
): Promise<{ producers: ExecutionRow[]; consumers: ExecutionRow[] }> {
  const rows = await store.db
    .select({ type: events.type, execution: executions })
    .from(events)
    .innerJoin(executions, eq(executions.id, events.executionId))
    .where(eq(events.artifactId, artifactId))
    .orderBy(asc(executions.startedAt), asc(executions.id));
  const of = (type: string) => rows.filter((row) => row.type === type).map((row) => row.execution);
  return { producers: of('OUTPUT'), consumers: of('INPUT') };
}

/** Artifacts by type and/or exact URI, oldest first. */
export async function findArtifacts(
  store: LineageStore,
  filter: { type?: string; uri?: string },
): Promise<ArtifactRow[]> {
  const conditions = [];
  if (filter.type) conditions.push(eq(artifacts.type, filter.type));
  if (filter.uri) conditions.push(eq(artifacts.uri, filter.uri));
  return store.db
    .select()
    .from(artifacts)
    .where(and(...conditions))
    .orderBy(asc(artifacts.id));
}
