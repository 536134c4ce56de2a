import { and, count, desc, eq, isNotNull, max, sql } from 'drizzle-orm';
import type { LineageStore } from '../store/open-store';
import { contexts } from '../store/schema';

/** A pipeline (workflow type) with how many runs it has and when the latest started. */
export interface PipelineSummary {
  readonly name: string;
  readonly runs: number;
  readonly lastStartedAt: Date | null;
}

/**
 * Every workflow type that has recorded runs, most recently run first: the choices of a
 * pipeline filter. Child workflows' types are pipelines too (a search run is a run).
 *
 * @example
 * for (const p of await listPipelines(store)) console.log(p.name, p.runs);
 */
export async function listPipelines(store: LineageStore): Promise<PipelineSummary[]> {
  const last = max(contexts.startedAt);
  const rows = await store.db
    .select({ name: contexts.workflowType, runs: count(), lastStartedAt: last })
    .from(contexts)
    .where(and(eq(contexts.type, 'run'), isNotNull(contexts.workflowType)))
    .groupBy(contexts.workflowType)
    .orderBy(sql`${last} desc nulls last`, desc(contexts.workflowType));
  return rows.map((row) => ({
    name: row.name!,
    runs: Number(row.runs),
    // max() over a timestamptz comes back as text through some drivers.
    lastStartedAt: row.lastStartedAt === null ? null : new Date(row.lastStartedAt),
  }));
}
