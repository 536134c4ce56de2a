import type { Client, WorkflowHandle } from '@temporalio/client';
import { and, eq, sql } from 'drizzle-orm';
import { LineageError } from '../errors';
import { temporalClient } from '../lazy-temporal';
import type { LineageStore } from './open-store';
import { events, executions } from './schema';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
type HistoryFailure = NonNullable<NonNullable<HistoryEvent['activityTaskFailedEventAttributes']>['failure']>;

/** Which activity attempt an execution row is: what reconciliation reports for each row it changes. */
export interface AttemptIdentity {
  readonly id: number;
  readonly workflowId: string;
  readonly runId: string;
  readonly activityId: string;
  readonly activityType: string;
  readonly attempt: number;
}

/** A COMPLETE execution whose attempt Temporal's history shows failed, retried or canceled. */
export interface CorrectedExecution extends AttemptIdentity {
  /** What the execution becomes. */
  readonly state: 'FAILED' | 'CANCELED';
  /** The failure Temporal recorded for the attempt, when its history holds it. */
  readonly failureType: string | null;
  readonly reason: string;
}

type CompleteAttempt = AttemptIdentity;

/** How an activity of a run ended in Temporal, or how far it has got while still open. */
interface ActivityFate {
  readonly outcome: 'completed' | 'failed' | 'timed out' | 'canceled' | 'open';
  /** The attempt that ended it (closed), or the attempt under way (open; undefined if unknown). */
  readonly attempt: number | undefined;
  /** The failure of that attempt (closed failed or timed out). */
  readonly failure: HistoryFailure | null;
  /** The failure of the attempt before it, as Temporal keeps it. */
  readonly previousFailure: HistoryFailure | null;
}

const DESCRIBE_CONCURRENCY = 8;
const GRPC_NOT_FOUND = 5;

/**
 * COMPLETE attempts worth checking against Temporal (newest first): those the store itself shows a
 * later attempt of, and those of runs not recorded COMPLETED (running, failed, timed out...). A
 * run recorded COMPLETED whose every activity's last attempt is COMPLETE is taken at its word.
 * Local activities are left out: their attempts are not in the history as activity events.
 */
async function suspectAttempts(store: LineageStore, limit: number): Promise<CompleteAttempt[]> {
  const rows = await store.rows<{
    id: string | number;
    workflow_id: string;
    run_id: string;
    activity_id: string;
    activity_type: string;
    attempt: number;
  }>(sql`
    select e.id, e.workflow_id, e.run_id, e.activity_id, e.activity_type, e.attempt
    from executions e
    left join contexts r on r.type = 'run' and r.workflow_id = e.workflow_id and r.run_id = e.run_id
    where e.state = 'COMPLETE' and not e.is_local
      and (r.status is distinct from 'COMPLETED'
        or exists (select 1 from executions later
          where later.workflow_id = e.workflow_id and later.run_id = e.run_id
            and later.activity_id = e.activity_id and later.attempt > e.attempt))
    order by e.id desc
    limit ${limit}`);
  return rows.map((r) => ({
    id: Number(r.id),
    workflowId: r.workflow_id,
    runId: r.run_id,
    activityId: r.activity_id,
    activityType: r.activity_type,
    attempt: Number(r.attempt),
  }));
}

/** Each activity's fate in a run's history; open activities are completed from `describe()`. */
async function activityFates(handle: WorkflowHandle): Promise<Map<string, ActivityFate>> {
  const history = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Map<string, string>();
  const started = new Map<string, { attempt: number; lastFailure: HistoryFailure | null }>();
  const fates = new Map<string, ActivityFate>();
  const close = (
    attrs: { scheduledEventId?: unknown; startedEventId?: unknown } | null | undefined,
    outcome: ActivityFate['outcome'],
    failure: HistoryFailure | null,
  ) => {
    const activityId = scheduled.get(String(attrs?.scheduledEventId));
    if (activityId === undefined) return;
    const start = started.get(String(attrs?.startedEventId));
    fates.set(activityId, {
      outcome,
      attempt: start?.attempt,
      failure,
      previousFailure: start?.lastFailure ?? null,
    });
  };
  for (const e of history) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes?.activityId) {
      scheduled.set(id, e.activityTaskScheduledEventAttributes.activityId);
      fates.set(e.activityTaskScheduledEventAttributes.activityId, {
        outcome: 'open',
        attempt: undefined,
        failure: null,
        previousFailure: null,
      });
    } else if (e.activityTaskStartedEventAttributes) {
      const { attempt, lastFailure } = e.activityTaskStartedEventAttributes;
      started.set(id, { attempt: attempt ?? 1, lastFailure: lastFailure ?? null });
    } else if (e.activityTaskCompletedEventAttributes) {
      close(e.activityTaskCompletedEventAttributes, 'completed', null);
    } else if (e.activityTaskFailedEventAttributes) {
      const attrs = e.activityTaskFailedEventAttributes;
      close(attrs, 'failed', attrs.failure ?? null);
    } else if (e.activityTaskTimedOutEventAttributes) {
      const attrs = e.activityTaskTimedOutEventAttributes;
      close(attrs, 'timed out', attrs.failure ?? null);
    } else if (e.activityTaskCanceledEventAttributes) {
      close(e.activityTaskCanceledEventAttributes, 'canceled', null);
    }
  }
  // Temporal writes an activity's started event only once it closes: an open one is described.
  if ([...fates.values()].some((f) => f.outcome === 'open')) {
    const { raw } = await handle.describe();
    for (const pending of raw.pendingActivities ?? []) {
      if (!pending.activityId || fates.get(pending.activityId)?.outcome !== 'open') continue;
      fates.set(pending.activityId, {
        outcome: 'open',
        attempt: Number(pending.attempt ?? 1),
        failure: null,
        previousFailure: pending.lastFailure ?? null,
      });
    }
  }
  return fates;
}

