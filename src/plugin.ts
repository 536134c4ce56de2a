import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SimplePlugin } from '@temporalio/plugin';
import type {
  ActivityInterceptorsFactory,
  ReplayWorkerOptions,
  Worker,
  WorkerOptions,
} from '@temporalio/worker';
import { createRedaction } from './artifacts/redact';
import { lineageActivityInterceptor } from './capture/activity-interceptor';
import { workflowBundleDigest } from './capture/code-tracking';
import { Recorder } from './capture/recorder';
import { ResultAdmission } from './capture/result-admission';
import { lineageSinks } from './capture/sinks';
import { collectWorkerFacts, type WorkerFacts } from './capture/worker-facts';
import { parsePluginOptions, type LineagePluginOptions, type ResolvedLineageOptions } from './options';
import type { LineageStore } from './store/open-store';

/**
 * The sandbox module's file: `.js` when running built code, `.ts` when running the sources
 * (tsx, vitest), where require.resolve cannot be relied on to add the extension.
 */
function workflowInterceptorsModule(): string {
  const base = join(__dirname, 'capture', 'workflow-interceptors');
  return existsSync(`${base}.js`) ? `${base}.js` : `${base}.ts`;
}

/**
 * Records every activity attempt of every workflow on a Worker as lineage: executions, their
 * input and output artifacts, grouped under the workflow run and its pipeline. Nothing is
 * registered by hand.
 *
 * @example
 * const worker = await Worker.create({
 *   connection, taskQueue: 'ml', workflowsPath, activities,
 *   plugins: [new LineagePlugin({ databaseUrl: process.env.DATABASE_URL })],
 * });
 */
export class LineagePlugin extends SimplePlugin {
  private readonly recorder: Recorder;
  private readonly lineageOptions: ResolvedLineageOptions;
  private facts: Promise<WorkerFacts> | undefined;
  private readonly admission: ResultAdmission;
  private readonly activityInterceptor: ActivityInterceptorsFactory;
  private runningWorkers = 0;

  /** @throws {@link LineageOptionsError} when an option does not validate. */
  constructor(options: LineagePluginOptions = {}) {
    const parsed = parsePluginOptions(options);
    const recorder = new Recorder(parsed);
    const admission = new ResultAdmission();
    const activityInterceptor = lineageActivityInterceptor(recorder, admission);
    super({
      name: 'temporal-lineage',
      workerInterceptors: {
        activity: [activityInterceptor],
        workflowModules: [workflowInterceptorsModule()],
      },
    });
    this.recorder = recorder;
    this.admission = admission;
    this.activityInterceptor = activityInterceptor;
    this.lineageOptions = parsed;
  }

  /**
   * What this process's Workers record once as their code and environment: git commit and dirty
   * state of the working directory, the worker package, Node, OS, CPU, memory, dependency
   * versions and the `captureEnv` variables. Computed once, when the first Worker starts.
   */
  workerFacts(): Promise<WorkerFacts> {
    this.facts ??= collectWorkerFacts({
      cwd: process.cwd(),
      captureEnv: this.lineageOptions.captureEnv,
      redaction: createRedaction(
        this.lineageOptions.redactKeys,
        this.lineageOptions.redact,
        this.lineageOptions.redactAllowKeys,
      ),
    });
    return this.facts;
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    if (configured.identity) this.recorder.worker.identity = configured.identity;
    this.recorder.tracking.addActivities(configured.activities);
    // An encrypting codec means payloads are secret: the store then keeps digests only (see runWorker).
    this.recorder.useCodecs((configured.dataConverter?.payloadCodecs?.length ?? 0) > 0);
    this.recorder.worker.buildId = configured.workerDeploymentOptions?.version.buildId ?? null;
    return { ...configured, sinks: { ...configured.sinks, ...lineageSinks(this.recorder) } };
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    const configured = super.configureReplayWorker(options);
    return { ...configured, sinks: { ...configured.sinks, ...lineageSinks(this.recorder) } };
  }

  /** Closes the store the plugin opened once the last Worker using it has stopped. */
  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    this.runningWorkers++;
    // Plugins listed after this one may have added codecs: the compiled options are the final word.
    this.recorder.useCodecs(worker.options.loadedDataConverter.payloadCodecs.length > 0);
    // Open (and migrate) the store before the Worker polls: opening an embedded store runs
    // PGlite on this thread, and a workflow task polled meanwhile waits for it (long enough, on
    // a new store, to time out). An open that fails does not stop the Worker: with onStoreError
    // 'continue' it records nothing, with 'fail' each attempt reports it.
    const opened = this.recorder.warmUp();
    // Also before the Worker polls: its first attempt already links the code and environment.
    const [bundle, facts] = await Promise.all([workflowBundleDigest(worker.options), this.workerFacts()]);
    this.recorder.tracking.started(bundle, facts);
    // Results are checked with this Worker's final converter, codecs and namespace limit.
    const forget = this.admission.register(worker, this.activityInterceptor);
    try {
      await opened;
      await super.runWorker(worker, next);
    } finally {
      forget();
      if (--this.runningWorkers === 0) await this.recorder.close();
    }
  }

  /**
   * Writes the lineage records that wait for the store (with `commit: 'batched'`, everything
   * captured so far; the outbox, or the retry queue of `onStoreError: 'fail'`); resolves to
   * whether none is left after at most `timeoutMs` (default 5 s).
   */
  flush(timeoutMs?: number): Promise<boolean> {
    return this.recorder.flush(timeoutMs);
  }

  /** The store this plugin records into (opened on first use). */
  store(): Promise<LineageStore> {
    return this.recorder.store();
  }
}
