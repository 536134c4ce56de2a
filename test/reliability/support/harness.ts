import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
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