/** What Temporal says of a COMPLETE attempt, when it says the attempt did not complete. */
function correction(
  e: CompleteAttempt,
  fate: ActivityFate,
): Pick<CorrectedExecution, 'state' | 'failureType' | 'reason'> | undefined {
  if (fate.attempt === undefined) return undefined;
  const describe = (failure: HistoryFailure | null) =>
    failure?.message ? `: ${failure.message}` : ' (its failure is not kept in the history)';
  const typeOf = (failure: HistoryFailure | null) =>
    failure ? (failure.applicationFailureInfo?.type ?? null) : null;
  if (e.attempt < fate.attempt) {
    // Temporal keeps the failure of the attempt just before the last one, not of earlier ones.
    const failure = e.attempt === fate.attempt - 1 ? fate.previousFailure : null;
    return {
      state: 'FAILED',
      failureType: typeOf(failure),
      reason: `Temporal retried this attempt (attempt ${fate.attempt} followed)${describe(failure)}`,
    };
  }
  if (e.attempt > fate.attempt || fate.outcome === 'completed' || fate.outcome === 'open') return undefined;
  if (fate.outcome === 'canceled') {
    return { state: 'CANCELED', failureType: null, reason: 'Temporal recorded this attempt as canceled' };
  }
  return {
    state: 'FAILED',
    failureType: typeOf(fate.failure),
    reason: `Temporal recorded this attempt as ${fate.outcome}${describe(fate.failure)}`,
  };
}

/**
 * COMPLETE attempts that Temporal's history shows as failed, timed out, canceled, or followed by
 * another attempt: their results never reached the workflow. Runs Temporal does not know are
 * left alone.
 */
export async function findUnacceptedAttempts(
  store: LineageStore,
  client: Client,
  limit: number,
): Promise<CorrectedExecution[]> {
  const attempts = await suspectAttempts(store, limit);
  const byRun = new Map<string, CompleteAttempt[]>();
  for (const e of attempts) {
    const name = `${e.workflowId}/${e.runId}`;
    byRun.set(name, [...(byRun.get(name) ?? []), e]);
  }
  const runs = [...byRun.values()];
  const corrected: CorrectedExecution[] = [];
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const run = runs[next++]!;
      const { workflowId, runId } = run[0]!;
      let fates: Map<string, ActivityFate>;
      try {
        fates = await activityFates(client.workflow.getHandle(workflowId, runId));
      } catch (error) {
        const { isGrpcServiceError, WorkflowNotFoundError } = temporalClient();
        // Fetching a history reports an unknown run as gRPC NOT_FOUND; describing it, as an error class.
        if (
          error instanceof WorkflowNotFoundError ||
          (isGrpcServiceError(error) && Number(error.code) === GRPC_NOT_FOUND)
        )
          continue;
        const message = error instanceof Error ? error.message : String(error);
        throw new LineageError(
          `Temporal could not give the history of run ${workflowId}/${runId}: ${message}`,
          {
            cause: error,
          },
        );
      }
      for (const e of run) {
        const fate = fates.get(e.activityId);
        const found = fate && correction(e, fate);
        if (found) corrected.push({ ...e, ...found, reason: `${found.reason} (found by reconciliation)` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, runs.length) }, worker));
  return corrected.sort((a, b) => a.id - b.id);
}

/**
 * Records what Temporal said of each attempt: its state and reason, and no outputs (Temporal
 * never took them). Only rows still COMPLETE change.
 */
export async function applyCorrections(
  store: LineageStore,
  corrected: readonly CorrectedExecution[],
): Promise<void> {
  for (const e of corrected) {
    await store.db.transaction(async (tx) => {
      const changed = await tx
        .update(executions)
        .set({
          state: e.state,
          outputDigest: null,
          error: { type: e.failureType ?? 'LineageReconciled', message: e.reason },
        })
        .where(and(eq(executions.id, e.id), eq(executions.state, 'COMPLETE')))
        .returning({ id: executions.id });
      if (changed.length === 0) return;
      await tx.delete(events).where(and(eq(events.executionId, e.id), eq(events.type, 'OUTPUT')));
    });
  }
}
