import { hostname } from 'node:os';
import type { Info as ActivityInfo } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { captureValue, type CapturedArtifact, type CaptureSettings } from '../artifacts/capture';
import { valueDigest } from '../artifacts/digest';
import { encodeValue } from '../artifacts/encode';
import { FileDigester } from '../artifacts/file-digest';
import { builtInArtifactTypes } from '../artifacts/types';
import { LineageStoreError } from '../errors';
import type { ResolvedLineageOptions } from '../options';
import { cacheKeyOf } from '../rerun/cache-key';
import { ReuseResolver } from '../rerun/reuse';
import { openStore, type LineageStore } from '../store/open-store';
import type { AttemptHandle } from '../store/write-attempts';
import { createWriters, type StoreWriters } from '../store/writers';
import type { LineageHeader } from './lineage-header';
import type { RunEndStatus } from './sink-types';

/** The error type an attempt fails with when `onStoreError: 'fail'` and the store is unreachable. */
export const STORE_UNAVAILABLE = 'LineageStoreUnavailable';

/** How an activity attempt came out. */
export type AttemptOutcome = { readonly result: unknown } | { readonly error: unknown };

/** A recorded attempt start; `reused` is set when the attempt is already done (CACHED). */
export interface StartedAttempt extends AttemptHandle {
  readonly reused?: { readonly result: unknown };
}

async function captureAll(
  roots: Array<[string, unknown]>,
  settings: CaptureSettings,
): Promise<CapturedArtifact[]> {
  const parts = await Promise.all(roots.map(([path, value]) => captureValue(path, value, settings)));
  return parts.flat();
}

