import { and, eq, inArray } from 'drizzle-orm';
import type { LineageStore } from '../store/open-store';
import { artifacts, associations, events } from '../store/schema';
import { leaves } from './flatten';

/** One numeric field over the Metrics artifacts a run's own steps read or wrote. */
export interface MetricSummary {
  /** `accuracy`, `confusion.tp`. */
  readonly field: string;
  readonly min: number;
  readonly max: number;
  /** How many of those Metrics artifacts have the field. */
  readonly count: number;
}

/** Rows read at most per call, so that a run with thousands of Metrics cannot stall a listing. */
const MAX_ROWS = 5000;

/**
 * The key metrics of each run for a listing: every numeric field of the Metrics artifacts that
 * the run's own activity attempts read or wrote (not its child runs': a pipeline that reads the
 * winning model's metrics shows those, its search child shows the range over its grid), as a
 * range when several artifacts have it. Runs without Metrics are absent from the map.
 *
 * @example
 * const { runs } = await listRuns(store, { workflowType: 'trainingPipeline' });
 * const metrics = await runMetricSummaries(store, runs.map((r) => r.id));
 * for (const m of metrics.get(runs[0]!.id) ?? []) console.log(m.field, m.min, m.max);
 */
export async function runMetricSummaries(
  store: LineageStore,
  runContextIds: readonly number[],
): Promise<Map<number, MetricSummary[]>> {
  if (runContextIds.length === 0) return new Map();
  const rows = await store.db
    .selectDistinct({ runId: associations.contextId, artifactId: artifacts.id, value: artifacts.value })
    .from(associations)
    .innerJoin(events, eq(events.executionId, associations.executionId))
    .innerJoin(artifacts, eq(artifacts.id, events.artifactId))
    .where(
      and(
        inArray(associations.contextId, [...runContextIds]),
        eq(artifacts.type, 'Metrics'),
        eq(artifacts.inline, true),
      ),
    )
    .limit(MAX_ROWS);
  const byRun = new Map<number, Map<string, { min: number; max: number; count: number }>>();
  for (const { runId, value } of rows) {
    const fields = byRun.get(runId) ?? new Map<string, { min: number; max: number; count: number }>();
    byRun.set(runId, fields);
    for (const [path, leaf] of leaves(value, '')) {
      if (typeof leaf !== 'number' || !Number.isFinite(leaf)) continue;
      const field = path.replace(/^\./, '');
      const seen = fields.get(field);
      fields.set(
        field,
        seen
          ? { min: Math.min(seen.min, leaf), max: Math.max(seen.max, leaf), count: seen.count + 1 }
          : { min: leaf, max: leaf, count: 1 },
      );
    }
  }
  return new Map(
    [...byRun].map(([runId, fields]) => [
      runId,
      [...fields]
        .map(([field, range]) => ({ field, ...range }))
        .sort((a, b) => a.field.localeCompare(b.field, 'en', { numeric: true })),
    ]),
  );
}
