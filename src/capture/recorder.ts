import { hostname } from 'node:os';
import type { Info as ActivityInfo } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { captureArgs, captureResult, type CaptureSettings } from '../artifacts/capture';
import { valueDigest } from '../artifacts/digest';
import { encodeValue } from '../artifacts/encode';
import { FileDigester } from '../artifacts/file-digest';
import { createRedaction } from '../artifacts/redact';
import { builtInArtifactTypes } from '../artifacts/types';
import type { LineageStoreError } from '../errors';
import type { ResolvedLineageOptions } from '../options';
import { cacheKeyOf } from '../rerun/cache-key';
import { ReuseResolver, type ReuseDecision } from '../rerun/reuse';
import type { LineageStore } from '../store/open-store';
import type { AttemptEnd, AttemptHandle, AttemptStart, QueuedStart } from '../store/write-attempts';
import {
  findAttemptHandle,
  AttemptNotRecordedError,
  type AttemptKey,
  type WriteRecord,
} from '../store/write-records';
import type { RunEnd, RunStart } from '../store/write-runs';
import { BackgroundWrites } from './background-writes';
import { CodeTracking } from './code-tracking';
import { describeError, DIGEST_ONLY_TEXT, storeUnavailableFailure, unavailableEnd } from './error-record';
import type { LineageHeader } from './lineage-header';
import type { RunEndStatus } from './sink-types';
import { FLUSH_MS, StoreGate, type GateResult } from './store-gate';

export { STORE_UNAVAILABLE } from './error-record';

/** How an activity attempt came out. */
export type AttemptOutcome = { readonly result: unknown } | { readonly error: unknown };

/** A recorded (or queued) attempt start; `reused` is set when the attempt is already done (CACHED). */
export interface StartedAttempt {
  readonly key: AttemptKey;
  /** The row ids, when the start is in the store; absent while it waits in a queue. */
  readonly handle?: AttemptHandle;
  readonly reused?: { readonly result: unknown };
  /** A start being written while the body runs (see {@link Recorder.attemptStarted}). */
  readonly pending?: {
    readonly start: AttemptStart;
    readonly queued: QueuedStart;
    readonly written: Promise<GateResult<AttemptHandle>>;
  };
}

/**
 * Turns what the interceptors and sinks observe into store writes, and applies the
 * `onStoreError` policy in one place when the store cannot take them (see {@link StoreGate}).
 */
export class Recorder {
  private settings: CaptureSettings;
  private readonly reuse: ReuseResolver;
  private readonly gate: StoreGate;
  /** `commit: 'batched'`: writes the activity and the workflow do not wait for. */
  private readonly background = new BackgroundWrites();
  /** The `$code` and `$environment` inputs added to every attempt (filled in by the plugin). */
  readonly tracking = new CodeTracking();
  /** Filled in by the plugin from the Worker's options. */
  worker: { identity: string; buildId: string | null } = {
    identity: `${process.pid}@${hostname()}`,
    buildId: null,
  };

  constructor(private readonly options: ResolvedLineageOptions) {
    this.settings = {
      types: [...options.artifactTypes, ...builtInArtifactTypes],
      maxInlineBytes: options.maxInlineBytes,
      files: new FileDigester(options.maxFileDigestBytes, options.artifactResolvers),
      redaction: createRedaction(options.redactKeys, options.redact, options.redactAllowKeys),
      digestOnly: false,
    };
    this.reuse = new ReuseResolver(options);
    this.gate = new StoreGate(options);
  }

  /** Whether values are kept out of the store (the worker encrypts payloads and the user did not opt in). */
  get digestOnly(): boolean {
    return this.settings.digestOnly === true;
  }

  /** Called by the plugin with whether the Worker's data converter has payload codecs. */
  useCodecs(hasCodecs: boolean): void {
    if (hasCodecs && !this.options.captureValuesWithCodec && !this.digestOnly) {
      this.settings = { ...this.settings, digestOnly: true };
      Runtime.instance().logger.info(
        'temporal-lineage: the worker encodes payloads with a codec; storing digests only (captureValuesWithCodec: true stores values)',
      );
    }
  }

  /**
   * Opens the store, and starts writing what a previous process left in the outbox; resolves once
   * the open succeeded or failed (a failure is logged, never thrown).
   */
  warmUp(): Promise<void> {
    return this.gate.warmUp();
  }

