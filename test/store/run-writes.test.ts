import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import type { LineageStore } from '../../src/store/open-store';
import { createWriters } from '../../src/store/writers';
import { bareAttemptStart, bareRunStart } from '../support/records';
import { DRIVERS, useStore } from '../support/stores';

describe.each(DRIVERS)('run writes on %s', (driver) => {
  const ctx = useStore(driver, `run_writes_${driver}`);

  const runRows = (prefix: string) =>
    ctx.store().rows<{ workflow_id: string; status: string; args: unknown; tx: string; parents: number }>(sql`
      select c.workflow_id, c.status, c.args, c.xmin::text as tx,
        (select count(*)::int from parent_contexts p where p.child_id = c.id) as parents
      from contexts c where c.type = 'run' and c.workflow_id like ${`${prefix}%`} order by c.workflow_id`);

  it('writes runs that start together in one statement, a repeated start included, and their ends', async () => {
    // A linger, as with commit: 'batched', so that all of these share a batch.
    const { runs } = createWriters(ctx.store(), 50);
    const [a, b] = [bareRunStart('together-a', 'pipe'), bareRunStart('together-b', 'pipe')];
    // The same start twice in one batch (a sink delivered again): one statement cannot upsert a
    // row twice, so that batch is written again one start at a time; nothing is lost or doubled.
    await Promise.all([runs.start(a), runs.start(b), runs.start({ ...a, args: ['again'] })]);
    const started = await runRows('together-');
    expect(started.map((r) => [r.workflow_id, r.status, r.parents])).toEqual([
      ['together-a', 'RUNNING', 1],
      ['together-b', 'RUNNING', 1],
    ]);

    const end = { workflowType: 'pipe', endedAt: new Date(), result: 42, error: null } as const;
    await Promise.all([
      runs.end({ ...end, run: a.run, status: 'COMPLETED' }),
      runs.end({ ...end, run: b.run, status: 'FAILED', result: null, error: 'gave up' }),
    ]);
    const ended = await runRows('together-');
    expect(ended.map((r) => [r.workflow_id, r.status])).toEqual([
      ['together-a', 'COMPLETED'],
      ['together-b', 'FAILED'],
    ]);
    // Both ends went in one statement: one transaction wrote both row versions.
    expect(new Set(ended.map((r) => r.tx)).size).toBe(1);
    // A start that arrives after the end does not move the run back to RUNNING.
    await runs.start(a);
    expect((await runRows('together-a'))[0]!.status).toBe('COMPLETED');
  });

  it("has an attempt that starts in its run's batch window wait for the run's row rather than write it too", async () => {
    const store = ctx.store();
    const dialect = new PgDialect();
    const runRowWrites: string[] = [];
    const counting: LineageStore = {
      ...store,
      preparedRows: (query) => {
        const text = dialect.sqlToQuery(query).sql;
        if (/insert into contexts/.test(text) && /'run'/.test(text)) runRowWrites.push(text);
        return store.preparedRows(query);
      },
    };
    const { runs, attempts } = createWriters(counting, 50);
    await runs.start(bareRunStart('window-first', 'window-pipe'));
    runRowWrites.length = 0;
    // As in a worker: the run's start sink is called before its first activity arrives.
    const started = runs.start(bareRunStart('window-run', 'window-pipe'));
    await new Promise((resolve) => setImmediate(resolve));
    const attempt = attempts.start({ ...bareAttemptStart('window-run', 'a1'), workflowType: 'window-pipe' });
    await Promise.all([started, attempt]);
    expect(runRowWrites).toHaveLength(1);
    const [row] = await store.rows<{ n: number }>(sql`
      select count(*)::int as n from associations a join contexts c on c.id = a.context_id
      where c.type = 'run' and c.name = 'window-run/r1'`);
    expect(row!.n).toBe(1);
  });
});
