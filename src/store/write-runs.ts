import { sql } from 'drizzle-orm';
import type { EncodedValue } from '../artifacts/encode';
import type { LineageStore } from './open-store';
import { contexts, type RunStatus } from './schema';
import { ensurePipeline, ensureRun, linkParent, runName, type RunRef } from './write-contexts';

/** What the workflow-start sink reports. */
export interface RunStart {
  readonly run: RunRef;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly startedAt: Date;
  readonly args: EncodedValue;
  readonly argsDigest: string;
  readonly parent: RunRef | null;
  readonly rerunOf: string | null;
  readonly rerunFrom: string | null;
}

/** What the workflow-end sink reports. */
export interface RunEnd {
  readonly run: RunRef;
  readonly workflowType: string;
  readonly status: Exclude<RunStatus, 'RUNNING'>;
  readonly endedAt: Date;
  readonly result: EncodedValue | null;
  readonly error: string | null;
}

const TERMINAL = sql.raw(`('COMPLETED','FAILED','CANCELED','CONTINUED_AS_NEW')`);

/**
 * Records a run's start. Sinks may be delivered more than once and after activities already
 * created a bare run row, so this upserts and never moves a finished run back to RUNNING.
 */
export async function recordRunStart(store: LineageStore, start: RunStart): Promise<void> {
  const { db } = store;
  const [row] = await db
    .insert(contexts)
    .values({
      type: 'run',
      name: runName(start.run),
      workflowType: start.workflowType,
      workflowId: start.run.workflowId,
      runId: start.run.runId,
      status: 'RUNNING',
      taskQueue: start.taskQueue,
      startedAt: start.startedAt,
      args: start.args,
      argsDigest: start.argsDigest,
      rerunOf: start.rerunOf,
      rerunFrom: start.rerunFrom,
    })
    .onConflictDoUpdate({
      target: [contexts.type, contexts.name],
      set: {
        workflowType: sql`excluded.workflow_type`,
        taskQueue: sql`excluded.task_queue`,
        startedAt: sql`excluded.started_at`,
        args: sql`excluded.args`,
        argsDigest: sql`excluded.args_digest`,
        rerunOf: sql`coalesce(excluded.rerun_of, ${contexts.rerunOf})`,
        rerunFrom: sql`coalesce(excluded.rerun_from, ${contexts.rerunFrom})`,
        status: sql`case when ${contexts.status} in ${TERMINAL} then ${contexts.status} else excluded.status end`,
      },
    })
    .returning({ id: contexts.id });
  const runId = row!.id;
  await linkParent(db, runId, await ensurePipeline(db, start.workflowType));
  if (start.parent) await linkParent(db, runId, await ensureRun(db, start.parent));
}

/** Records how a run ended; idempotent, and creates the run row if its start was never seen. */
export async function recordRunEnd(store: LineageStore, end: RunEnd): Promise<void> {
  await store.db
    .insert(contexts)
    .values({
      type: 'run',
      name: runName(end.run),
      workflowType: end.workflowType,
      workflowId: end.run.workflowId,
      runId: end.run.runId,
      status: end.status,
      endedAt: end.endedAt,
      result: end.result,
      error: end.error,
    })
    .onConflictDoUpdate({
      target: [contexts.type, contexts.name],
      set: {
        status: sql`excluded.status`,
        endedAt: sql`excluded.ended_at`,
        result: sql`excluded.result`,
        error: sql`excluded.error`,
      },
    });
}
