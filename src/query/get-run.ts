import { and, desc, eq, sql } from 'drizzle-orm';
import { safeText, UNSAFE_TEXT } from '../artifacts/safe-text';
import { LineageAmbiguousError, LineageNotFoundError, LineageOptionsError } from '../errors';
import type { LineageStore } from '../store/open-store';
import { contexts } from '../store/schema';
import { likePrefix, toNumber, type RunRow } from './rows';
import { closestMatches } from './suggest';

const CANDIDATES_SHOWN = 10;
/** How many recent workflow ids an unknown reference is compared against for suggestions. */
const SUGGESTION_POOL = 2000;

const newestFirst = [sql`${contexts.startedAt} desc nulls last`, desc(contexts.id)] as const;

async function byName(store: LineageStore, name: string): Promise<RunRow | undefined> {
  const [run] = await store.db
    .select()
    .from(contexts)
    .where(and(eq(contexts.type, 'run'), eq(contexts.name, name)));
  return run;
}

async function latestOfWorkflow(store: LineageStore, workflowId: string): Promise<RunRow | undefined> {
  const [run] = await store.db
    .select()
    .from(contexts)
    .where(and(eq(contexts.type, 'run'), eq(contexts.workflowId, workflowId)))
    .orderBy(...newestFirst)
    .limit(1);
  return run;
}

/**
 * What a prefix could mean: a workflow id (then that workflow's latest run) or one run's name.
 * Grouped in SQL so that fifty runs of one workflow count as one candidate.
 */
async function prefixCandidates(
  store: LineageStore,
  ref: string,
): Promise<{ candidates: Array<{ key: string; kind: 'workflow' | 'run' }>; total: number }> {
  const p = likePrefix(ref);
  const rows = await store.rows<{ key: string; kind: 'workflow' | 'run'; total: string | number }>(sql`
    select key, kind, count(*) over () as total from (
      select workflow_id as key, 'workflow' as kind, started_at, id from contexts
      where type = 'run' and workflow_id like ${p}
      union all
      select name, 'run', started_at, id from contexts
      where type = 'run' and ((name like ${p} and workflow_id not like ${p}) or run_id like ${p})
    ) m
    group by key, kind order by max(started_at) desc nulls last, max(id) desc limit ${CANDIDATES_SHOWN}`);
  return {
    candidates: rows.map(({ key, kind }) => ({ key, kind })),
    total: rows[0] ? toNumber(rows[0].total) : 0,
  };
}

/** Up to three recorded workflow ids (or run names) close to a reference nobody recorded. */
async function suggestionsFor(store: LineageStore, ref: string): Promise<string[]> {
  const rows = await store.rows<{ key: string }>(sql`
    select key from (
      select ${ref.includes('/') ? sql`name` : sql`workflow_id`} as key, max(id) as newest
      from contexts where type = 'run' group by 1
    ) k order by newest desc limit ${SUGGESTION_POOL}`);
  return closestMatches(
    ref,
    rows.map((row) => row.key).filter((key): key is string => typeof key === 'string'),
  );
}

/**
 * One run, addressed the way people type it: `workflowId/runId`, a workflow id (its latest
 * run), or a unique prefix of either. An exact match always wins over a prefix match.
 *
 * @throws {@link LineageNotFoundError} with the closest recorded ids as `suggestions`
 * @throws {@link LineageAmbiguousError} when a prefix matches several workflows or runs
 *
 * @example
 * const run = await getRun(store, 'iris-training-20250101-120000'); // latest run of that workflow
 * const same = await getRun(store, `${run.workflowId}/${run.runId!.slice(0, 8)}`); // prefix of the run id
 */
export async function getRun(store: LineageStore, ref: string): Promise<RunRow> {
  const key = ref.trim();
  if (key === '') throw new LineageOptionsError('run reference', ['ref: empty']);
  // No recorded name holds a NUL or a lone surrogate (Postgres would reject the lookup itself).
  if (UNSAFE_TEXT.test(key)) throw new LineageNotFoundError('run', safeText(key));
  const exact = (await byName(store, key)) ?? (await latestOfWorkflow(store, key));
  if (exact) return exact;
  const { candidates, total } = await prefixCandidates(store, key);
  if (total > 1) {
    throw new LineageAmbiguousError(
      'run',
      key,
      candidates.map((c) => c.key),
      total,
    );
  }
  const only = candidates[0];
  const found =
    only?.kind === 'run'
      ? await byName(store, only.key)
      : only
        ? await latestOfWorkflow(store, only.key)
        : undefined;
  if (found) return found;
  throw new LineageNotFoundError('run', key, await suggestionsFor(store, key));
}
