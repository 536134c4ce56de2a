/**
 * The built-in workflow through which `rerun execution` runs one activity again. Bundled into
 * the rerun command's own short-lived worker, never into users' workers: it schedules the
 * activity on the ORIGINAL task queue, where the user's worker (with LineagePlugin) executes and
 * records it. Runs in the workflow sandbox: imports only @temporalio/workflow.
 */
import { proxyActivities } from '@temporalio/workflow';

/** What to run again, and how long to wait for it. */
export interface RerunActivityInput {
  readonly activityType: string;
  readonly taskQueue: string;
  readonly args: unknown[];
  /** Bounds the wait for a worker to pick the activity up: no poller means an error, not a hang. */
  readonly scheduleToStartTimeoutMs: number;
  readonly startToCloseTimeoutMs: number;
  readonly maximumAttempts: number;
}

type AnyActivities = Record<string, (...args: unknown[]) => Promise<unknown>>;

/** Runs `activityType(...args)` once more on `taskQueue` and returns its result. */
export async function lineageRerunActivity(input: RerunActivityInput): Promise<unknown> {
  const activities = proxyActivities<AnyActivities>({
    taskQueue: input.taskQueue,
    scheduleToStartTimeout: input.scheduleToStartTimeoutMs,
    startToCloseTimeout: input.startToCloseTimeoutMs,
    // A worker without the activity fails it with a retryable NotFoundError; retrying cannot help.
    retry: { maximumAttempts: input.maximumAttempts, nonRetryableErrorTypes: ['NotFoundError'] },
  });
  return activities[input.activityType]!(...input.args);
}
