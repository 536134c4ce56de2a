import type { WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { expect, inject } from 'vitest';
import { STORE_UNAVAILABLE } from '../../../src/capture/recorder';
import type { LineagePlugin } from '../../../src/plugin';
import type { LineageStore } from '../../../src/store/open-store';
import { bundleOptions } from './bundle';
import { LINEAGE_TABLES } from '../../../src/store/schema';

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Runs `body` while an in-process Worker with `plugin` polls `taskQueue` (reliability workflows). */
export async function withReliabilityWorker<T>(
  options: {
    plugin: LineagePlugin;
    taskQueue: string;
    activities: object;
    payloadConverterPath?: string;
  } & Partial<WorkerOptions>,
  body: () => Promise<T>,
): Promise<T> {
  const { plugin, payloadConverterPath, ...rest } = options;
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  try {
    const worker = await Worker.create({
      connection,
      ...(await bundleOptions(payloadConverterPath)),
      plugins: [plugin],
      ...rest,
    });
    return await worker.runUntil(body());
  } finally {
    await connection.close();
  }
}

/** The lineage tables, for whole-store checks. */
export const TABLES = LINEAGE_TABLES;

/** Row counts of every lineage table. */
export async function tableCounts(store: LineageStore): Promise<Record<(typeof TABLES)[number], number>> {
  const counts = {} as Record<(typeof TABLES)[number], number>;
  for (const table of TABLES) {
    const [row] = await store.rows<{ n: string | number }>(
      sql`select count(*) as n from ${sql.identifier(table)}`,
    );
    counts[table] = Number(row!.n);
  }
  return counts;
}

/** Every row of every lineage table as text, for "this never reaches the store" checks. */
export async function storeText(store: LineageStore): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) {
    const rows = await store.rows<{ t: string }>(sql`select t::text as t from ${sql.identifier(table)} t`);
    parts.push(...rows.map((r) => r.t));
  }
  return parts.join('\n');
}

/** One run's executions, ordered by activity id then attempt. */
export async function runExecutions(
  store: LineageStore,
  workflowId: string,
): Promise<
  Array<{
    activityId: string;
    attempt: number;
    state: string;
    error: { type?: string; message?: string } | null;
  }>
> {
  const rows = await store.rows<{ activity_id: string; attempt: number; state: string; error: unknown }>(sql`
    select activity_id, attempt, state, error from executions where workflow_id = ${workflowId}
    order by activity_id::int, attempt`);
  return rows.map((r) => ({
    activityId: r.activity_id,
    attempt: Number(r.attempt),
    state: r.state,
    error: (typeof r.error === 'string' ? JSON.parse(r.error) : r.error) as {
      type?: string;
      message?: string;
    } | null,
  }));
}

/**
 * Checks a run of `n` activities that went through a store fault under `onStoreError: 'fail'`:
 * each activity has attempts 1..k, each once, the last COMPLETE and every other FAILED because of
 * the fault; bodies ran exactly for the attempts that were not refused; and some attempt's body
 * returned while its end could not be written (a step in flight when the fault began).
 */
export async function expectRetriedThroughFault(
  store: LineageStore,
  workflowId: string,
  n: number,
  calls: ReadonlyMap<string, number>,
): Promise<void> {
  const rows = await runExecutions(store, workflowId);
  const byActivity = new Map<string, typeof rows>();
  for (const r of rows) byActivity.set(r.activityId, [...(byActivity.get(r.activityId) ?? []), r]);
  expect(byActivity.size).toBe(n);
  for (const [activityId, attempts] of byActivity) {
    expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
    expect(attempts.at(-1)!.state).toBe('COMPLETE');
    for (const failed of attempts.slice(0, -1)) {
      expect(failed).toMatchObject({ state: 'FAILED', error: { type: STORE_UNAVAILABLE } });
    }
    // A refused attempt never ran its body; every other attempt did, exactly once.
    const ran = attempts.filter((a) => !a.error?.message?.includes('before running its body'));
    expect(ran.length, `bodies of activity ${activityId}`).toBe(calls.get(`${workflowId}/${activityId}`));
  }
  const failed = rows.filter((r) => r.state === 'FAILED');
  expect(failed.length).toBeGreaterThan(0);
  expect(failed.some((r) => r.error?.message?.includes('outputs could not be recorded'))).toBe(true);
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
/** A failure as history stores it (Temporal's `Failure` message). */
export type HistoryFailure = NonNullable<
  NonNullable<HistoryEvent['activityTaskFailedEventAttributes']>['failure']
>;

/**
 * The activity failures a run's history holds, each with its whole `cause` chain as stored: the
 * failure of each retried attempt (history keeps it as the `lastFailure` of the attempt that
 * followed) and of each activity that failed for good.
 */
export async function historyFailures(handle: WorkflowHandle): Promise<HistoryFailure[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((e) => {
    const failure =
      e.activityTaskStartedEventAttributes?.lastFailure ?? e.activityTaskFailedEventAttributes?.failure;
    return failure ? [failure] : [];
  });
}
