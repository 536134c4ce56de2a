import type { Client } from '@temporalio/client';
import { formatFailureLinks, type FailureLink } from '../failure-chain';

type HistoryPage = Awaited<ReturnType<Client['workflowService']['getWorkflowExecutionHistory']>>;
type HistoryEvent = NonNullable<NonNullable<HistoryPage['history']>['events']>[number];
type ProtoFailure = NonNullable<NonNullable<HistoryEvent['workflowTaskFailedEventAttributes']>['failure']>;

// temporal.api.enums.v1.EventType; numeric so that @temporalio/proto need not be a dependency.
const WORKFLOW_TASK_STARTED = 6;
const WORKFLOW_TASK_FAILED = 9;
/** Completed, failed, timed out, canceled, terminated, continued as new. */
const CLOSED = new Set([2, 3, 4, 21, 27, 28]);

/**
 * temporal.api.enums.v1.WorkflowTaskFailedCause values that are part of normal operation (a new
 * signal or update arrived, a sticky cache was reset, a reset or pause): Temporal retries those
 * and the run goes on. Every other cause comes from the Worker failing the task, which it will
 * do again on every retry.
 */
const ROUTINE_TASK_FAILURES = new Set([1, 13, 17, 18, 20, 31, 39]);

/** How watching a started workflow ended. */
export type WatchOutcome =
  | { readonly kind: 'closed' }
  /** A Worker failed a workflow task; Temporal would retry it forever. */
  | { readonly kind: 'task-failed'; readonly failure: string }
  /** No Worker started the first workflow task within the pickup timeout. */
  | { readonly kind: 'not-picked-up' };

/**
 * The workflow's history events in order, following it as it grows (the server long-polls each
 * page) until the workflow closes or `signal` aborts.
 */
async function* historyEvents(
  client: Client,
  execution: { workflowId: string; runId: string },
  signal: AbortSignal,
): AsyncGenerator<HistoryEvent> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.connection.withAbortSignal(signal, () =>
      client.workflowService.getWorkflowExecutionHistory({
        namespace: client.options.namespace,
        execution,
        nextPageToken: nextPageToken ?? null,
        waitNewEvent: true,
      }),
    );
    for (const event of page.history?.events ?? []) yield event;
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
}

/** A failure as Temporal's history holds it, told root cause first (see {@link formatFailureLinks}). */
function describeFailure(failure: ProtoFailure | null | undefined): string {
  const links: FailureLink[] = [];
  for (let f = failure; f && links.length < 32; f = f.cause) {
    const name = f.applicationFailureInfo
      ? f.applicationFailureInfo.type || 'ApplicationFailure'
      : f.activityFailureInfo
        ? 'ActivityFailure'
        : f.childWorkflowExecutionFailureInfo
          ? 'ChildWorkflowFailure'
          : 'Failure';
    links.push({ name, message: f.message ?? '' });
  }
  return formatFailureLinks(links);
}

/**
 * Follows a started workflow until it closes, a Worker fails one of its workflow tasks, or no
 * Worker starts its first workflow task within `pickupTimeoutMs`, whichever comes first.
 */
export async function watchWorkflow(
  client: Client,
  execution: { workflowId: string; runId: string },
  pickupTimeoutMs: number,
): Promise<WatchOutcome> {
  const pickup = new AbortController();
  const timer = setTimeout(() => pickup.abort(), pickupTimeoutMs);
  let pickedUp = false;
  try {
    for await (const event of historyEvents(client, execution, pickup.signal)) {
      const type = Number(event.eventType);
      if (type === WORKFLOW_TASK_STARTED && !pickedUp) {
        pickedUp = true;
        clearTimeout(timer);
      } else if (type === WORKFLOW_TASK_FAILED) {
        const attributes = event.workflowTaskFailedEventAttributes;
        if (!ROUTINE_TASK_FAILURES.has(Number(attributes?.cause)))
          return { kind: 'task-failed', failure: describeFailure(attributes?.failure) };
      } else if (CLOSED.has(type)) return { kind: 'closed' };
    }
    return { kind: 'closed' };
  } catch (error) {
    if (pickup.signal.aborted && !pickedUp) return { kind: 'not-picked-up' };
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
