import { sql } from 'drizzle-orm';
import type { LineageStore } from '../../src/store/open-store';

/** Moves a run and its child runs `days` into the past, as if they had run then. */
export async function backdate(store: LineageStore, run: string, days: number): Promise<void> {
  await store.rows(sql`
    with recursive tree(id) as (
      select id from contexts where type = 'run' and name = ${run}
      union
      select pc.child_id from tree t join parent_contexts pc on pc.parent_id = t.id
    )
    update contexts set started_at = started_at - ${days}::int * interval '1 day',
      ended_at = ended_at - ${days}::int * interval '1 day'
    where id in (select id from tree)`);
}

/**
 * Waits until a run's end is recorded: the client sees a workflow's result before the worker has
 * necessarily processed the sink call that records its end, and a RUNNING run is never collected.
 */
export async function waitEnded(store: LineageStore, run: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const [row] = await store.rows<{ status: string }>(
      sql`select status from contexts where type = 'run' and name = ${run}`,
    );
    if (row && row.status !== 'RUNNING') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${run} is still RUNNING in the store after 10 s`);
}

/** Row counts of the tables retention deletes from, and of the attributions view over them. */
export interface TableCounts {
  runs: number;
  executions: number;
  artifacts: number;
  events: number;
  associations: number;
  attributions: number;
  parents: number;
}

export async function tableCounts(store: LineageStore): Promise<TableCounts> {
  const [row] = await store.rows<Record<string, string | number>>(sql`select
    (select count(*) from contexts where type = 'run') as runs,
    (select count(*) from executions) as executions,
    (select count(*) from artifacts) as artifacts,
    (select count(*) from events) as events,
    (select count(*) from associations) as associations,
    (select count(*) from attributions) as attributions,
    (select count(*) from parent_contexts) as parents`);
  return Object.fromEntries(
    Object.entries(row!).map(([key, value]) => [key, Number(value)]),
  ) as unknown as TableCounts;
}

/** How many executions a run and its child runs hold. */
export async function executionsOfTree(store: LineageStore, run: string): Promise<number> {
  const [row] = await store.rows<{ n: string | number }>(sql`
    with recursive tree(id) as (
      select id from contexts where type = 'run' and name = ${run}
      union
      select pc.child_id from tree t join parent_contexts pc on pc.parent_id = t.id
    )
    select count(*) as n from associations where context_id in (select id from tree)`);
  return Number(row!.n);
}
