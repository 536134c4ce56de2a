import { randomUUID } from 'node:crypto';
import { ApplicationFailure, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { and, desc, eq } from 'drizzle-orm';
import { RerunActivityNotRegisteredError, RerunFailedError, type LineageRerunError } from '../errors';
import { formatFailure } from '../failure-chain';
import { attachArtifacts, getExecution } from '../query/run-detail';
import { parseInput, type ExecutionWithArtifacts } from '../query/rows';
import type { LineageStore } from '../store/open-store';
import { executions } from '../store/schema';
import { RerunExecutionOptionsSchema, type RerunExecutionOptions } from './options';
import { runRerunWorkflow, type RerunWorkflowOutcome } from './private-worker';
import { argsOfExecution, replayArgs } from './recorded-inputs';
import { assertPolled } from './temporal-checks';
import { compareOutputs, outputsOfExecution, type RerunVerdict } from './verdict';

/** What {@link rerunExecution} ran and found. */
export interface ExecutionRerunResult {
  readonly original: ExecutionWithArtifacts;
  /** The new execution, recorded by the user's worker with `rerunOf` = the original's id. */
  readonly rerun: ExecutionWithArtifacts;
  /** The built-in rerun workflow that scheduled it. */
  readonly workflowId: string;
  readonly runId: string;
  readonly verdict: RerunVerdict;
}

/** The innermost cause of a failure chain: the activity's own error. */
function rootCause(error: unknown): unknown {
  let cause = error;
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  return cause;
}

function failureError(
  outcome: RerunWorkflowOutcome & { failure: unknown },
  original: ExecutionWithArtifacts,
  timeoutMs: number,
): LineageRerunError {
  const cause = rootCause(outcome.failure);
  const { activityType, taskQueue } = original;
  if (cause instanceof ApplicationFailure && cause.type === 'NotFoundError')
    return new RerunActivityNotRegisteredError(activityType, taskQueue, cause.message);
  if (cause instanceof TimeoutFailure && cause.timeoutType === TimeoutType.SCHEDULE_TO_START) {
    const detail = `no worker on task queue '${taskQueue}' picked ${activityType} up within ${timeoutMs / 1000}s`;
    return new RerunFailedError(outcome.workflowId, outcome.runId, 'timed-out', detail, { cause });
  }
  return new RerunFailedError(
    outcome.workflowId,
    outcome.runId,
    'failed',
    `${activityType}: ${formatFailure(outcome.failure)}`,
    {
      cause: outcome.failure,
    },
  );
}

/** The completed attempt the user's worker recorded for the rerun workflow's activity. */
async function recordedRerun(
  store: LineageStore,
  outcome: { workflowId: string; runId: string },
  original: ExecutionWithArtifacts,
): Promise<ExecutionWithArtifacts> {
  const rows = await store.db
    .select()
    .from(executions)
    .where(
      and(
        eq(executions.workflowId, outcome.workflowId),
        eq(executions.runId, outcome.runId),
        eq(executions.rerunOf, original.id),
        eq(executions.state, 'COMPLETE'),
      ),
    )
    .orderBy(desc(executions.attempt))
    .limit(1);
  const [rerun] = await attachArtifacts(store, rows);
  if (rerun) return rerun;
  throw new RerunFailedError(
    outcome.workflowId,
    outcome.runId,
    'not-recorded',
    `${original.activityType} completed but ${store.target} has no record of it; does the worker on ` +
      `task queue '${original.taskQueue}' run LineagePlugin with this store?`,
  );
}

/**
 * Runs one recorded execution's activity again with its recorded inputs (optionally
 * overridden), on the task queue it originally ran on, so that the user's own worker executes
 * it; then compares the outputs. The new execution is recorded with `rerunOf` = the original.
 *
 * Everything that can be checked is checked before anything starts: the inputs replay exactly
 * (or the error names the input that cannot), overrides name existing paths, and a worker polls
 * the queue. A worker that lacks the activity type is reported as
 * {@link RerunActivityNotRegisteredError}.
 *
 * @example
 * const { verdict } = await rerunExecution({ store, client, execution: 42, set: { 'args[1].seed': 7 } });
 * console.log(formatVerdict(verdict));
 */
export async function rerunExecution(options: RerunExecutionOptions): Promise<ExecutionRerunResult> {
  const o = parseInput('rerun execution options', RerunExecutionOptionsSchema, options);
  const original = await getExecution(o.store, o.execution);
  const args = replayArgs(`execution ${original.id}`, argsOfExecution(original), o.set, original.inputDigest);
  await assertPolled(o.client, original.taskQueue, 'activity');
  const outcome = await runRerunWorkflow({
    store: o.store,
    client: o.client,
    workerConnection: o.workerConnection,
    workflowId: `lineage-rerun-execution-${original.id}-${randomUUID().slice(0, 8)}`,
    header: { rerunOfExecution: original.id },
    dataConverter: o.dataConverter ?? o.client.options.dataConverter,
    input: {
      activityType: original.activityType,
      taskQueue: original.taskQueue,
      args,
      scheduleToStartTimeoutMs: o.scheduleToStartTimeoutMs,
      startToCloseTimeoutMs: o.startToCloseTimeoutMs,
      maximumAttempts: o.maximumAttempts,
    },
  });
  if ('failure' in outcome) throw failureError(outcome, original, o.scheduleToStartTimeoutMs);
  const rerun = await recordedRerun(o.store, outcome, original);
  return {
    original,
    rerun,
    workflowId: outcome.workflowId,
    runId: outcome.runId,
    verdict: compareOutputs(outputsOfExecution(original), outputsOfExecution(rerun)),
  };
}
