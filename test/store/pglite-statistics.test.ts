import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { listRuns } from '../../src/query/runs';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { createWriters } from '../../src/store/writers';
import { datasetAttemptEnd, datasetAttemptStart } from '../support/records';

/** Writes `count` attempts, 50 in flight, as a worker records them. */
async function record(store: LineageStore, count: number): Promise<void> {
  const { attempts } = createWriters(store);
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      for (let i = next++; i < count; i = next++) {
        const queued = attempts.queueStart(await datasetAttemptStart(`stats-${i % 100}`, String(i)));
        queued.join(await datasetAttemptEnd(`s3://b/out-${i}`));
        await queued.written;
      }
    }),
  );
}

/** What the planner knows of `executions`, and whether this process analyzed it. */
async function executionStatistics(store: LineageStore) {
  const [row] = await store.rows<{ reltuples: number; analyzed: boolean }>(sql`
    select c.reltuples, s.last_analyze is not null as analyzed
    from pg_class c join pg_stat_user_tables s on s.relid = c.oid where c.relname = 'executions'`);
  return { reltuples: Number(row!.reltuples), analyzed: row!.analyzed };
}

/**
 * PGlite only: it runs no autovacuum, so an embedded store that a worker filled had no planner
 * statistics, and its queries were planned on guesses (50–140 times slower on a 20,000-run store).
 */
describe('an embedded store', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'lineage-stats-')), 'store');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is analyzed when it is opened after it grew, and not again when it did not', async () => {
    const worker = await openStore({ dir });
    await record(worker, 1_000);
    expect((await executionStatistics(worker)).reltuples).toBeLessThan(0); // never analyzed
    await worker.close();

    const reader = await openStore({ dir });
    expect(await executionStatistics(reader)).toEqual({ reltuples: 1_000, analyzed: true });
    expect((await listRuns(reader, { limit: 5 })).runs).toHaveLength(5);
    await reader.close();

    // Activity counters start from zero in each process: `analyzed` says whether this one did it.
    const again = await openStore({ dir });
    expect(await executionStatistics(again)).toEqual({ reltuples: 1_000, analyzed: false });
    await again.close();
  });
});