  /** The store, opening it if needed. */
  async store(): Promise<LineageStore> {
    return (await this.gate.open()).store;
  }

  private get batched(): boolean {
    return this.options.commit === 'batched';
  }

  /**
   * Runs a write without waiting for it (`commit: 'batched'`); {@link flush} and {@link close} do.
   * A run's end is `ordered: false`: later run ends wait for the attempts before them, not for it
   * (waiting for each other, run ends were written one window apart, ten runs a second at most).
   */
  private inBackground(write: () => Promise<void>, ordered = true): void {
    this.background.start(write, ordered, (error) => {
      Runtime.instance().logger.error('temporal-lineage: background write failed', { error: String(error) });
    });
  }

  /**
   * Writes every record captured so far (in batched mode, those still in their window too) and
   * every record waiting for the store; resolves to whether none is left.
   */
  async flush(timeoutMs = FLUSH_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (this.background.running > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>(
        (resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)),
      );
      const late = await Promise.race([this.background.settled().then(() => false), timedOut]);
      clearTimeout(timer);
      if (late) return false;
    }
    return this.gate.flush(Math.max(deadline - Date.now(), 0));
  }

  private encode(value: unknown, path: string) {
    const encoded = encodeValue(value, this.settings.redaction, path);
    return { encoded, digest: valueDigest(encoded).digest };
  }

  private lost(operation: string, error: LineageStoreError): void {
    Runtime.instance().logger.warn(`temporal-lineage: record lost (${operation})`, { error: error.message });
  }

  /** What the policy does with a write the store could not take now; true when it is queued. */
  private async deferOrLose(operation: string, error: LineageStoreError, records: WriteRecord[]) {
    if (this.options.onStoreError !== 'continue' && (await this.gate.defer(records))) return true;
    this.lost(operation, error);
    return false;
  }

  /**
   * Records an attempt as RUNNING with its inputs. When a from-step rerun or the execution cache
   * supplies a recorded output, the attempt is recorded CACHED right away and the caller returns
   * `reused.result` without running the body.
   */
  async attemptStarted(
    info: ActivityInfo,
    args: readonly unknown[],
    header: LineageHeader = {},
  ): Promise<StartedAttempt | undefined> {
    const startedAt = new Date();
    const { inputs, inputDigest } = await captureArgs(args, this.settings);
    const cacheKey = cacheKeyOf(info.activityType, inputDigest, inputs);
    const run = info.workflowExecution ?? { workflowId: '(none)', runId: info.activityId };
    const key: AttemptKey = { ...run, activityId: info.activityId, attempt: info.attempt };
    const tracked = this.tracking.inputsFor(info.activityType, this.settings);
    const startOf = (decision: Pick<ReuseDecision, 'rerunOf' | 'cacheVersion'>): AttemptStart => ({
      run,
      workflowType: info.workflowType ?? '(standalone)',
      activityId: info.activityId,
      activityType: info.activityType,
      attempt: info.attempt,
      taskQueue: info.taskQueue,
      isLocal: info.isLocal,
      workerIdentity: this.worker.identity,
      buildId: this.worker.buildId,
      startedAt,
      inputDigest,
      inputs: tracked.length === 0 ? inputs : [...inputs, ...tracked],
      rerunOf: decision.rerunOf,
      cacheKey,
      cacheVersion: decision.cacheVersion,
      ...(header.producers ? { producers: header.producers } : {}),
      scheduledMs: info.scheduledTimestampMs,
    });
    // The common case: nothing to look up before the body, and the store is up. The start is
    // queued and the body runs meanwhile; the end joins the start when the body is done before
    // the start was sent (one statement), and waits for it otherwise. The end is still written
    // before the result goes back to Temporal.
    const known = this.reuse.decideWithoutStore({ activityType: info.activityType, cacheKey, header });
    const opened = known && this.gate.ready();
    if (known && opened) {
      const start = startOf(known);
      const queued = opened.attempts.queueStart(start);
      const written = this.gate.settle('attempt start', queued.written, ({ attempts }) =>
        attempts.start(start, queued.joinedEnd),
      );
      return { key, pending: { start, queued, written } };
    }
    const written = await this.gate.write('attempt start', async ({ store, attempts }) => {
      const decision = await this.reuse.decide(store, { activityType: info.activityType, cacheKey, header });
      const handle = await attempts.start(startOf(decision));
      const { reused } = decision;
      if (!reused) return { key, handle };
      await attempts.endCached(handle, {
        sourceExecutionId: reused.executionId,
        outputDigest: reused.outputDigest,
        endedAt: new Date(),
      });
      return { key, handle, reused: { result: reused.result } };
    });
    if (written.ok) return written.value;
    // Reuse needs the store; without it the attempt runs for real.
    const start = startOf({
      rerunOf: header.rerunOfExecution ?? null,
      cacheVersion: this.reuse.cacheVersion(info.activityType) ?? null,
    });
    const { error } = written;
    if (!written.unavailable) {
      this.lost('attempt start', error);
      return undefined;
    }
    if (this.options.onStoreError === 'fail') {
      await this.deferOrLose('attempt start', error, [
        { kind: 'attempt-start', start },
        { kind: 'attempt-end', attempt: key, end: unavailableEnd('refused') },
      ]);
      throw storeUnavailableFailure(error);
    }
    return (await this.deferOrLose('attempt start', error, [{ kind: 'attempt-start', start }]))
      ? { key }
      : undefined;
  }

  /** Records how an attempt that ran its body came out, before the outcome goes back to Temporal. */
  async attemptEnded(started: StartedAttempt | undefined, outcome: AttemptOutcome): Promise<void> {
    if (!started) return;
    const endedAt = new Date();
    let end: AttemptEnd;
    if ('result' in outcome) {
      const { outputs, outputDigest } = await captureResult(outcome.result, this.settings);
      end = { state: 'COMPLETE', endedAt, outputDigest, outputs, error: null };
    } else {
      const state = outcome.error instanceof CancelledFailure ? 'CANCELED' : 'FAILED';
      end = {
        state,
        endedAt,
        outputDigest: null,
        outputs: [],
        error: describeError(outcome.error, this.digestOnly),
      };
    }
    const { pending } = started;
    if (pending && this.batched && this.background.running < this.options.batchMaxPending) {
      // The outcome goes back to Temporal now; the record follows within the batch window.
      this.inBackground(() => this.pendingAttemptEnded(started, pending, outcome, end, false));
      return;
    }
    // Batched but too far behind: this attempt waits for its record, which holds the backlog back.
    if (pending) return this.pendingAttemptEnded(started, pending, outcome, end, true);
    const written = await this.gate.write('attempt end', async ({ store, attempts }) => {
      // A start that waited in a queue has been written by now (the queue drains first): find its row.
      const handle = started.handle ?? (await findAttemptHandle(store, started.key));
      if (!handle) throw new AttemptNotRecordedError(started.key);
      await attempts.end(handle, end);
    });
    if (written.ok) return;
    await this.endUnwritten(started.key, outcome, end, written);
  }

  /**
   * The end of an attempt whose start was queued while its body ran. `canFail`: the outcome has
   * not gone back to Temporal yet, so the `fail` policy may still fail the attempt.
   */
  private async pendingAttemptEnded(
    started: StartedAttempt,
    pending: NonNullable<StartedAttempt['pending']>,
    outcome: AttemptOutcome,
    end: AttemptEnd,
    canFail: boolean,
  ): Promise<void> {
    const joined = pending.queued.join(end);
    const startWritten = await pending.written;
    if (!startWritten.ok) {
      // Neither start nor end is in the store, and the body has run.
      const { error } = startWritten;
      if (!startWritten.unavailable) return this.lost('attempt', error);
      if (canFail && this.options.onStoreError === 'fail' && 'result' in outcome) {
        await this.deferOrLose('attempt', error, [
          { kind: 'attempt-start', start: pending.start },
          { kind: 'attempt-end', attempt: started.key, end: unavailableEnd('unrecorded') },
        ]);
        throw storeUnavailableFailure(error);
      }
      await this.deferOrLose('attempt', error, [
        { kind: 'attempt-start', start: pending.start },
        { kind: 'attempt-end', attempt: started.key, end },
      ]);
      return;
    }
    if (joined) return;
    const handle = startWritten.value;
    const written = await this.gate.write('attempt end', ({ attempts }) => attempts.end(handle, end));
    if (written.ok) return;
    await this.endUnwritten(started.key, outcome, end, written, canFail);
  }

  /** What the policy does when an attempt's end could not be written (its start is in the store). */
  private async endUnwritten(
    key: AttemptKey,
    outcome: AttemptOutcome,
    end: AttemptEnd,
    written: Extract<GateResult<unknown>, { ok: false }>,
    canFail = true,
  ): Promise<void> {
    const { error } = written;
    if (!written.unavailable) return this.lost('attempt end', error);
    if (canFail && this.options.onStoreError === 'fail' && 'result' in outcome) {
      // Nothing completes unrecorded: the attempt fails retryably and its row says why.
      const failed = unavailableEnd('unrecorded');
      await this.deferOrLose('attempt end', error, [{ kind: 'attempt-end', attempt: key, end: failed }]);
      throw storeUnavailableFailure(error);
    }
    // The attempt failed anyway (or the policy lets it complete): its own outcome reaches Temporal unchanged.
    await this.deferOrLose('attempt end', error, [{ kind: 'attempt-end', attempt: key, end }]);
  }

  /** Sink side: never throws (a sink error must not disturb the workflow); the policy queues or logs. */
  async runStarted(info: WorkflowInfo, args: unknown[], header: LineageHeader): Promise<void> {
    if (this.batched) return this.inBackground(() => this.writeRunStart(info, args, header));
    return this.writeRunStart(info, args, header);
  }

  private async writeRunStart(info: WorkflowInfo, args: unknown[], header: LineageHeader): Promise<void> {
    const { encoded, digest: argsDigest } = this.encode(args, 'args');
    const start = (rerunOf: string | null): RunStart => ({
      run: { workflowId: info.workflowId, runId: info.runId },
      workflowType: info.workflowType,
      taskQueue: info.taskQueue,
      // Temporal's start of the run (describe().startTime), not its first workflow task.
      startedAt: info.startTime,
      args: this.digestOnly ? null : encoded,
      argsDigest,
      parent: info.parent ? { workflowId: info.parent.workflowId, runId: info.parent.runId } : null,
      root:
        info.root && info.root.runId !== info.runId
          ? { workflowId: info.root.workflowId, runId: info.root.runId }
          : null,
      continuedFrom:
        info.continuedFromExecutionRunId === undefined
          ? null
          : { workflowId: info.workflowId, runId: info.continuedFromExecutionRunId },
      rerunOf,
      rerunFrom: header.rerunFrom ?? null,
    });
    const written = await this.gate.write('run start', async ({ store, runs }) => {
      // A child run inherits the original top-level run's name in the header; it re-executes
      // that run's matching child, when the original tree has one.
      const rerunOf =
        header.rerunOf !== undefined && info.parent
          ? ((await this.reuse.originalChildRun(store, header.rerunOf, {
              workflowType: info.workflowType,
              argsDigest,
            })) ?? header.rerunOf)
          : (header.rerunOf ?? null);
      await runs.start(start(rerunOf));
    });
    if (written.ok) return;
    if (!written.unavailable) return this.lost('run start', written.error);
    await this.deferOrLose('run start', written.error, [
      { kind: 'run-start', start: start(header.rerunOf ?? null) },
    ]);
  }

  async runEnded(
    info: WorkflowInfo,
    status: RunEndStatus,
    result: unknown,
    error: string | null,
    endedAt: Date = new Date(),
  ): Promise<void> {
    if (!this.batched) return this.writeRunEnd(info, status, result, error, endedAt);
    // A run shows as ended once the attempts this worker captured before its end are written.
    const before = this.background.orderedSettled();
    this.inBackground(async () => {
      await before;
      await this.writeRunEnd(info, status, result, error, endedAt);
    }, false);
  }

  private async writeRunEnd(
    info: WorkflowInfo,
    status: RunEndStatus,
    result: unknown,
    error: string | null,
    endedAt: Date,
  ): Promise<void> {
    const end: RunEnd = {
      run: { workflowId: info.workflowId, runId: info.runId },
      workflowType: info.workflowType,
      status,
      endedAt,
      result: status === 'COMPLETED' && !this.digestOnly ? this.encode(result, 'result').encoded : null,
      error:
        error === null
          ? null
          : this.digestOnly
            ? DIGEST_ONLY_TEXT
            : describeError(new Error(error), false).message,
    };
    const written = await this.gate.write('run end', ({ runs }) => runs.end(end));
    if (written.ok) return;
    if (!written.unavailable) return this.lost('run end', written.error);
    await this.deferOrLose('run end', written.error, [{ kind: 'run-end', end }]);
  }

  /** Writes what waits (briefly), then closes the store if this recorder opened it. */
  async close(): Promise<void> {
    // The workers have stopped: no new background write can start.
    await this.background.settled();
    await this.gate.close();
  }
}
