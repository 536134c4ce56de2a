import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createMlActivities } from '../../activities';
import { captureValue } from '../../src/artifacts/capture';
import { valueDigest } from '../../src/artifacts/digest';
import { encodeValue } from '../../src/artifacts/encode';
import { FileDigester } from '../../src/artifacts/file-digest';
import { createRedaction, DEFAULT_REDACT_KEYS, NO_REDACTION } from '../../src/artifacts/redact';
import { builtInArtifactTypes } from '../../src/artifacts/types';
import type { LineagePlugin } from '../../src/plugin';
import type { LineageStore } from '../../src/store/open-store';
import { createWriters } from '../../src/store/writers';
import { fixtureActivities } from '../fixtures/activities';
import { testBundle, uniqueQueue } from '../support/temporal';

/** A user's worker kept running across the tests of a file (reruns need one to execute on). */
export interface RunningWorker {
  readonly taskQueue: string;
  stop(): Promise<void>;
}

export async function startWorker(
  plugin: LineagePlugin,
  activities: object,
  label: string,
): Promise<RunningWorker> {
  const taskQueue = uniqueQueue(label);
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await testBundle(),
    activities,
    plugins: [plugin],
  });
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** The example pipeline's activities plus the fixtures, with their body counters. */
export function allActivities() {
  const fixtures = fixtureActivities();
  const dataDir = mkdtempSync(join(tmpdir(), 'lineage-rerun-'));
  return {
    calls: fixtures.calls,
    dataDir,
    activities: { ...createMlActivities({ dataDir }), ...fixtures.activities },
  };
}

/** Starts a workflow, waits for it, and returns its run name `workflowId/runId`. */
export async function runWorkflow(
  client: Client,
  taskQueue: string,
  workflowType: string,
  args: unknown[],
): Promise<{ name: string; result: unknown }> {
  const handle = await client.workflow.start(workflowType, {
    taskQueue,
    workflowId: uniqueQueue(workflowType),
    args,
  });
  const result: unknown = await handle.result();
  return { name: `${handle.workflowId}/${handle.firstExecutionRunId}`, result };
}

/**
 * Records an execution directly, as a worker would have: for error cases that need a recorded
 * original which no live worker could produce (an unknown activity type, a queue nobody polls).
 */
export async function recordExecution(
  store: LineageStore,
  options: { activityType: string; taskQueue: string; args: unknown[]; redact?: boolean },
): Promise<number> {
  const redaction = options.redact ? createRedaction(DEFAULT_REDACT_KEYS) : NO_REDACTION;
  const settings = {
    types: builtInArtifactTypes,
    maxInlineBytes: 1 << 20,
    files: new FileDigester(1 << 20),
    redaction,
  };
  const inputs = (
    await Promise.all(options.args.map((arg, i) => captureValue(`args[${i}]`, arg, settings)))
  ).flat();
  const id = uniqueQueue('recorded');
  const handle = await createWriters(store).attempts.start({
    run: { workflowId: id, runId: 'r1' },
    workflowType: 'handRecorded',
    activityId: '1',
    activityType: options.activityType,
    attempt: 1,
    taskQueue: options.taskQueue,
    isLocal: false,
    workerIdentity: 'test',
    buildId: null,
    startedAt: new Date(),
    inputDigest: valueDigest(encodeValue(options.args, redaction)).digest,
    inputs,
    rerunOf: null,
    cacheKey: null,
    cacheVersion: null,
  });
  return handle.executionId;
}
