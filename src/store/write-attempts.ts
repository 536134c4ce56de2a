import { eq, sql } from 'drizzle-orm';
import type { CapturedArtifact } from '../artifacts/capture';
import type { LineageStore } from './open-store';
import { associations, executions, type ExecutionState } from './schema';
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
}
