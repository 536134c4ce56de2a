import { eq, sql, type SQL } from 'drizzle-orm';
import type { CapturedArtifact } from '../artifacts/capture';
import type { LineageStore } from './open-store';
import { attributions, events, executions, type ExecutionState } from './schema';
import type { ContextWriter, RunRef } from './write-contexts';
import { artifactCtes, KnownArtifacts, NEW_ARTIFACT_IDS } from './write-artifacts';

/** What is known of an activity attempt when it starts. */
export interface AttemptStart {
  readonly run: RunRef;
  readonly workflowType: string;
  readonly activityId: string;
  readonly activityType: string;
  readonly attempt: number;
  readonly taskQueue: string;
  readonly isLocal: boolean;
  readonly workerIdentity: string;
  readonly buildId: string | null;
  readonly startedAt: Date;
  readonly inputDigest: string;
  readonly inputs: readonly CapturedArtifact[];
  readonly rerunOf: number | null;
  readonly cacheKey: string | null;
  readonly cacheVersion: string | null;
}

/** How an attempt ended. */
export interface AttemptEnd {
  readonly state: Exclude<ExecutionState, 'RUNNING'>;
  readonly endedAt: Date;
  readonly outputDigest: string | null;
  readonly outputs: readonly CapturedArtifact[];
  readonly error: { type: string; message: string; stack?: string } | null;
}

/** A started attempt, as the end write needs it. */
export interface AttemptHandle {
  readonly executionId: number;
  readonly runContextId: number;
}

function isForeignKeyViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === '23503') return true;
  }
  return false;
}

/**
 * Writes activity attempts: one statement when an attempt starts (execution RUNNING + inputs)
 * and one when it ends (outputs + final state); both idempotent on the store's unique keys.
 */
export class AttemptWriter {
  private readonly known = new KnownArtifacts();

  constructor(
    private readonly store: LineageStore,
    private readonly contexts: ContextWriter,
  ) {}

  private runContext(start: AttemptStart): Promise<number> {
    return this.contexts.runId({
      ...start.run,
      workflowType: start.workflowType,
      taskQueue: start.taskQueue,
      startedAt: start.startedAt,
    });
  }

  /**
   * Runs one attempt statement. A cached artifact id can only be stale if retention deleted the
   * row meanwhile (a foreign-key violation): then the cache is dropped and the write retried once.
   */
  private async write<T>(statement: () => SQL): Promise<T> {
    try {
      return (await this.store.preparedRows<T>(statement()))[0]!;
    } catch (error) {
      if (!isForeignKeyViolation(error)) throw error;
      this.known.clear();
      return (await this.store.preparedRows<T>(statement()))[0]!;
    }
  }

  async start(start: AttemptStart): Promise<AttemptHandle> {
    const runContextId = await this.runContext(start);
    const row = await this.write<{ execution_id: string | number; new_artifacts: Array<[number, string]> }>(
      () => sql`
      with ${artifactCtes(start.inputs, this.known, runContextId)},
      execution as (
        insert into executions (workflow_id, run_id, activity_id, attempt, activity_type, task_queue, is_local,
          worker_identity, build_id, state, started_at, input_digest, rerun_of, cache_key, cache_version)
        values (${start.run.workflowId}, ${start.run.runId}, ${start.activityId}, ${start.attempt},
          ${start.activityType}, ${start.taskQueue}, ${start.isLocal}, ${start.workerIdentity}, ${start.buildId},
          'RUNNING', ${start.startedAt.toISOString()}::timestamptz, ${start.inputDigest}, ${start.rerunOf}::bigint,
          ${start.cacheKey}, ${start.cacheVersion})
        -- A redelivered attempt keeps its row and id; the no-op update makes RETURNING give it.
        on conflict (workflow_id, run_id, activity_id, attempt) do update set activity_type = excluded.activity_type
        returning id
      ),
      associated as (
        insert into associations (context_id, execution_id)
        select ${runContextId}::bigint, id from execution on conflict do nothing
      ),
      inputs as (
        insert into events (execution_id, artifact_id, type, path)
        select x.id, e.artifact_id, 'INPUT', e.path from execution x cross join edge_ids e on conflict do nothing
      )
      select (select id from execution) as execution_id, ${NEW_ARTIFACT_IDS}`,
    );
    this.known.remember(row.new_artifacts);
    return { executionId: Number(row.execution_id), runContextId };
  }

  async end(handle: AttemptHandle, end: AttemptEnd): Promise<void> {
    const row = await this.write<{ new_artifacts: Array<[number, string]> }>(
      () => sql`
      with ${artifactCtes(end.outputs, this.known, handle.runContextId)},
      outputs as (
        insert into events (execution_id, artifact_id, type, path)
        select ${handle.executionId}::bigint, artifact_id, 'OUTPUT', path from edge_ids on conflict do nothing
      ),
      ended as (
        update executions set state = ${end.state}, ended_at = ${end.endedAt.toISOString()}::timestamptz,
          output_digest = ${end.outputDigest}, error = ${end.error === null ? null : JSON.stringify(end.error)}::jsonb
        where id = ${handle.executionId}
      )
      select ${NEW_ARTIFACT_IDS}`,
    );
    this.known.remember(row.new_artifacts);
  }

  /**
   * Ends an attempt that returned another execution's recorded output without running: state
   * CACHED, and OUTPUT events pointing at that execution's very artifacts (not re-captured
   * copies: a file behind a reused output may have changed since, and the link must say which
   * bytes were reused). Idempotent like every other write.
   */
  async endCached(
    handle: AttemptHandle,
    cached: { sourceExecutionId: number; outputDigest: string | null; endedAt: Date },
  ): Promise<void> {
    await this.store.db.transaction(async (tx) => {
      // INSERT … SELECT copies the edges in one statement; Drizzle's insert-select wants every
      // column of the table selected, ids and defaults included, so this one is raw SQL.
      await tx.execute(sql`
        insert into ${events} (execution_id, artifact_id, type, path)
        select ${handle.executionId}, artifact_id, type, path from ${events}
        where execution_id = ${cached.sourceExecutionId} and type = 'OUTPUT'
        on conflict do nothing`);
      await tx.execute(sql`
        insert into ${attributions} (context_id, artifact_id)
        select distinct ${handle.runContextId}::bigint, artifact_id from ${events}
        where execution_id = ${cached.sourceExecutionId} and type = 'OUTPUT'
        on conflict do nothing`);
      await tx
        .update(executions)
        .set({
          state: 'CACHED',
          endedAt: cached.endedAt,
          outputDigest: cached.outputDigest,
          cachedFrom: cached.sourceExecutionId,
          error: null,
        })
        .where(eq(executions.id, handle.executionId));
    });
  }
}
