import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { LineageHeader } from '../capture/lineage-header';
import { LineagePlugin } from '../plugin';
import type { LineageStore } from '../store/open-store';
import type { RerunActivityInput } from './rerun-workflow';
import { clientWithHeader } from './temporal-checks';

type Bundle = Awaited<ReturnType<typeof bundleWorkflowCode>>;

/** `.js` when running built code, `.ts` when running the sources (tsx, vitest). */
function rerunWorkflowModule(): string {
  const base = join(__dirname, 'rerun-workflow');
  return existsSync(`${base}.js`) ? `${base}.js` : `${base}.ts`;
}

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
/** Bundles by payload converter module ('' for Temporal's default). */
const bundles = new Map<string, Promise<Bundle>>();

/**
 * The rerun workflow, with the plugin's workflow interceptors and the payload converter the
 * arguments travel with, bundled once per process and converter.
 */
function rerunBundle(payloadConverterPath: string | undefined): Promise<Bundle> {
  const key = payloadConverterPath ?? '';
  let bundle = bundles.get(key);
  if (!bundle) {
    // The plugin only contributes its workflow interceptors here; it never opens a store.
    bundle = bundleWorkflowCode({
      workflowsPath: rerunWorkflowModule(),
      plugins: [new LineagePlugin({ dataDir: '.lineage' })],
      ...(payloadConverterPath ? { payloadConverterPath } : {}),
      logger: silent,
    });
    bundles.set(key, bundle);
    bundle.catch(() => bundles.delete(key));
  }
  return bundle;
}

/** How the rerun workflow ended. */
export type RerunWorkflowOutcome =
  | { readonly workflowId: string; readonly runId: string; readonly result: unknown }
  | { readonly workflowId: string; readonly runId: string; readonly failure: unknown };

/**
 * Runs the built-in rerun workflow on a private task queue served by a worker that lives only
 * as long as this call. The worker has LineagePlugin on `store`, so the rerun's own run is
 * recorded and its header (carrying `rerunOfExecution`) reaches the activity.
 */
export async function runRerunWorkflow(options: {
  store: LineageStore;
  client: Client;
  workerConnection: NativeConnection | undefined;
  input: RerunActivityInput;
  header: LineageHeader;
  workflowId: string;
  /** The recording Worker's data converter: the rerun workflow and its activity use it. */
  dataConverter: DataConverter | undefined;
}): Promise<RerunWorkflowOutcome> {
  const { client, dataConverter } = options;
  const taskQueue = `temporal-lineage-rerun-${randomUUID()}`;
  // Workers need a native connection; the client's plain address serves the common case, and
  // callers with TLS or API keys pass their own `workerConnection`.
  const connection =
    options.workerConnection ??
    (await NativeConnection.connect({ address: (client.connection as Connection).options.address }));
  try {
    const worker = await Worker.create({
      connection,
      namespace: client.options.namespace,
      taskQueue,
      workflowBundle: await rerunBundle(dataConverter?.payloadConverterPath),
      ...(dataConverter ? { dataConverter } : {}),
      plugins: [new LineagePlugin({ store: options.store })],
    });
    return await worker.runUntil(async () => {
      const handle = await clientWithHeader(client, options.header, dataConverter).workflow.start(
        'lineageRerunActivity',
        {
          taskQueue,
          workflowId: options.workflowId,
          args: [options.input],
        },
      );
      const ids = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
      try {
        return { ...ids, result: (await handle.result()) as unknown };
      } catch (failure) {
        return { ...ids, failure };
      }
    });
  } finally {
    if (!options.workerConnection) await connection.close();
  }
}
