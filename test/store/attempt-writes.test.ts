import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createWriters } from '../../src/store/writers';
import { datasetAttemptEnd, datasetAttemptStart } from '../support/records';
import { DRIVERS, useStore } from '../support/stores';

describe.each(DRIVERS)('attempt writes on %s', (driver) => {
  const ctx = useStore(driver, `attempt_writes_${driver}`);

  const rowsOf = async (workflowId: string) => {
    const store = ctx.store();
    const executions = await store.rows<{ activity_id: string; state: string; output_digest: string | null }>(
      sql`select activity_id, state, output_digest from executions where workflow_id = ${workflowId} order by activity_id`,
    );
    const events = await store.rows<{ activity_id: string; type: string; path: string }>(sql`
      select x.activity_id, e.type, e.path from events e join executions x on x.id = e.execution_id
      where x.workflow_id = ${workflowId} order by 1, 2, 3`);
    return { executions, events };
  };

  it('writes an end that joins a queued start as one complete row, and a late end on its own', async () => {
    const { attempts } = createWriters(ctx.store());
    // Joined: the end arrives before the start is sent (same event-loop turn).
    const fast = attempts.queueStart(await datasetAttemptStart('joined', 'a'));
    expect(fast.join(await datasetAttemptEnd('s3://b/a.parquet'))).toBe(true);
    // Late: the start has been written (and sent) before the end arrives.
    const slow = attempts.queueStart(await datasetAttemptStart('joined', 'b'));
    const handle = await slow.written;
    const { executions: during } = await rowsOf('joined');
    expect(during.find((r) => r.activity_id === 'b')?.state).toBe('RUNNING');
    expect(slow.join(await datasetAttemptEnd('s3://b/b.parquet'))).toBe(false);
    await attempts.end(handle, await datasetAttemptEnd('s3://b/b.parquet'));
    await fast.written;

    const { executions, events } = await rowsOf('joined');
    expect(executions).toEqual([
      { activity_id: 'a', state: 'COMPLETE', output_digest: 'sha256:out' },
      { activity_id: 'b', state: 'COMPLETE', output_digest: 'sha256:out' },
    ]);
    expect(events).toEqual([
      { activity_id: 'a', type: 'INPUT', path: 'args[0]' },
      { activity_id: 'a', type: 'OUTPUT', path: 'result' },
      { activity_id: 'b', type: 'INPUT', path: 'args[0]' },
      { activity_id: 'b', type: 'OUTPUT', path: 'result' },
    ]);
  });

  it('keeps how an attempt ended when its start is written again, and sets it when a whole record is', async () => {
    const { attempts } = createWriters(ctx.store());
    const start = await datasetAttemptStart('redelivered', 'a');
    await attempts.start(start, await datasetAttemptEnd('s3://b/r.parquet'));
    await attempts.start(start); // a start delivered again (an outbox replay) must not reopen it
    expect((await rowsOf('redelivered')).executions).toEqual([
      { activity_id: 'a', state: 'COMPLETE', output_digest: 'sha256:out' },
    ]);
    const other = await datasetAttemptStart('redelivered', 'b');
    await attempts.start(other);
    await attempts.start(other, await datasetAttemptEnd('s3://b/r2.parquet'));
    expect((await rowsOf('redelivered')).executions[1]).toEqual({
      activity_id: 'b',
      state: 'COMPLETE',
      output_digest: 'sha256:out',
    });
  });

  it('keeps an attempt ABANDONED when its end arrives after a later attempt started', async () => {
    // A worker that lost contact finishes attempt 1 after Temporal timed it out and started
    // attempt 2: its result was not used, so the row must not claim a completed attempt.
    const { attempts } = createWriters(ctx.store());
    const first = await attempts.start(await datasetAttemptStart('late-end', 'a1'));
    await attempts.start({ ...(await datasetAttemptStart('late-end', 'a1')), attempt: 2 });
    await attempts.end(first, await datasetAttemptEnd('s3://b/late.parquet'));
    // The same when the end comes back with its start (a record replayed from the outbox).
    await attempts.start(await datasetAttemptStart('late-end', 'b1'));
    await attempts.start({ ...(await datasetAttemptStart('late-end', 'b1')), attempt: 2 });
    await attempts.start(
      await datasetAttemptStart('late-end', 'b1'),
      await datasetAttemptEnd('s3://b/late-b.parquet'),
    );
    // And when attempt 1 reaches the store only after attempt 2 (its start waited in a queue):
    // as a whole record, or as a start and then an end.
    await attempts.start({ ...(await datasetAttemptStart('late-end', 'c1')), attempt: 2 });
    await attempts.start(
      await datasetAttemptStart('late-end', 'c1'),
      await datasetAttemptEnd('s3://b/late-c.parquet'),
    );
    await attempts.start({ ...(await datasetAttemptStart('late-end', 'd1')), attempt: 2 });
    const lateStart = await attempts.start(await datasetAttemptStart('late-end', 'd1'));
    await attempts.end(lateStart, await datasetAttemptEnd('s3://b/late-d.parquet'));
    const rows = await ctx.store().rows<{
      activity_id: string;
      attempt: number;
      state: string;
      out: string | null;
      error: string | null;
    }>(sql`
      select activity_id, attempt, state, output_digest as out, error->>'type' as error from executions
      where workflow_id = 'late-end' order by activity_id, attempt`);
    const abandoned = { state: 'ABANDONED', out: 'sha256:out', error: 'LineageAbandoned' };
    const running = { state: 'RUNNING', out: null, error: null };
    expect(rows).toEqual([
      { activity_id: 'a1', attempt: 1, ...abandoned },
      { activity_id: 'a1', attempt: 2, ...running },
      { activity_id: 'b1', attempt: 1, ...abandoned },
      { activity_id: 'b1', attempt: 2, ...running },
      { activity_id: 'c1', attempt: 1, ...abandoned },
      { activity_id: 'c1', attempt: 2, ...running },
      { activity_id: 'd1', attempt: 1, ...abandoned },
      { activity_id: 'd1', attempt: 2, ...running },
    ]);
  });
});
