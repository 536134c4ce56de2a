import { eq, sql } from 'drizzle-orm';
import type { CapturedArtifact } from '../artifacts/capture';
import type { LineageStore } from './open-store';
import { associations, attributions, events, executions, type ExecutionState } from './schema';
import { ContextCache, ensurePipeline, ensureRun, linkParent, runName, type RunRef } from './write-contexts';
import { writeEvents } from './write-artifacts';

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

/**
 * Writes activity attempts. One transaction when an attempt starts (execution RUNNING + inputs)
 * and one when it ends (outputs + final state); both idempotent on the store's unique keys.
 */
export class AttemptWriter {
  private readonly contexts = new ContextCache();

  constructor(private readonly store: LineageStore) {}

  private runContext(start: AttemptStart): Promise<number> {
    const { db } = this.store;
    return this.contexts.get(`run:${runName(start.run)}`, async () => {
      const pipelineId = await ensurePipeline(db, start.workflowType);
      const runId = await ensureRun(db, {
        ...start.run,
        workflowType: start.workflowType,
        taskQueue: start.taskQueue,
        startedAt: start.startedAt,
      });
      await linkParent(db, runId, pipelineId);
      return runId;
    });
  }

  async start(start: AttemptStart): Promise<AttemptHandle> {
    const runContextId = await this.runContext(start);
    return this.store.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(executions)
        .values({
          workflowId: start.run.workflowId,
          runId: start.run.runId,
          activityId: start.activityId,
          attempt: start.attempt,
          activityType: start.activityType,
          taskQueue: start.taskQueue,
          isLocal: start.isLocal,
          workerIdentity: start.workerIdentity,
          buildId: start.buildId,
          state: 'RUNNING',
          startedAt: start.startedAt,
          inputDigest: start.inputDigest,
          rerunOf: start.rerunOf,
          cacheKey: start.cacheKey,
          cacheVersion: start.cacheVersion,
        })
        // A redelivered attempt keeps its row and id; the no-op update makes RETURNING give it.
        .onConflictDoUpdate({
          target: [executions.workflowId, executions.runId, executions.activityId, executions.attempt],
          set: { activityType: sql`excluded.activity_type` },
        })
        .returning({ id: executions.id });
      const executionId = row!.id;
      await tx.insert(associations).values({ contextId: runContextId, executionId }).onConflictDoNothing();
      await writeEvents(tx, executionId, runContextId, 'INPUT', start.inputs);
      return { executionId, runContextId };
    });
  }

  async end(handle: AttemptHandle, end: AttemptEnd): Promise<void> {
    await this.store.db.transaction(async (tx) => {
      await writeEvents(tx, handle.executionId, handle.runContextId, 'OUTPUT', end.outputs);
      await tx
        .update(executions)
        .set({ state: end.state, endedAt: end.endedAt, outputDigest: end.outputDigest, error: end.error })
        .where(eq(executions.id, handle.executionId));
    });
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
