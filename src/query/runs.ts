import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { LineageStore } from '../store/open-store';
import { contexts, RUN_STATUSES } from '../store/schema';
import { ArtifactFilterSchema, runHasArtifact } from './artifact-filter';
import { runHasAliasedArtifact, runTagCondition, TagFilterSchema } from './annotation-filter';
import { decodeCursor, encodeCursor } from './cursor';
import { likePrefix, parseInput, type RunRow } from './rows';

/** An instant as a Date or an ISO 8601 string with a time zone. */
const InstantSchema = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((v) => new Date(v));

/** What {@link listRuns} selects; every field is optional and they combine with AND. */
export const RunQuerySchema = z.strictObject({
  /** Only runs of this pipeline (workflow type). */
  workflowType: z.string().min(1).optional(),
  /** Only runs whose workflow id contains this text, ignoring case (LIKE wildcards match literally). */
  workflowIdContains: z.string().min(1).max(500).optional(),
  /** Only runs in this status, or in any of these (OR). */
  status: z.union([z.enum(RUN_STATUSES), z.array(z.enum(RUN_STATUSES)).min(1)]).optional(),
  /** Only runs started at or after this instant. */
  startedAfter: InstantSchema.optional(),
  /** Only runs started before this instant. */
  startedBefore: InstantSchema.optional(),
  /** Only runs that read or wrote an artifact matching this filter (all of them, for an array). */
  artifact: z.union([ArtifactFilterSchema, z.array(ArtifactFilterSchema).min(1)]).optional(),
  /**
   * Also list the internal workflows that rerun single activities (see {@link INTERNAL_WORKFLOW_TYPES});
   * they are left out by default, as they are not runs anyone started.
   */
  includeInternal: z.boolean().optional(),
  /** Only runs with these tags (all of them, for an array); `!=` also matches runs without the key. */
  tag: z.union([TagFilterSchema, z.array(TagFilterSchema).min(1)]).optional(),
  /** Only runs that read or wrote the artifact this alias points at now. */
  alias: z.string().min(1).optional(),
  /** Leave out child runs (runs started by another run). */
  rootsOnly: z.boolean().optional(),
  /** Page size, 1 to 1,000. */
  limit: z.number().int().min(1).max(1000).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().min(1).optional(),
});
export type RunQuery = z.input<typeof RunQuerySchema>;

/**
 * Workflow types the plugin itself starts: `lineage rerun execution` runs one activity inside a
 * workflow of this type (src/rerun/rerun-workflow.ts). Its lineage is kept, but it is not a run
 * of the user's pipelines, so listings leave it out unless asked.
 */
export const INTERNAL_WORKFLOW_TYPES: readonly string[] = ['lineageRerunActivity'];

/** A run in a listing, with the run that started it (null for a top-level run). */
export interface RunSummary extends RunRow {
  readonly parentRun: string | null;
}

/** One page of runs, newest first; `nextCursor` is null on the last page. */
export interface RunPage {
  readonly runs: RunSummary[];
  readonly nextCursor: string | null;
}

// Spelled out: in a select list Drizzle renders `${contexts.id}` unqualified, which inside this
// subquery would bind to `p.id`.
const parentRunName = sql<string | null>`(select p.name from parent_contexts pc
  join contexts p on p.id = pc.parent_id and p.type = 'run'
  where pc.child_id = "contexts"."id" order by p.id limit 1)`;

/** Keyset condition for `started_at desc nulls last, id desc` after the row keyed (startedAt, id). */
function after(startedAt: string | null, id: number): SQL {
  if (startedAt === null) return sql`(${contexts.startedAt} is null and ${contexts.id} < ${id})`;
  const t = sql`${startedAt}::timestamptz`;
  return sql`(${contexts.startedAt} < ${t} or (${contexts.startedAt} = ${t} and ${contexts.id} < ${id}) or ${contexts.startedAt} is null)`;
}

/**
 * Runs, newest first, filtered by pipeline, status, start time and the artifacts they read or
 * wrote, one page at a time. Unlike MLflow's `search_runs`, a status list is an OR, and artifact
 * filters reach into any typed or plain value a run's activities saw.
 *
 * @example
 * const { runs, nextCursor } = await listRuns(store, {
 *   workflowType: 'hyperparameterSearch',
 *   status: ['COMPLETED', 'FAILED'],
 *   artifact: { type: 'Metrics', field: 'accuracy', op: '>', value: 0.9, side: 'output' },
 *   limit: 20,
 * });
 * const more = nextCursor ? await listRuns(store, { workflowType: 'hyperparameterSearch', cursor: nextCursor }) : undefined;
 */
export async function listRuns(store: LineageStore, query: RunQuery = {}): Promise<RunPage> {
  const q = parseInput('run query', RunQuerySchema, query);
  const conditions: SQL[] = [eq(contexts.type, 'run')];
  if (q.workflowType) conditions.push(eq(contexts.workflowType, q.workflowType));
  if (q.workflowIdContains)
    conditions.push(sql`${contexts.workflowId} ilike ${`%${likePrefix(q.workflowIdContains)}`}`);
  if (q.status) conditions.push(inArray(contexts.status, Array.isArray(q.status) ? q.status : [q.status]));
  if (q.startedAfter)
    conditions.push(sql`${contexts.startedAt} >= ${q.startedAfter.toISOString()}::timestamptz`);
  if (q.startedBefore)
    conditions.push(sql`${contexts.startedAt} < ${q.startedBefore.toISOString()}::timestamptz`);
  const filters = q.artifact === undefined ? [] : Array.isArray(q.artifact) ? q.artifact : [q.artifact];
  for (const filter of filters) conditions.push(runHasArtifact(sql`"contexts"."id"`, filter));
  if (!q.includeInternal)
    conditions.push(
      sql`(${contexts.workflowType} is null or ${contexts.workflowType} not in (${sql.join(
        INTERNAL_WORKFLOW_TYPES.map((t) => sql`${t}`),
        sql`, `,
      )}))`,
    );
  const tagFilters = q.tag === undefined ? [] : Array.isArray(q.tag) ? q.tag : [q.tag];
  for (const filter of tagFilters) conditions.push(runTagCondition(sql`"contexts"."id"`, filter));
  if (q.alias) conditions.push(runHasAliasedArtifact(sql`"contexts"."id"`, q.alias));
  if (q.rootsOnly) conditions.push(sql`${parentRunName} is null`);
  if (q.cursor) {
    const [startedAt, id] = decodeCursor('runs', q.cursor, 2);
    conditions.push(after(typeof startedAt === 'string' ? startedAt : null, Number(id)));
  }
  const rows = await store.db
    .select({
      run: contexts,
      parentRun: parentRunName,
      // Postgres' own text form keeps microseconds, which a JS Date would round away.
      startedKey: sql<string | null>`${contexts.startedAt}::text`,
    })
    .from(contexts)
    .where(and(...conditions))
    .orderBy(sql`${contexts.startedAt} desc nulls last`, desc(contexts.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    runs: page.map(({ run, parentRun }) => ({ ...run, parentRun })),
    nextCursor: rows.length > q.limit && last ? encodeCursor('runs', [last.startedKey, last.run.id]) : null,
  };
}
