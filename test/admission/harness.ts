/** Running the result-admission workflows, with or without the plugin, and reading what was recorded. */
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type ActivityInterceptorsFactory,
  type WorkflowBundle,
} from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import type { LineageStore } from '../../src/store/open-store';
import { uniqueQueue } from '../support/temporal';
import { admissionActivities } from './activities';

export type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const bundles = new Map<boolean, Promise<WorkflowBundle>>();

/** The test workflows, bundled with the plugin's workflow interceptors or without them. */
export function bundle(withPlugin: boolean): Promise<WorkflowBundle> {
  let made = bundles.get(withPlugin);
  if (!made) {
    made = bundleWorkflowCode({
      workflowsPath: join(__dirname, 'workflows.ts'),
      plugins: withPlugin ? [new LineagePlugin({ dataDir: '/nonexistent' })] : [],
      logger: quiet,
    });
    bundles.set(withPlugin, made);
  }
  return made;
}

export interface Outcome {
  readonly workflowId: string;
  readonly runId: string;
  readonly result: { value: unknown } | { error: unknown };
  readonly events: HistoryEvent[];
}

/** Runs `workflowType(kind)` on a fresh Worker (with `plugin`, when given) and reads its history. */
export async function runWorkflow(
  workflowType: 'makeValue' | 'makeValueOnRetry',
  kind: string,
  options: {
    plugin?: LineagePlugin;
    codec?: PayloadCodec;
    interceptors?: ActivityInterceptorsFactory[];
    /** Off for results near the limit: their history is over what a client may receive. */
    history?: boolean;
  } = {},
): Promise<Outcome> {
  const { plugin, codec, interceptors, history = true } = options;
  const taskQueue = uniqueQueue('admission');
  const dataConverter = codec ? { payloadCodecs: [codec] } : undefined;
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  try {
    const client = new Client({ connection, ...(dataConverter ? { dataConverter } : {}) });
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: await bundle(plugin !== undefined),
      activities: admissionActivities(),
      ...(plugin ? { plugins: [plugin] } : {}),
      ...(dataConverter ? { dataConverter } : {}),
      ...(interceptors ? { interceptors: { activity: interceptors } } : {}),
    });
    return await worker.runUntil(async () => {
      const handle = await client.workflow.start(workflowType, {
        taskQueue,
        workflowId: uniqueQueue(kind.slice(0, 20)),
        args: [kind],
      });
      const result = await handle.result().then(
        (value: unknown) => ({ value }),
        (error: unknown) => ({ error }),
      );
      const events = history ? ((await handle.fetchHistory()).events ?? []) : [];
      return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, result, events };
    });
  } finally {
    await native.close();
    await connection.close();
  }
}

export interface AttemptRow {
  attempt: number;
  state: string;
  error: { type?: string; message?: string } | null;
  outputs: number;
}

export async function attemptsOf(store: LineageStore, workflowId: string): Promise<AttemptRow[]> {
  const rows = await store.rows<{
    attempt: number;
    state: string;
    error: unknown;
    outputs: string | number;
  }>(sql`
    select e.attempt, e.state, e.error,
      (select count(*) from events v where v.execution_id = e.id and v.type = 'OUTPUT') as outputs
    from executions e where e.workflow_id = ${workflowId} order by e.attempt`);
  return rows.map((r) => ({
    attempt: Number(r.attempt),
    state: r.state,
    error: (typeof r.error === 'string' ? JSON.parse(r.error) : r.error) as AttemptRow['error'],
    outputs: Number(r.outputs),
  }));
}
