import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { valueDigest } from '../artifacts/digest';
import { encodeValue, type EncodedValue } from '../artifacts/encode';
import { createRedaction, DEFAULT_REDACT_KEYS } from '../artifacts/redact';
import type { LineageHeader } from '../capture/lineage-header';
import { RerunFailedError, RerunInputNotReplayableError, RerunStepNotFoundError } from '../errors';
import { formatFailure } from '../failure-chain';
import { getRun } from '../query/get-run';
import { parseInput, type RunRow } from '../query/rows';
import type { LineageStore } from '../store/open-store';
import { contexts } from '../store/schema';
import { createWriters } from '../store/writers';
import { RerunRunOptionsSchema, type RerunRunOptions } from './options';
import { argsOfRun, replayArgs } from './recorded-inputs';
import { runTree, treeExecutions, type TreeExecution } from './run-tree';
import { assertFinished, assertPolled, clientWithHeader } from './temporal-checks';
import { assertConverterReadsRun } from './data-converter';
import { planRerun, type RerunPlan } from './plan';
import { runVerdict, type RunVerdict } from './run-verdict';
import { compareOutputs, outputsOfRunResult, type OutputSnapshot } from './verdict';
import { watchWorkflow } from './watch-workflow';

/** One activity attempt of the new run or of its child runs. */
export interface RerunStep {
  readonly executionId: number;
  readonly activityType: string;
  readonly attempt: number;
  /** `CACHED` when it returned the original's recorded output without running. */
  readonly state: string;
  /** The run (`workflowId/runId`) it belongs to. */
  readonly run: string;
  /** The original execution with the same type and inputs, if the original run had one. */
  readonly rerunOf: number | null;
  /** For a CACHED step: the execution whose output it returned. */
  readonly cachedFrom: number | null;
}

/** A finished run rerun, compared with the original. */
export interface RunRerunResult {
  readonly original: RunRow;
  readonly rerun: RunRow;
  /** What the rerun planned to reuse and to run, computed before it started. */
  readonly plan: RerunPlan;
  /**
   * Every step's output artifacts (file contents included) and the run's result, against the
   * original's: `reproduced` only when all are equal.
   */
  readonly verdict: RunVerdict;
  /** Every attempt of the new run and its child runs, in start order. */
  readonly steps: readonly RerunStep[];
}

/** A started run rerun. */
export interface RunRerunHandle {
  readonly original: RunRow;
  readonly plan: RerunPlan;
  readonly workflowId: string;
  readonly runId: string;
  /** The new run's name, `workflowId/runId`. */
  readonly name: string;
  /** Waits for the new run to finish and to be recorded, then gives the verdict. */
  result(): Promise<RunRerunResult>;
}

/**
 * Finds the step in the original run tree and says where it sits: its activity type, and the
 * workflow types of the runs from the top-level run down to each run that holds it. The
 * workflow interceptor uses these to tell "before the step" from "after" in the new run.
 */
async function locateStep(
  store: LineageStore,
  original: RunRow,
  from: string,
): Promise<Pick<LineageHeader, 'rerunFrom' | 'rerunFromType' | 'rerunFromRuns'>> {
  const tree = await runTree(store, original.name);
  const all = await treeExecutions(store, tree);
  // An execution id as `lineage show` prints it (e12), as a target (execution:12), or bare.
  const id = /^(?:e|execution:)?(\d+)$/.exec(from)?.[1];
  const steps =
    id === undefined ? all.filter((e) => e.activityType === from) : all.filter((e) => e.id === Number(id));
  const first = steps[0];
  if (!first) {
    const types = [...new Set(all.map((e) => e.activityType))].sort();
    throw new RerunStepNotFoundError(original.name, from, types);
  }
  const byId = new Map(tree.map((run) => [run.id, run]));
  const runs = new Set<string>();
  for (const step of steps) {
    for (let run = byId.get(step.contextId); run; run = byId.get(run.parentId ?? -1)) {
      if (run.workflowType) runs.add(run.workflowType);
    }
  }
  return { rerunFrom: id ?? from, rerunFromType: first.activityType, rerunFromRuns: [...runs] };
}

async function runByName(store: LineageStore, name: string): Promise<RunRow | undefined> {
  const [run] = await store.db
    .select()
    .from(contexts)
    .where(and(eq(contexts.type, 'run'), eq(contexts.name, name)));
  return run;
}

