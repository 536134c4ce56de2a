/**
 * An attempt is recorded COMPLETE only if Temporal accepts its result: a result the Worker's
 * payload converter cannot convert, or one over the namespace's payload size limit, makes the
 * attempt FAILED with the reason, and Temporal's history is what it would be without the plugin.
 */
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type PayloadCodec } from '@temporalio/common';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type ActivityInterceptorsFactory,
  type WorkflowBundle,
} from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { resultSize } from '../../src/capture/payload-size';
import { DEFAULT_BLOB_SIZE_LIMIT, PAYLOADS_TOO_LARGE } from '../../src/capture/result-admission';
import { LineagePlugin } from '../../src/plugin';
import type { LineageStore } from '../../src/store/open-store';
import { DRIVERS, useStore } from '../support/stores';
import { uniqueQueue } from '../support/temporal';
import { admissionActivities, madeValue } from './activities';
import { CompressingCodec } from './compressing-codec';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const bundles = new Map<boolean, Promise<WorkflowBundle>>();

/** The test workflows, bundled with the plugin's workflow interceptors or without them. */
function bundle(withPlugin: boolean): Promise<WorkflowBundle> {
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

interface Outcome {
  readonly workflowId: string;
  readonly result: { value: unknown } | { error: unknown };
  readonly events: HistoryEvent[];
}

/** Runs `workflowType(kind)` on a fresh Worker (with `plugin`, when given) and reads its history. */
async function runWorkflow(
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
      return { workflowId: handle.workflowId, result, events };
    });
  } finally {
    await native.close();
    await connection.close();
  }
}

/**
 * A history as what it says happened: each event's type, and for activity events the attempt,
 * the failure (type, message, retryability) and the retry state. Ids and times differ between
 * runs; stack traces name the code that threw, which the plugin changes.
 */
function happened(events: HistoryEvent[]): unknown[] {
  return events.map((e) => {
    const failure =
      e.activityTaskFailedEventAttributes?.failure ??
      e.activityTaskStartedEventAttributes?.lastFailure ??
      e.workflowExecutionFailedEventAttributes?.failure?.cause;
    return {
      type: e.eventType,
      attempt: e.activityTaskStartedEventAttributes?.attempt ?? null,
      retryState: e.activityTaskFailedEventAttributes?.retryState ?? null,
      failure: failure
        ? {
            message: failure.message,
            type: failure.applicationFailureInfo?.type,
            nonRetryable: failure.applicationFailureInfo?.nonRetryable ?? false,
          }
        : null,
    };
  });
}

const baselines = new Map<string, Promise<Outcome>>();
/** The run of `makeValue(kind)` without the plugin, once per file (it does not depend on the driver). */
function withoutPlugin(kind: string): Promise<Outcome> {
  let made = baselines.get(kind);
  if (!made) {
    made = runWorkflow('makeValue', kind);
    baselines.set(kind, made);
  }
  return made;
}

