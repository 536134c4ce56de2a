import { Client, WorkflowNotFoundError, type WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter, type DataConverter } from '@temporalio/common';
import { LINEAGE_HEADER, type LineageHeader } from '../capture/lineage-header';
import { RerunNoWorkerError, RerunOriginalRunningError } from '../errors';

/**
 * Pollers the server saw longer ago than this are workers that went away (the server keeps
 * them listed for minutes); a live worker re-polls at least every ~70 s (long-poll timeout).
 */
const POLLER_FRESH_MS = 90_000;

// temporal.api.enums.v1.TaskQueueType; numeric so that @temporalio/proto need not be a dependency.
const TASK_QUEUE_TYPE = { workflow: 1, activity: 2 } as const;

/**
 * Throws {@link RerunNoWorkerError} unless a worker recently polled `taskQueue`, so that a rerun
 * never waits for a worker that is not there.
 */
export async function assertPolled(
  client: Client,
  taskQueue: string,
  type: 'workflow' | 'activity',
): Promise<void> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: TASK_QUEUE_TYPE[type],
  });
  const now = Date.now();
  const live = (pollers ?? []).some((poller) => {
    const seconds = poller.lastAccessTime?.seconds;
    return seconds == null || now - Number(seconds) * 1000 < POLLER_FRESH_MS;
  });
  if (!live) throw new RerunNoWorkerError(taskQueue, type);
}

/**
 * Throws {@link RerunOriginalRunningError} when Temporal reports the run as still running. A run
 * Temporal no longer knows (history retention passed) has finished.
 */
export async function assertFinished(client: Client, workflowId: string, runId: string): Promise<void> {
  try {
    const description = await client.workflow.getHandle(workflowId, runId).describe();
    if (description.status.name === 'RUNNING') throw new RerunOriginalRunningError(`${workflowId}/${runId}`);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    throw error;
  }
}

/**
 * A client like `client` (with `dataConverter`, when given) whose workflow starts carry the lineage header, which the plugin's
 * workflow interceptor reads and forwards to every activity and child run.
 */
export function clientWithHeader(
  client: Client,
  header: LineageHeader,
  dataConverter: DataConverter | undefined = client.options.dataConverter,
): Client {
  const interceptor: WorkflowClientInterceptor = {
    start: (input, next) =>
      next({
        ...input,
        headers: { ...input.headers, [LINEAGE_HEADER]: defaultPayloadConverter.toPayload(header) },
      }),
  };
  return new Client({
    connection: client.connection,
    namespace: client.options.namespace,
    ...(dataConverter ? { dataConverter } : {}),
    identity: client.options.identity,
    interceptors: { workflow: [interceptor] },
  });
}