/** The run's record once the worker has written its end (sinks run just after the workflow ends). */
async function recordedEnd(
  store: LineageStore,
  name: string,
  timeoutMs: number,
): Promise<RunRow | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runByName(store, name);
    if (run && run.status !== 'RUNNING') return run;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Records a rerun that never ran to an end of its own (a Worker failed its workflow tasks, or
 * none picked it up): the Worker's sinks never reported it, so the store would not know it.
 * Overridden arguments may hold values the command line supplied for redacted fields, so only
 * the recorded original arguments are stored, never overrides.
 */
async function recordFailedRerun(
  store: LineageStore,
  rerun: {
    original: RunRow;
    workflowId: string;
    runId: string;
    args: unknown[];
    overridden: boolean;
    detail: string;
  },
): Promise<void> {
  const { original } = rerun;
  const writers = createWriters(store);
  const run = { workflowId: rerun.workflowId, runId: rerun.runId };
  const workflowType = original.workflowType!;
  const now = new Date();
  await writers.runs.start({
    run,
    workflowType,
    taskQueue: original.taskQueue!,
    startedAt: now,
    args: rerun.overridden ? null : ((original.args ?? null) as EncodedValue),
    argsDigest: rerun.overridden
      ? valueDigest(encodeValue(rerun.args, createRedaction(DEFAULT_REDACT_KEYS))).digest
      : original.argsDigest!,
    parent: null,
    rerunOf: original.name,
    rerunFrom: null,
  });
  await writers.runs.end({
    run,
    workflowType,
    status: 'FAILED',
    endedAt: now,
    result: null,
    error: rerun.detail,
  });
}

const toStep = (execution: TreeExecution, runName: string): RerunStep => ({
  executionId: execution.id,
  activityType: execution.activityType,
  attempt: execution.attempt,
  state: execution.state,
  run: runName,
  rerunOf: execution.rerunOf,
  cachedFrom: execution.cachedFrom,
});

function runOutputs(run: RunRow): OutputSnapshot[] {
  return run.status === 'COMPLETED' ? outputsOfRunResult((run.result ?? null) as EncodedValue) : [];
}

/** A run rerun checked and planned, not started yet (see {@link prepareRunRerun}). */
export interface PreparedRunRerun {
  readonly original: RunRow;
  /** Per step of the original run tree: reuse its recorded output, or run it again and why. */
  readonly plan: RerunPlan;
  /** Starts the planned rerun (after checking that a worker polls the task queue). */
  start(): Promise<RunRerunHandle>;
}

/**
 * Checks a run rerun and computes its plan without starting anything: what `lineage rerun run
 * --dry-run` prints. {@link startRunRerun} is this followed by `start()`.
 *
 * @throws the errors of {@link startRunRerun} that need no worker.
 */
export async function prepareRunRerun(options: RerunRunOptions): Promise<PreparedRunRerun> {
  const o = parseInput('rerun run options', RerunRunOptionsSchema, options);
  const { store, client } = o;
  const original = await getRun(store, o.run);
  const target = `run ${original.name}`;
  const recorded = argsOfRun(target, original);
  const { workflowId: originalId, runId: originalRunId, workflowType, taskQueue } = original;
  if (!originalId || !originalRunId || !workflowType || !taskQueue)
    throw new RerunInputNotReplayableError(target, 'args', 'have no recorded workflow type or task queue');
  await assertFinished(client, originalId, originalRunId);
  const dataConverter = o.dataConverter ?? client.options.dataConverter ?? {};
  await assertConverterReadsRun(client, dataConverter, {
    ...original,
    workflowId: originalId,
    runId: originalRunId,
  });
  const args = replayArgs(target, recorded, o.set, original.argsDigest);
  const step = o.from === undefined ? undefined : await locateStep(store, original, o.from);
  const header: LineageHeader = {
    rerunOf: original.name,
    ...step,
    ...(o.noCache ? { noCache: true } : {}),
  };
  const plan = await planRerun(
    store,
    original,
    step && o.from !== undefined ? { ref: o.from, activityType: step.rerunFromType! } : null,
    { overrides: Object.keys(o.set).length > 0, noCache: o.noCache },
  );
  return {
    original,
    plan,
    async start() {
      await assertPolled(client, taskQueue, 'workflow');
      const handle = await clientWithHeader(client, header, dataConverter).workflow.start(workflowType, {
        taskQueue,
        workflowId: o.workflowId ?? `${originalId}-rerun-${randomUUID().slice(0, 8)}`,
        args,
      });
      return runHandle(o, { original, plan, args, workflowType, taskQueue }, handle);
    },
  };
}

