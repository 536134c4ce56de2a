/**
 * `reconcile` corrects COMPLETE attempts that Temporal's history shows failed or retried: rows
 * forged COMPLETE (as a store written before result admission holds them) for attempts of real
 * runs become FAILED with Temporal's reason and lose their outputs; attempts Temporal completed,
 * and runs it does not know, are left as they are.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/store/reconcile';
import type { LineageStore } from '../../src/store/open-store';
import { createWriters } from '../../src/store/writers';
import { bareAttemptStart, datasetAttemptEnd } from '../support/records';
import { DRIVERS, useStore } from '../support/stores';
import { testClient } from '../support/temporal';
import { attemptsOf, runWorkflow, type Outcome } from './harness';

const runs = new Map<string, Promise<Outcome>>();
/** One run per workflow and kind for the file, without the plugin: nothing of it is recorded. */
function realRun(workflowType: 'makeValue' | 'makeValueOnRetry', kind: string): Promise<Outcome> {
  const key = `${workflowType}(${kind})`;
  let made = runs.get(key);
  if (!made) {
    made = runWorkflow(workflowType, kind, { history: false });
    runs.set(key, made);
  }
  return made;
}

/** Records attempts 1..n of the run's first activity as COMPLETE, each with an output. */
async function forgeComplete(
  store: LineageStore,
  run: { workflowId: string; runId: string },
  attempts: number,
): Promise<void> {
  const { attempts: writer } = createWriters(store);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const start = { ...bareAttemptStart(run.workflowId, '1'), run, activityType: 'make', attempt };
    await writer.start(start, await datasetAttemptEnd(`s3://forged/${run.workflowId}/${attempt}.csv`));
  }
}

// The runs (and their bundle) are made once, before any test's clock starts.
beforeAll(() => Promise.all([realRun('makeValue', 'bigint'), realRun('makeValueOnRetry', 'chars:3')]));

describe.each(DRIVERS)('reconciling COMPLETE attempts on %s', (driver) => {
  const ctx = useStore(driver, `reconcile_completed_${driver}`);

  it('marks FAILED, without outputs, the COMPLETE attempts Temporal failed or retried, and only those', async () => {
    const store = ctx.store();
    const [failed, retried] = await Promise.all([
      realRun('makeValue', 'bigint'),
      realRun('makeValueOnRetry', 'chars:3'),
    ]);
    expect('error' in failed.result).toBe(true);
    expect(retried.result).toEqual({ value: 'xxx' });
    const unknown = { workflowId: `unknown-${randomUUID()}`, runId: randomUUID() };
    await forgeComplete(store, failed, 2);
    await forgeComplete(store, retried, 2);
    await forgeComplete(store, unknown, 1);
    const client = await testClient();
    try {
      const dry = await reconcile({ store, client, dryRun: true });
      const found = dry.corrected.map((e) => [e.workflowId, e.attempt, e.state, e.failureType]);
      expect(found).toEqual([
        [failed.workflowId, 1, 'FAILED', 'ValueError'],
        [failed.workflowId, 2, 'FAILED', 'ValueError'],
        [retried.workflowId, 1, 'FAILED', 'FirstAttempt'],
      ]);
      expect((await attemptsOf(store, failed.workflowId)).map((a) => a.state)).toEqual([
        'COMPLETE',
        'COMPLETE',
      ]);

      const done = await reconcile({ store, client });
      expect(done.corrected.map((e) => [e.workflowId, e.attempt])).toEqual(found.map(([w, a]) => [w, a]));
      const message = 'Unable to convert [object Object] to payload';
      expect(await attemptsOf(store, failed.workflowId)).toEqual([
        {
          attempt: 1,
          state: 'FAILED',
          error: {
            type: 'ValueError',
            message: `Temporal retried this attempt (attempt 2 followed): ${message} (found by reconciliation)`,
          },
          outputs: 0,
        },
        {
          attempt: 2,
          state: 'FAILED',
          error: {
            type: 'ValueError',
            message: `Temporal recorded this attempt as failed: ${message} (found by reconciliation)`,
          },
          outputs: 0,
        },
      ]);
      expect(
        (await attemptsOf(store, retried.workflowId)).map((a) => [a.state, a.error?.type, a.outputs]),
      ).toEqual([
        ['FAILED', 'FirstAttempt', 0],
        ['COMPLETE', undefined, 1],
      ]);
      expect((await attemptsOf(store, unknown.workflowId)).map((a) => a.state)).toEqual(['COMPLETE']);
      const [row] = await store.rows<{ n: string | number }>(
        sql`select count(*) as n from executions where state <> 'COMPLETE' and output_digest is not null`,
      );
      expect(Number(row!.n)).toBe(0);

      expect((await reconcile({ store, client })).corrected).toEqual([]);
    } finally {
      await client.connection.close();
    }
  });
});
