import { sql, type SQL } from 'drizzle-orm';
import { LineageNotFoundError } from '../errors';
import { closestMatches } from '../query/suggest';
import type { LineageDb, LineageStore } from '../store/open-store';
import { resolveGcOptions, type GcOptions, type ResolvedGcOptions } from './gc-options';
import {
  countDoomed,
  deleteExecutions,
  deleteOrphans,
  deleteRuns,
  doomedTables,
  lockOrphans,
  pinnedCondition,
  planQuery,
} from './gc-sql';
import { idArray } from '../query/rows';

/** What {@link collectGarbage} removed (or, in a dry run, would remove). */
export interface GcReport {
  readonly dryRun: boolean;
  /** Runs that ended before this instant were candidates. */
  readonly cutoff: Date;
  readonly runs: number;
  readonly executions: number;
  readonly events: number;
  readonly artifacts: number;
  /** Old runs kept because they hold an execution upstream of a pinned artifact. */
  readonly keptRuns: number;
  /** Artifacts the pins matched (by id, URI, URI prefix or type). */
  readonly pinnedArtifacts: number;
}

type Tx = Parameters<Parameters<LineageDb['transaction']>[0]>[0];

/** Rows of a statement run in a transaction: postgres.js gives an array, PGlite `{ rows }`. */
async function txRows<T>(tx: Tx, query: SQL): Promise<T[]> {
  const result: unknown = await tx.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

const n = (value: string | number | null | undefined) => Number(value ?? 0);

/** Every pin must match something: a typo must not let what it meant to keep go. */
async function checkPins(store: LineageStore, o: ResolvedGcOptions): Promise<number> {
  const one = async (condition: SQL) =>
    (await store.rows<{ id: number }>(sql`select a.id from artifacts a where ${condition} limit 1`)).length >
    0;
  if (o.pinArtifactIds.length > 0) {
    const found = await store.rows<{ id: string | number }>(
      sql`select id from artifacts where id = any(${idArray(o.pinArtifactIds)})`,
    );
    const ids = new Set(found.map((row) => Number(row.id)));
    const missing = o.pinArtifactIds.find((id) => !ids.has(id));
    if (missing !== undefined) throw new LineageNotFoundError('artifact', String(missing));
  }
  for (const uri of o.pinUris) {
    if (!(await one(sql`a.uri = ${uri}`))) throw new LineageNotFoundError('artifact', uri);
  }
  for (const prefix of o.pinUriPrefixes) {
    if (!(await one(sql`starts_with(a.uri, ${prefix})`)))
      throw new LineageNotFoundError('artifact', `${prefix}*`);
  }
  for (const type of o.keepTypes) {
    if (await one(sql`a.type = ${type}`)) continue;
    const types = await store.rows<{ type: string }>(sql`select distinct type from artifacts`);
    throw new LineageNotFoundError(
      'artifact type',
      type,
      closestMatches(
        type,
        types.map((row) => row.type),
      ),
    );
  }
  const [row] = await store.rows<{ n: string | number }>(
    sql`select count(*) as n from artifacts a where ${pinnedCondition(o)}`,
  );
  return n(row?.n);
}

/**
 * Removes old runs with the executions and artifacts nothing else uses, keeping the provenance
 * of what matters: every artifact you pin (by id, URI, URI prefix or type, e.g. registered
 * models) and everything upstream of it survives, with the runs that made it.
 *
 * The unit is a run tree (a run and its child runs), removed when all of its runs ended before
 * the cutoff. An execution goes with its run; an artifact goes when no remaining execution reads
 * or wrote it and it is not pinned, so a dataset that a recent run still reads stays. Work is done
 * in short transactions of `batchSize` run trees, safe to run while workers record (see
 * `lockOrphans` in gc-sql.ts). `dryRun` reports the same figures and changes nothing.
 *
 * @example
 * const report = await collectGarbage(store, { olderThan: '90d', keepTypes: ['Model'], dryRun: true });
 * console.log(`${report.runs} runs, ${report.executions} executions, ${report.artifacts} artifacts would go`);
 */
export async function collectGarbage(store: LineageStore, options: GcOptions): Promise<GcReport> {
  const o = resolveGcOptions(options);
  const pinnedArtifacts = await checkPins(store, o);
  const plan = await store.rows<{ root: string | number; runs: string | number; kept: boolean }>(
    planQuery(o),
  );
  const roots = plan.filter((row) => !row.kept).map((row) => Number(row.root));
  const keptRuns = plan.filter((row) => row.kept).reduce((sum, row) => sum + n(row.runs), 0);
  const totals = { runs: 0, executions: 0, events: 0, artifacts: 0 };
  const report = (): GcReport => ({
    dryRun: o.dryRun,
    cutoff: o.cutoff,
    ...totals,
    keptRuns,
    pinnedArtifacts,
  });
  if (roots.length === 0) return report();

  if (o.dryRun) {
    await store.db.transaction(async (tx) => {
      for (const statement of doomedTables(roots)) await tx.execute(statement);
      const [counts] = await txRows<Record<keyof typeof totals, string | number>>(tx, countDoomed(o));
      for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] = n(counts?.[key]);
    });
    return report();
  }
  for (let i = 0; i < roots.length; i += o.batchSize) {
    await store.db.transaction(async (tx) => {
      for (const statement of doomedTables(roots.slice(i, i + o.batchSize))) await tx.execute(statement);
      const [counts] = await txRows<{ events: string | number }>(tx, countDoomed(o));
      totals.events += n(counts?.events);
      totals.executions += n((await txRows<{ n: string | number }>(tx, deleteExecutions))[0]?.n);
      totals.runs += n((await txRows<{ n: string | number }>(tx, deleteRuns))[0]?.n);
      const orphans = await txRows<{ id: string | number }>(tx, lockOrphans(o));
      if (orphans.length > 0) {
        const ids = orphans.map((row) => Number(row.id));
        totals.artifacts += n((await txRows<{ n: string | number }>(tx, deleteOrphans(ids)))[0]?.n);
      }
    });
  }
  return report();
}
