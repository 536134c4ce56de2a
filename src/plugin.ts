import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SimplePlugin } from '@temporalio/plugin';
import type { ReplayWorkerOptions, Worker, WorkerOptions } from '@temporalio/worker';
import { lineageActivityInterceptor } from './capture/activity-interceptor';
import { Recorder } from './capture/recorder';
import { lineageSinks } from './capture/sinks';
import { parsePluginOptions, type LineagePluginOptions } from './options';
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
  private runningWorkers = 0;

  /** @throws {@link LineageOptionsError} when an option does not validate. */
  constructor(options: LineagePluginOptions = {}) {
    const recorder = new Recorder(parsePluginOptions(options));
    super({
      name: 'temporal-lineage',
      workerInterceptors: {
        activity: [lineageActivityInterceptor(recorder)],
        workflowModules: [workflowInterceptorsModule()],
      },
    });
    this.recorder = recorder;
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    if (configured.identity) this.recorder.worker.identity = configured.identity;
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
    try {
      // Open (and migrate) the store before the Worker polls: opening an embedded store runs
      // PGlite on this thread, and a workflow task polled meanwhile waits for it (long enough, on
      // a new store, to time out). An open that fails does not stop the Worker: with onStoreError
      // 'continue' it records nothing, with 'fail' each attempt reports it.
      await this.recorder.warmUp();
      await super.runWorker(worker, next);
    } finally {
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
