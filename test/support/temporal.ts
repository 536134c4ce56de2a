import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import { LineagePlugin } from '../../src/plugin';

/** Workflows used by the integration tests: the example pipeline plus small fixtures. */
export const testWorkflowsPath = join(__dirname, '../fixtures/workflows.ts');

let bundle: ReturnType<typeof bundleWorkflowCode> | undefined;

/**
 * One webpack bundle per test file (bundling costs seconds), built with the plugin's workflow
 * interceptors as a Worker with the plugin would.
 */
export function testBundle(): ReturnType<typeof bundleWorkflowCode> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: testWorkflowsPath,
    plugins: [new LineagePlugin({ dataDir: '/nonexistent' })],
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  return bundle;
}

export async function testClient(): Promise<Client> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return new Client({ connection });
}

/** A unique task queue, so that test files and drivers sharing the dev server never steal tasks. */
export function uniqueQueue(label: string): string {
  return `${label}-${randomUUID()}`;
}

/**
 * Runs `body` while a real Worker, with `plugin` added the way users add it, polls `taskQueue`.
 */
export async function withWorker<T>(
  options: { plugin: LineagePlugin; taskQueue: string; activities: object } & Partial<WorkerOptions>,
  body: () => Promise<T>,
): Promise<T> {
  const { plugin, ...rest } = options;
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  try {
    const worker = await Worker.create({
      connection,
      workflowBundle: await testBundle(),
      plugins: [plugin],
      ...rest,
    });
    return await worker.runUntil(body());
  } finally {
    await connection.close();
  }
}