function describeError(error: unknown): { type: string; message: string; stack?: string } {
  if (error instanceof ApplicationFailure) {
    return {
      type: error.type ?? error.name,
      message: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  if (error instanceof Error)
    return { type: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { type: typeof error, message: String(error) };
}

/**
 * Turns what the interceptors and sinks observe into store writes. Owns the store connection
 * (opened lazily on first use, so creating the plugin never does I/O) and applies the
 * `onStoreError` policy in one place.
 */
export class Recorder {
  private opening: Promise<{ store: LineageStore } & StoreWriters> | undefined;
  private readonly settings: CaptureSettings;
  private readonly reuse: ReuseResolver;
  /** Filled in by the plugin from the Worker's options. */
  worker: { identity: string; buildId: string | null } = {
    identity: `${process.pid}@${hostname()}`,
    buildId: null,
  };

  constructor(private readonly options: ResolvedLineageOptions) {
    this.settings = {
      types: [...options.artifactTypes, ...builtInArtifactTypes],
      maxInlineBytes: options.maxInlineBytes,
      files: new FileDigester(options.maxFileDigestBytes),
    };
    this.reuse = new ReuseResolver(options);
  }

  private open(): Promise<{ store: LineageStore } & StoreWriters> {
    this.opening ??= (async () => {
      const { options } = this;
      const store =
        options.store ??
        (await openStore(
          options.databaseUrl
            ? { url: options.databaseUrl, poolSize: options.poolSize }
            : { dir: options.dataDir },
        ));
      return { store, ...createWriters(store) };
    })();
    // A failed open is forgotten so that the next attempt tries again (the store may be back).
    this.opening.catch(() => (this.opening = undefined));
    return this.opening;
  }

  /** Starts opening the store in the background; a failure is logged and retried on next use. */
  warmUp(): void {
    this.open().catch((error: unknown) => {
      Runtime.instance().logger.warn('temporal-lineage: lineage store not reachable yet', {
        error: String(error),
      });
    });
  }

  /** The store, opening it if needed. */
  async store(): Promise<LineageStore> {
    return (await this.open()).store;
  }

  /** Applies the store-error policy: fail the attempt retryably, or log and go on. */
  private async guard<T>(operation: string, write: () => Promise<T>): Promise<T | undefined> {
    try {
      return await write();
    } catch (cause) {
      const error =
        cause instanceof LineageStoreError
          ? cause
          : new LineageStoreError(operation, 'lineage store', { cause });
      if (this.options.onStoreError === 'fail') {
        throw ApplicationFailure.create({ message: error.message, type: STORE_UNAVAILABLE, cause: error });
      }
      Runtime.instance().logger.warn(`temporal-lineage: record lost (${operation})`, {
        error: error.message,
      });
      return undefined;
    }
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
    const inputs = await captureAll(
      args.map((arg, i) => [`args[${i}]`, arg]),
      this.settings,
    );
    const inputDigest = valueDigest(encodeValue(args)).digest;
    const cacheKey = cacheKeyOf(info.activityType, inputDigest, inputs);
    const run = info.workflowExecution ?? { workflowId: '(none)', runId: info.activityId };
    return this.guard('attempt start', async () => {
      const { store, attempts } = await this.open();
      const decision = await this.reuse.decide(store, { activityType: info.activityType, cacheKey, header });
      const handle = await attempts.start({
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
        inputs,
        rerunOf: decision.rerunOf,
        cacheKey,
        cacheVersion: decision.cacheVersion,
      });
      const { reused } = decision;
      if (!reused) return handle;
      await attempts.endCached(handle, {
        sourceExecutionId: reused.executionId,
        outputDigest: reused.outputDigest,
        endedAt: new Date(),
      });
      return { ...handle, reused: { result: reused.result } };
    });
  }

  /** Records how an attempt that ran its body came out, before the outcome goes back to Temporal. */
  async attemptEnded(handle: AttemptHandle | undefined, outcome: AttemptOutcome): Promise<void> {
    if (!handle) return;
    const endedAt = new Date();
    if ('result' in outcome) {
      const outputs = await captureAll([['result', outcome.result]], this.settings);
      const outputDigest = valueDigest(encodeValue(outcome.result)).digest;
      await this.guard('attempt end', async () =>
        (await this.open()).attempts.end(handle, {
          state: 'COMPLETE',
          endedAt,
          outputDigest,
          outputs,
          error: null,
        }),
      );
      return;
    }
    const state = outcome.error instanceof CancelledFailure ? 'CANCELED' : 'FAILED';
    try {
      await (
        await this.open()
      ).attempts.end(handle, {
        state,
        endedAt,
        outputDigest: null,
        outputs: [],
        error: describeError(outcome.error),
      });
    } catch (cause) {
      // The attempt failed anyway: its own error must reach Temporal unchanged, so this one is
      // only logged; the row stays RUNNING until reconciliation marks it ABANDONED.
      Runtime.instance().logger.warn('temporal-lineage: could not record a failed attempt', {
        error: String(cause),
      });
    }
  }

  /** Sink side: never throws (a sink error must not disturb the workflow); failures are logged. */
  async runStarted(info: WorkflowInfo, args: unknown[], header: LineageHeader): Promise<void> {
    const encoded = encodeValue(args);
    const argsDigest = valueDigest(encoded).digest;
    await this.logFailure('run start', async () => {
      const { store, runs } = await this.open();
      // A child run inherits the original top-level run's name in the header; it re-executes
      // that run's matching child, when the original tree has one.
      const rerunOf =
        header.rerunOf !== undefined && info.parent
          ? ((await this.reuse.originalChildRun(store, header.rerunOf, {
              workflowType: info.workflowType,
              argsDigest,
            })) ?? header.rerunOf)
          : (header.rerunOf ?? null);
      await runs.start({
        run: { workflowId: info.workflowId, runId: info.runId },
        workflowType: info.workflowType,
        taskQueue: info.taskQueue,
        startedAt: info.runStartTime,
        args: encoded,
        argsDigest,
        parent: info.parent ? { workflowId: info.parent.workflowId, runId: info.parent.runId } : null,
        rerunOf,
        rerunFrom: header.rerunFrom ?? null,
      });
    });
  }

  async runEnded(
    info: WorkflowInfo,
    status: RunEndStatus,
    result: unknown,
    error: string | null,
  ): Promise<void> {
    await this.logFailure('run end', async () =>
      (await this.open()).runs.end({
        run: { workflowId: info.workflowId, runId: info.runId },
        workflowType: info.workflowType,
        status,
        endedAt: new Date(),
        result: status === 'COMPLETED' ? encodeValue(result) : null,
        error,
      }),
    );
  }

  private async logFailure(operation: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (cause) {
      Runtime.instance().logger.warn(`temporal-lineage: record lost (${operation})`, {
        error: String(cause),
      });
    }
  }

  /** Closes the store if this recorder opened it. */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (!opening || this.options.store) return;
    await (await opening.catch(() => undefined))?.store.close();
  }
}
