import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { seedStore } from '../../scripts/seed-store';
import { diffRuns } from '../../src/query/diff';
import { traceLineage } from '../../src/query/lineage';
import { listRuns } from '../../src/query/runs';
import { createWriters } from '../../src/store/writers';
import { bareAttemptStart } from '../support/records';
import { DRIVERS, useStore } from '../support/stores';

/** The secondary indexes of the store's tables, by name: what a bulk load must leave as it found. */
const indexNames = `select indexname from pg_indexes where schemaname = 'public' order by 1`;

describe.each(DRIVERS)('the seeding script on %s', (driver) => {
  const ctx = useStore(driver, `seed_${driver}`);

  it('fills a store with consistent, queryable rows, then leaves it writable with every index', async () => {
    const store = ctx.store();
    const before = await store.rows<{ indexname: string }>(sql.raw(indexNames));
    const seed = await seedStore(store, { runs: 200, batchFamilies: 40 });
    // 100 families of 20 steps, and every 50th family retried one step (its failed attempt has inputs only).
    expect(seed.counts).toEqual({
      runs: 200,
      executions: 2002,
      artifacts: 2 * 2000 + 20 * 1000 + 100,
      events: 8004,
    });
    expect(await store.rows(sql.raw(indexNames))).toEqual(before);

    const { runs } = await listRuns(store, { limit: 3, rootsOnly: true });
    expect(runs[0]!.name).toBe(seed.samples.newestRun);
    const graph = await traceLineage(
      store,
      { artifactId: seed.samples.tipArtifactId },
      { direction: 'upstream', maxHops: 40 },
    );
    expect(graph.nodes.filter((n) => n.kind === 'execution')).toHaveLength(20);
    expect(graph.hopLimited).toBe(false);
    const diff = await diffRuns(store, seed.samples.newestRun, seed.samples.olderRunSamePipeline);
    expect(diff.steps).toEqual([]);

    // Explicit ids must not leave the identity sequences behind: the next capture write gets fresh ids.
    const writers = createWriters(store);
    const handle = await writers.attempts.start(bareAttemptStart('after-seed', '1'));
    expect(handle.executionId).toBeGreaterThan(2002);
  });
});
