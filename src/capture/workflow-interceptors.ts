/**
 * Runs inside Temporal's deterministic workflow sandbox: no I/O, no Node built-ins. Reports run
 * start and end through a sink (the worker does the writing) and forwards the lineage header to
 * activities, child workflows and continue-as-new runs.
 */
import {
  ContinueAsNew,
  defaultPayloadConverter,
  isCancellation,
  proxySinks,
  TemporalFailure,
  workflowInfo,
  type Headers,
  type WorkflowInterceptors,
} from '@temporalio/workflow';
import { formatFailure } from '../failure-chain';
import { LINEAGE_HEADER, type LineageHeader, type ProducerHint, type ProducerRef } from './lineage-header';
import { ProducerHints } from './producer-hints';
import type { LineageSinks, RunEndStatus } from './sink-types';

const { lineage } = proxySinks<LineageSinks>();

function readHeader(headers: Headers): LineageHeader {
  const payload = headers[LINEAGE_HEADER];
  return payload ? defaultPayloadConverter.fromPayload<LineageHeader>(payload) : {};
}

/**
 * The status a thrown error gives the run, or undefined when it does not end the run: any error
 * that is not a Temporal failure only fails the workflow task, which Temporal retries.
 */
function endStatus(error: unknown): RunEndStatus | undefined {
  if (error instanceof ContinueAsNew) return 'CONTINUED_AS_NEW';
  if (isCancellation(error)) return 'CANCELED';
  if (error instanceof TemporalFailure) return 'FAILED';
  return undefined;
}

/** A promise's rejection is the workflow code's to handle; the hint bookkeeping only reads results. */
const ignore = (): void => undefined;

export const interceptors = (): WorkflowInterceptors => {
  // Per workflow execution: the factory runs once for each one.
  let context: LineageHeader = {};
  const hints = new ProducerHints();
  // The context changes at most a few times per run (it is replaced, never mutated): its payload
  // is encoded once per change rather than once per scheduled activity. Producer hints differ per
  // call, so a call with hints is encoded on its own.
  let encoded:
    { of: LineageHeader; payload: ReturnType<typeof defaultPayloadConverter.toPayload> } | undefined;
  const withContext = <T extends { headers: Headers }>(
    input: T,
    producers: readonly ProducerHint[] = [],
  ): T => {
    let payload;
    if (producers.length > 0) {
      payload = defaultPayloadConverter.toPayload({ ...context, producers });
    } else {
      // An empty context is what a missing header means: most runs (no rerun) send none at all.
      if (Object.keys(context).length === 0) return input;
      if (encoded?.of !== context)
        encoded = { of: context, payload: defaultPayloadConverter.toPayload(context) };
      payload = encoded.payload;
    }
    return { ...input, headers: { ...input.headers, [LINEAGE_HEADER]: payload } };
  };
  // From-step reruns: "before the step" is decided here, in schedule order, because only the
  // workflow knows the order in which it asks for work; the decision travels in the header and is
  // replayed identically, so histories stay deterministic. No I/O: the step is named in the header.
  const reach = (): void => {
    if (context.rerunFromType !== undefined && !context.rerunReached)
      context = { ...context, rerunReached: true };
  };
  const inStepRun = (): boolean => context.rerunFromRuns?.includes(workflowInfo().workflowType) ?? false;
  /**
   * Schedules an activity with its producer hints, and remembers its result as its own. The
   * result is noted by a handler attached before the workflow code's own (no extra tick).
   */
  const scheduling = <T extends { headers: Headers; activityType: string; args: unknown[] }>(
    input: T,
    activityId: string,
    next: (input: T) => Promise<unknown>,
  ): Promise<unknown> => {
    if (input.activityType === context.rerunFromType && inStepRun()) reach();
    const { workflowId, runId } = workflowInfo();
    const step: ProducerRef = { workflowId, runId, activityId };
    const result = next(withContext(input, hints.hintsFor(input.args, step)));
    result.then((value) => hints.remember(value, step), ignore);
    return result;
  };
  return {
    inbound: [
      {
        async execute(input, next) {
          const { producers, ...header } = readHeader(input.headers);
          context = header;
          hints.rememberReceived(input.args, producers);
          lineage.runStarted([...input.args], context);
          try {
            const result = await next(input);
            // Date.now() in the sandbox is the workflow's clock: the time of the task that ends the run.
            lineage.runEnded('COMPLETED', result, null, Date.now());
            return result;
          } catch (error) {
            const status = endStatus(error);
            if (status) lineage.runEnded(status, undefined, formatFailure(error), Date.now());
            throw error;
          }
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) =>
          scheduling(input, input.options.activityId ?? `${input.seq}`, next),
        // Temporal names a local activity by its sequence number.
        scheduleLocalActivity: (input, next) => scheduling(input, `${input.seq}`, next),
        startChildWorkflowExecution: (input, next) => {
          // The child still gets the not-yet-reached context (its own steps before the step may
          // be reused); whatever this run does after starting it comes after the step.
          const { workflowId } = input.options;
          const started = next(withContext(input, hints.hintsFor(input.options.args ?? [])));
          started.then(
            ([, completed]) => completed.then((value) => hints.remember(value, { workflowId }), ignore),
            ignore,
          );
          if (context.rerunFromRuns?.includes(input.workflowType)) reach();
          return started;
        },
        continueAsNew: (input, next) => next(withContext(input, hints.hintsFor(input.args))),
      },
    ],
  };
};