/** What a started rerun needs to watch, judge and, when it cannot progress, record its failure. */
interface StartedRerun {
  readonly original: RunRow;
  readonly plan: RerunPlan;
  readonly args: unknown[];
  readonly workflowType: string;
  readonly taskQueue: string;
}

function runHandle(
  o: {
    store: LineageStore;
    client: RerunRunOptions['client'];
    recordTimeoutMs: number;
    pickupTimeoutMs: number;
    set: Record<string, unknown>;
  },
  { original, plan, args, workflowType, taskQueue }: StartedRerun,
  handle: {
    workflowId: string;
    firstExecutionRunId: string;
    result(): Promise<unknown>;
    terminate(reason: string): Promise<unknown>;
  },
): RunRerunHandle {
  const { store, client } = o;
  const { workflowId, firstExecutionRunId: runId } = handle;
  const name = `${workflowId}/${runId}`;
  return {
    original,
    plan,
    workflowId,
    runId,
    name,
    async result() {
      const watched = await watchWorkflow(client, { workflowId, runId }, o.pickupTimeoutMs);
      if (watched.kind !== 'closed') {
        const detail =
          watched.kind === 'task-failed'
            ? `a workflow task failed on the Worker of task queue '${taskQueue}', and Temporal would retry it ` +
              `forever, so the rerun was terminated: ${watched.failure}`
            : `no Worker picked it up from task queue '${taskQueue}' within ${o.pickupTimeoutMs / 1000}s, so it ` +
              `was terminated; start a Worker on task queue '${taskQueue}' that registers workflow ` +
              `'${workflowType}' with LineagePlugin in its plugins (the Worker that ran the original), then rerun`;
        await handle.terminate(detail);
        await recordFailedRerun(store, {
          original,
          workflowId,
          runId,
          args,
          overridden: Object.keys(o.set).length > 0,
          detail,
        });
        throw new RerunFailedError(
          workflowId,
          runId,
          watched.kind === 'task-failed' ? 'failed' : 'timed-out',
          detail,
        );
      }
      try {
        await handle.result();
      } catch (failure) {
        throw new RerunFailedError(workflowId, runId, 'failed', formatFailure(failure), { cause: failure });
      }
      const rerun = await recordedEnd(store, name, o.recordTimeoutMs);
      if (!rerun) {
        const detail = `the run finished but ${store.target} has not recorded its end; does the worker on task queue '${original.taskQueue ?? '?'}' run LineagePlugin with this store?`;
        throw new RerunFailedError(workflowId, runId, 'not-recorded', detail);
      }
      const tree = await runTree(store, name);
      const names = new Map(tree.map((run) => [run.id, run.name]));
      const steps = (await treeExecutions(store, tree)).map((e) => toStep(e, names.get(e.contextId)!));
      const result = compareOutputs(runOutputs(original), runOutputs(rerun));
      return { original, rerun, plan, verdict: await runVerdict(store, original, rerun, result), steps };
    },
  };
}

/**
 * Starts a new run of the same workflow type with the recorded workflow arguments (optionally
 * overridden) on the original task queue. With `from`, every activity the new run schedules
 * before that step — in its own schedule order, across child runs — whose type and inputs match
 * a completed execution of the original run tree returns that execution's recorded output
 * without running (state CACHED); the step and everything after it runs for real.
 *
 * @throws {@link RerunOriginalRunningError}, {@link RerunNoWorkerError}, {@link RerunConverterError},
 *   {@link RerunStepNotFoundError}, {@link RerunOverrideError}, {@link RerunInputNotReplayableError}
 *   — all before anything starts.
 *
 * @example
 * const rerun = await startRunRerun({ store, client, run: 'iris-training', from: 'trainModel' });
 * console.log(rerun.name);
 * console.log(formatVerdict((await rerun.result()).verdict));
 */
export async function startRunRerun(options: RerunRunOptions): Promise<RunRerunHandle> {
  return (await prepareRunRerun(options)).start();
}

/** {@link startRunRerun}, then waits for the verdict. */
export async function rerunRun(options: RerunRunOptions): Promise<RunRerunResult> {
  return (await startRunRerun(options)).result();
}
