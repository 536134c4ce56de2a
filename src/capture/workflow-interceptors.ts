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
import { LINEAGE_HEADER, type LineageHeader } from './lineage-header';
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

export const interceptors = (): WorkflowInterceptors => {
  // Per workflow execution: the factory runs once for each one.
  let context: LineageHeader = {};
  // The context changes at most a few times per run (it is replaced, never mutated): its payload
  // is encoded once per change rather than once per scheduled activity.
  let encoded:
    { of: LineageHeader; payload: ReturnType<typeof defaultPayloadConverter.toPayload> } | undefined;
  const withContext = <T extends { headers: Headers }>(input: T): T => {
    // An empty context is what a missing header means: most runs (no rerun) send none at all.
    if (Object.keys(context).length === 0) return input;
    if (encoded?.of !== context)
      encoded = { of: context, payload: defaultPayloadConverter.toPayload(context) };
    return { ...input, headers: { ...input.headers, [LINEAGE_HEADER]: encoded.payload } };
  };
  // From-step reruns: "before the step" is decided here, in schedule order, because only the
  // workflow knows the order in which it asks for work; the decision travels in the header and is
  // replayed identically, so histories stay deterministic. No I/O: the step is named in the header.
  const reach = (): void => {
    if (context.rerunFromType !== undefined && !context.rerunReached)
      context = { ...context, rerunReached: true };
  };
  const inStepRun = (): boolean => context.rerunFromRuns?.includes(workflowInfo().workflowType) ?? false;
  const scheduling = <T extends { headers: Headers; activityType: string }>(input: T): T => {
    if (input.activityType === context.rerunFromType && inStepRun()) reach();
    return withContext(input);
  };
  return {
    inbound: [
      {
        async execute(input, next) {
          context = readHeader(input.headers);
          lineage.runStarted([...input.args], context);
          try {
            const result = await next(input);
            lineage.runEnded('COMPLETED', result, null);
            return result;
          } catch (error) {
            const status = endStatus(error);
            if (status) lineage.runEnded(status, undefined, formatFailure(error));
            throw error;
          }
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => next(scheduling(input)),
        scheduleLocalActivity: (input, next) => next(scheduling(input)),
        startChildWorkflowExecution: (input, next) => {
          // The child still gets the not-yet-reached context (its own steps before the step may
          // be reused); whatever this run does after starting it comes after the step.
          const started = next(withContext(input));
          if (context.rerunFromRuns?.includes(input.workflowType)) reach();
          return started;
        },
        continueAsNew: (input, next) => next(withContext(input)),
      },
    ],
  };
};
