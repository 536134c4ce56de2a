import { resolve } from 'node:path';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { LineageError, LineageOptionsError, LineageStoreError } from '../errors';
import { temporalClient } from '../lazy-temporal';
import { isLineageStore } from '../options';
import type { LineageStore } from './open-store';
import { Outbox, type DrainOutcome } from './outbox';
import {
  applyCorrections,
  findUnacceptedAttempts,
  type AttemptIdentity,
  type CorrectedExecution,
} from './reconcile-completed';
import { contexts, executions, type RunStatus } from './schema';
import { applyRecord } from './write-records';
import { createWriters } from './writers';

/** Options of {@link reconcile}. */
export const ReconcileOptionsSchema = z.strictObject({
  store: z.custom<LineageStore>(isLineageStore, { message: 'expected a store returned by openStore()' }),
  /**
   * Temporal, to ask which runs and attempts are over; without it only `olderThanMs` applies.
   * Checked structurally, like the rerun options: a Client from another copy of the package works.
   */
  client: z
    .custom<Client>((v) => typeof v === 'object' && v !== null && 'workflow' in v && 'workflowService' in v, {
      message: 'expected a Client from @temporalio/client',
    })
    .optional(),
  /** RUNNING executions started longer ago than this are ABANDONED whatever Temporal says. */
  olderThanMs: z.number().nonnegative().optional(),
  /** An outbox folder (`onStoreError: 'outbox'`) to write into the store first. */
  outboxDir: z.string().min(1).optional(),
  /** Report what would change without changing anything (the outbox is not written either). */
  dryRun: z.boolean().default(false),
  /**
   * At most this many RUNNING executions and runs are looked at per call (oldest first), and as
   * many COMPLETE attempts checked against Temporal's history (newest first).
   */
  limit: z.number().int().positive().default(5000),
});
export type ReconcileOptions = z.input<typeof ReconcileOptionsSchema>;

/** An execution that reconciliation marked ABANDONED. */
export interface AbandonedExecution extends AttemptIdentity {
  readonly reason: string;
}

/** What {@link reconcile} found and changed. */
export interface ReconcileResult {
  readonly dryRun: boolean;
  readonly abandoned: readonly AbandonedExecution[];
  /** COMPLETE executions whose attempt Temporal's history shows failed, retried or canceled. */
  readonly corrected: readonly CorrectedExecution[];
  /** Run contexts left RUNNING whose workflow run Temporal reports closed, with the status recorded. */
  readonly closedRuns: ReadonlyArray<{ readonly name: string; readonly status: RunStatus }>;
  /** Runs asked about in Temporal, and those it does not know (left alone: maybe another namespace). */
  readonly checkedRuns: number;
  readonly unknownRuns: readonly string[];
  readonly outbox: (Pick<DrainOutcome, 'applied' | 'remaining'> & { readonly rejected: number }) | null;
}

const TEMPORAL_STATUS: Partial<Record<string, RunStatus>> = {
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELED',
  TERMINATED: 'TERMINATED',
  CONTINUED_AS_NEW: 'CONTINUED_AS_NEW',
  TIMED_OUT: 'TIMED_OUT',
};

const DESCRIBE_CONCURRENCY = 8;

type RunningExecution = Pick<
  typeof executions.$inferSelect,
  'id' | 'workflowId' | 'runId' | 'activityId' | 'activityType' | 'attempt' | 'isLocal' | 'startedAt'
>;

/** Describes each run in Temporal, a few at a time; undefined for a run Temporal does not know. */
async function describeRuns(
  client: Client,
  runs: ReadonlyArray<{ workflowId: string; runId: string }>,
): Promise<Map<string, WorkflowExecutionDescription | undefined>> {
  const out = new Map<string, WorkflowExecutionDescription | undefined>();
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const { workflowId, runId } = runs[next++]!;
      try {
        out.set(`${workflowId}/${runId}`, await client.workflow.getHandle(workflowId, runId).describe());
      } catch (error) {
        if (!(error instanceof temporalClient().WorkflowNotFoundError)) {
          const message = error instanceof Error ? error.message : String(error);
          throw new LineageError(`Temporal could not describe run ${workflowId}/${runId}: ${message}`, {
            cause: error,
          });
        }
        out.set(`${workflowId}/${runId}`, undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, runs.length) }, worker));
  return out;
}

/** Why a RUNNING execution is over, from its run's description; undefined while it may still run. */
function overBecause(execution: RunningExecution, run: WorkflowExecutionDescription): string | undefined {
  const status = run.status.name;
  if (status !== 'RUNNING' && status !== 'PAUSED') return `its workflow run is ${status} in Temporal`;
  // Local activities run inside workflow tasks and are never listed as pending.
  if (execution.isLocal) return undefined;
  const pending = (run.raw.pendingActivities ?? []).find((a) => a.activityId === execution.activityId);
  if (!pending) return 'Temporal no longer lists its activity as pending';
  const attempt = Number(pending.attempt ?? 0);
  return attempt > execution.attempt ? `Temporal has moved on to attempt ${attempt}` : undefined;
}