/** The message Temporal's default payload converter throws for `kind`'s value. */
function converterMessage(kind: string): string {
  try {
    defaultPayloadConverter.toPayload(madeValue(kind));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${kind} converts`);
}

interface AttemptRow {
  attempt: number;
  state: string;
  error: { type?: string; message?: string } | null;
  outputs: number;
}

async function attemptsOf(store: LineageStore, workflowId: string): Promise<AttemptRow[]> {
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

/** The length of an `x…` string whose result payload is exactly `limit` bytes as Temporal counts them. */
function charsAtLimit(limit: number): number {
  for (let n = limit; n > limit - 64; n--) {
    if (resultSize(defaultPayloadConverter.toPayload('x'.repeat(n))) === limit) return n;
  }
  throw new Error(`no string is exactly ${limit} bytes as a payload`);
}

describe.each(DRIVERS)('result admission on %s', (driver) => {
  const ctx = useStore(driver, `admission_${driver}`);
  const plugin = () => new LineagePlugin({ store: ctx.store() });

  it.each(['bigint', 'circular', 'deep'])(
    'a %s result the converter refuses: both attempts FAILED with its message, history as without the plugin',
    async (kind) => {
      const [baseline, run] = await Promise.all([
        withoutPlugin(kind),
        runWorkflow('makeValue', kind, { plugin: plugin() }),
      ]);
      expect('error' in run.result && run.result.error).toBeInstanceOf(WorkflowFailedError);
      const message = converterMessage(kind);
      expect(await attemptsOf(ctx.store(), run.workflowId)).toEqual(
        [1, 2].map((attempt) => ({
          attempt,
          state: 'FAILED',
          error: expect.objectContaining({ type: 'ValueError', message }) as unknown,
          outputs: 0,
        })),
      );
      expect(happened(run.events)).toEqual(happened(baseline.events));
      expect(JSON.stringify(happened(run.events))).toContain(message);
    },
  );

  it('a result over the payload size limit: both attempts FAILED saying so, history as without the plugin', async () => {
    const [baseline, run] = await Promise.all([
      withoutPlugin('oversized'),
      runWorkflow('makeValue', 'oversized', { plugin: plugin() }),
    ]);
    expect('error' in run.result && run.result.error).toBeInstanceOf(WorkflowFailedError);
    const size = resultSize(defaultPayloadConverter.toPayload(madeValue('oversized')));
    const attempts = await attemptsOf(ctx.store(), run.workflowId);
    expect(attempts.map((a) => [a.attempt, a.state, a.error?.type, a.outputs])).toEqual([
      [1, 'FAILED', PAYLOADS_TOO_LARGE, 0],
      [2, 'FAILED', PAYLOADS_TOO_LARGE, 0],
    ]);
    for (const a of attempts) {
      expect(a.error?.message).toContain(`${size} bytes`);
      expect(a.error?.message).toContain(`${DEFAULT_BLOB_SIZE_LIMIT} bytes`);
    }
    expect(happened(run.events)).toEqual(happened(baseline.events));
    expect(JSON.stringify(happened(run.events))).toContain(PAYLOADS_TOO_LARGE);
  });

  it('sizes a result as Temporal does: exactly at the limit completes, one byte over fails', async () => {
    const n = charsAtLimit(DEFAULT_BLOB_SIZE_LIMIT);
    const [atLimit, over] = await Promise.all([
      runWorkflow('makeValue', `chars:${n}`, { plugin: plugin(), history: false }),
      runWorkflow('makeValue', `chars:${n + 1}`, { plugin: plugin(), history: false }),
    ]);
    expect(atLimit.result).toEqual({ value: 'x'.repeat(n) });
    expect((await attemptsOf(ctx.store(), atLimit.workflowId)).map((a) => [a.state, a.outputs])).toEqual([
      ['COMPLETE', 1],
    ]);
    expect('error' in over.result).toBe(true);
    expect((await attemptsOf(ctx.store(), over.workflowId)).map((a) => [a.state, a.error?.type])).toEqual([
      ['FAILED', PAYLOADS_TOO_LARGE],
      ['FAILED', PAYLOADS_TOO_LARGE],
    ]);
  });

  it('sizes a result after the Worker’s codecs: a large result they compress completes', async () => {
    const codec = new CompressingCodec();
    const chars = 3 * DEFAULT_BLOB_SIZE_LIMIT;
    const run = await runWorkflow('makeValue', `chars:${chars}`, { plugin: plugin(), codec, history: false });
    expect(run.result).toEqual({ value: 'x'.repeat(chars) });
    expect((await attemptsOf(ctx.store(), run.workflowId)).map((a) => a.state)).toEqual(['COMPLETE']);
  });

  it('a failed attempt followed by an accepted one: FAILED then COMPLETE with its output', async () => {
    const run = await runWorkflow('makeValueOnRetry', 'chars:3', { plugin: plugin() });
    expect(run.result).toEqual({ value: 'xxx' });
    expect((await attemptsOf(ctx.store(), run.workflowId)).map((a) => [a.state, a.outputs])).toEqual([
      ['FAILED', 0],
      ['COMPLETE', 1],
    ]);
  });

  it('an activity interceptor outside the plugin’s sees the result itself, not the converted payload', async () => {
    const seen: unknown[] = [];
    const outer: ActivityInterceptorsFactory = () => ({
      inbound: {
        async execute(input, next) {
          const result = await next(input);
          seen.push(result);
          return result;
        },
      },
    });
    const run = await runWorkflow('makeValue', 'point', { plugin: plugin(), interceptors: [outer] });
    expect(run.result).toEqual({ value: { kind: 'point' } });
    expect(seen).toEqual([{ kind: 'point' }]);
    expect((await attemptsOf(ctx.store(), run.workflowId)).map((a) => a.state)).toEqual(['COMPLETE']);
  });
});