/**
 * Finds lineage left behind by workers that died (or lost their records) and records what is
 * known: RUNNING executions whose workflow run is closed in Temporal, whose attempt Temporal has
 * moved past, or (with `olderThanMs`) that started too long ago become ABANDONED, with the reason
 * as their error; runs left RUNNING whose workflow run is closed get Temporal's status and close
 * time. COMPLETE executions whose attempt Temporal's history shows failed, timed out, canceled or
 * retried become FAILED (or CANCELED) with Temporal's reason, without outputs: their results never
 * reached the workflow. Runs Temporal does not know are left alone (a wrong namespace must not
 * abandon everything).
 * With `outboxDir`, the records waiting in that outbox are written first.
 *
 * Safe to run at any time: every update only applies to rows that are still RUNNING, and an
 * attempt records its end before Temporal learns of it, so a finished attempt is never abandoned.
 *
 * @example
 * const result = await reconcile({ store, client, olderThanMs: 24 * 3600_000 });
 * for (const e of result.abandoned) console.log(e.id, e.reason);
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const parsed = ReconcileOptionsSchema.safeParse(options);
  if (!parsed.success) throw LineageOptionsError.fromZod('reconcile options', parsed.error);
  const { store, client, olderThanMs, dryRun, limit, outboxDir } = parsed.data;

  let outbox: ReconcileResult['outbox'] = null;
  if (outboxDir !== undefined) {
    const box = new Outbox(resolve(outboxDir));
    if (dryRun) outbox = { applied: 0, rejected: 0, remaining: (await box.files()).length };
    else {
      const writers = createWriters(store);
      const drained = await box.drain((record) => applyRecord(store, writers, record));
      if (drained.unavailable !== undefined)
        throw new LineageStoreError('write', store.target, { cause: drained.unavailable });
      outbox = { applied: drained.applied, rejected: drained.rejected.length, remaining: drained.remaining };
    }
  }

  const running: RunningExecution[] = await store.db
    .select({
      id: executions.id,
      workflowId: executions.workflowId,
      runId: executions.runId,
      activityId: executions.activityId,
      activityType: executions.activityType,
      attempt: executions.attempt,
      isLocal: executions.isLocal,
      startedAt: executions.startedAt,
    })
    .from(executions)
    .where(eq(executions.state, 'RUNNING'))
    .orderBy(asc(executions.id))
    .limit(limit);
  const openRuns = await store.db
    .select({ name: contexts.name, workflowId: contexts.workflowId, runId: contexts.runId })
    .from(contexts)
    .where(and(eq(contexts.type, 'run'), eq(contexts.status, 'RUNNING')))
    .orderBy(asc(contexts.id))
    .limit(limit);

  const runs = new Map<string, { workflowId: string; runId: string }>();
  for (const e of running) runs.set(`${e.workflowId}/${e.runId}`, e);
  for (const r of openRuns)
    if (r.workflowId && r.runId) runs.set(r.name, { workflowId: r.workflowId, runId: r.runId });
  const described = client
    ? await describeRuns(client, [...runs.values()])
    : new Map<string, WorkflowExecutionDescription | undefined>();

  const cutoff = olderThanMs === undefined ? undefined : Date.now() - olderThanMs;
  const abandoned: AbandonedExecution[] = [];
  for (const e of running) {
    const run = described.get(`${e.workflowId}/${e.runId}`);
    const reason =
      (run ? overBecause(e, run) : undefined) ??
      (cutoff !== undefined && e.startedAt.getTime() < cutoff
        ? `it has been RUNNING for longer than ${olderThanMs} ms`
        : undefined);
    if (reason === undefined) continue;
    const { id, workflowId, runId, activityId, activityType, attempt } = e;
    abandoned.push({
      id,
      workflowId,
      runId,
      activityId,
      activityType,
      attempt,
      reason: `${reason} (found by reconciliation)`,
    });
  }
  const closedRuns: Array<{ name: string; status: RunStatus; endedAt: Date | null }> = [];
  for (const r of openRuns) {
    const run = described.get(r.name);
    const status = run ? TEMPORAL_STATUS[run.status.name] : undefined;
    if (run && status) closedRuns.push({ name: r.name, status, endedAt: run.closeTime ?? null });
  }

  const corrected = client ? await findUnacceptedAttempts(store, client, limit) : [];

  if (!dryRun) {
    await applyCorrections(store, corrected);
    for (const e of abandoned) {
      await store.db
        .update(executions)
        .set({
          state: 'ABANDONED',
          endedAt: sql`now()`,
          error: { type: 'LineageAbandoned', message: e.reason },
        })
        .where(and(eq(executions.id, e.id), eq(executions.state, 'RUNNING')));
    }
    for (const r of closedRuns) {
      await store.db
        .update(contexts)
        .set({ status: r.status, endedAt: r.endedAt ?? sql`now()` })
        .where(and(eq(contexts.type, 'run'), eq(contexts.name, r.name), eq(contexts.status, 'RUNNING')));
    }
  }
  const unknownRuns = [...described].filter(([, d]) => d === undefined).map(([name]) => name);
  return {
    dryRun,
    abandoned,
    corrected,
    closedRuns: closedRuns.map(({ name, status }) => ({ name, status })),
    checkedRuns: described.size,
    unknownRuns,
    outbox,
  };
}
