import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { decodeValue, isReplayable, type EncodedValue } from '../artifacts/encode';
import type { LineageHeader } from '../capture/lineage-header';
import type { ResolvedLineageOptions } from '../options';
import type { LineageStore } from '../store/open-store';
import { artifacts, events, executions } from '../store/schema';
import { runTree, treeExecutions, type TreeExecution } from './run-tree';

/** A recorded output that an attempt returns instead of running its body. */
export interface ReusedOutput {
  readonly executionId: number;
  readonly outputDigest: string | null;
  readonly result: unknown;
}

/** What the worker decides for one attempt before running it. */
export interface ReuseDecision {
  /** The original execution this attempt re-executes, if it belongs to a rerun. */
  readonly rerunOf: number | null;
  /** The `cache` version of the activity type (null: unversioned or not cached). */
  readonly cacheVersion: string | null;
  /** Set when the attempt returns a recorded output (state CACHED). */
  readonly reused: ReusedOutput | null;
}

/** An activity of the original run tree with the given type and cache key, newest first. */
type OriginalIndex = Map<string, TreeExecution[]>;

const REUSABLE = new Set(['COMPLETE', 'CACHED']);
const INDEX_LIMIT = 64;

const indexKey = (activityType: string, cacheKey: string) => `${activityType}\0${cacheKey}`;

/**
 * Worker-side half of reruns and of the execution cache: decides, before an attempt runs,
 * whether it returns a recorded output. Runs in the worker's Node process (never in the
 * sandbox), so reusing changes nothing in workflow histories except the activity's result,
 * which Temporal records like any other.
 */
export class ReuseResolver {
  /** Original run trees are finished when a rerun starts, so their index never goes stale. */
  private readonly indexes = new Map<string, Promise<OriginalIndex>>();

  constructor(private readonly options: Pick<ResolvedLineageOptions, 'cache' | 'overwriteCache'>) {}

  /** Whether the activity type is cached, and under which version (null: unversioned). */
  cacheVersion(activityType: string): string | null | undefined {
    const setting = this.options.cache[activityType];
    if (setting === undefined) return undefined;
    return setting === true ? null : setting.version;
  }

  private overwrites(activityType: string): boolean {
    const { overwriteCache } = this.options;
    return (
      overwriteCache === true || (Array.isArray(overwriteCache) && overwriteCache.includes(activityType))
    );
  }

  /**
   * The decision when it needs no store read (no rerun of a recorded run, no cache lookup):
   * the common case, where the attempt's start can be written while its body already runs.
   */
  decideWithoutStore(attempt: {
    activityType: string;
    cacheKey: string | null;
    header: LineageHeader;
  }): ReuseDecision | undefined {
    const { activityType, cacheKey, header } = attempt;
    const cacheVersion = this.cacheVersion(activityType) ?? null;
    if (header.rerunOfExecution !== undefined)
      return { rerunOf: header.rerunOfExecution, cacheVersion, reused: null };
    const looksUp =
      cacheKey !== null &&
      (header.rerunOf !== undefined ||
        (this.cacheVersion(activityType) !== undefined && !header.noCache && !this.overwrites(activityType)));
    return looksUp ? undefined : { rerunOf: null, cacheVersion, reused: null };
  }

  async decide(
    store: LineageStore,
    attempt: { activityType: string; cacheKey: string | null; header: LineageHeader },
  ): Promise<ReuseDecision> {
    const { activityType, cacheKey, header } = attempt;
    const cacheVersion = this.cacheVersion(activityType);
    const decision = (rerunOf: number | null, reused: ReusedOutput | null): ReuseDecision => ({
      rerunOf,
      cacheVersion: cacheVersion ?? null,
      reused,
    });
    // An explicit rerun of one execution exists to run the body again: never reuse anything.
    if (header.rerunOfExecution !== undefined) return decision(header.rerunOfExecution, null);
    if (cacheKey === null) return decision(null, null);

    let rerunOf: number | null = null;
    if (header.rerunOf !== undefined) {
      const matches = (await this.index(store, header.rerunOf)).get(indexKey(activityType, cacheKey)) ?? [];
      const done = matches.filter((m) => REUSABLE.has(m.state));
      rerunOf = (done[0] ?? matches[0])?.id ?? null;
      if (header.rerunFrom !== undefined && !header.rerunReached) {
        for (const candidate of done) {
          const reused = await recordedResult(store, candidate.id);
          if (reused) return decision(candidate.id, reused);
        }
      }
    }
    if (cacheVersion !== undefined && !header.noCache && !this.overwrites(activityType)) {
      return decision(rerunOf, await cacheHit(store, cacheKey, cacheVersion));
    }
    return decision(rerunOf, null);
  }

  /**
   * The run of the original tree that a child run of a rerun re-executes: same workflow type,
   * preferably the same arguments. Null when there is no single candidate.
   */
  async originalChildRun(
    store: LineageStore,
    originalRoot: string,
    run: { workflowType: string; argsDigest: string },
  ): Promise<string | null> {
    const tree = await runTree(store, originalRoot);
    const sameType = tree.slice(1).filter((r) => r.workflowType === run.workflowType);
    if (sameType.length === 1) return sameType[0]!.name;
    const names = sameType.map((r) => r.name);
    if (names.length === 0) return null;
    const [same] = await store.rows<{ name: string }>(sql`
      select name from contexts
      where type = 'run' and args_digest = ${run.argsDigest} and name in ${names}
      order by started_at, id limit 1`);
    return same?.name ?? null;
  }

  private index(store: LineageStore, originalRoot: string): Promise<OriginalIndex> {
    let index = this.indexes.get(originalRoot);
    if (!index) {
      if (this.indexes.size >= INDEX_LIMIT) this.indexes.clear();
      index = buildIndex(store, originalRoot);
      this.indexes.set(originalRoot, index);
      // A failed read is retried by the next attempt rather than remembered.
      index.catch(() => this.indexes.delete(originalRoot));
    }
    return index;
  }
}

async function buildIndex(store: LineageStore, originalRoot: string): Promise<OriginalIndex> {
  const all = await treeExecutions(store, await runTree(store, originalRoot));
  const index: OriginalIndex = new Map();
  for (const execution of all.reverse()) {
    if (execution.cacheKey === null) continue;
    const key = indexKey(execution.activityType, execution.cacheKey);
    index.set(key, [...(index.get(key) ?? []), execution]);
  }
  return index;
}

/** An execution's recorded `result`, when it is stored inline and can be decoded back. */
async function recordedResult(store: LineageStore, executionId: number): Promise<ReusedOutput | null> {
  const [row] = await store.db
    .select({ value: artifacts.value, inline: artifacts.inline, outputDigest: executions.outputDigest })
    .from(events)
    .innerJoin(artifacts, eq(artifacts.id, events.artifactId))
    .innerJoin(executions, eq(executions.id, events.executionId))
    .where(and(eq(events.executionId, executionId), eq(events.type, 'OUTPUT'), eq(events.path, 'result')));
  return row ? toReused(executionId, row) : null;
}

function toReused(
  executionId: number,
  row: { value: unknown; inline: boolean; outputDigest: string | null },
): ReusedOutput | null {
  const value = (row.value ?? null) as EncodedValue;
  if (!row.inline || !isReplayable(value)) return null;
  return { executionId, outputDigest: row.outputDigest, result: decodeValue(value) };
}

/** The newest COMPLETE execution with this key and version whose result can be returned. */
async function cacheHit(
  store: LineageStore,
  cacheKey: string,
  version: string | null,
): Promise<ReusedOutput | null> {
  const rows = await store.db
    .select({
      id: executions.id,
      value: artifacts.value,
      inline: artifacts.inline,
      outputDigest: executions.outputDigest,
    })
    .from(executions)
    .innerJoin(
      events,
      and(eq(events.executionId, executions.id), eq(events.type, 'OUTPUT'), eq(events.path, 'result')),
    )
    .innerJoin(artifacts, eq(artifacts.id, events.artifactId))
    .where(
      and(
        eq(executions.cacheKey, cacheKey),
        eq(executions.state, 'COMPLETE'),
        // Not `is not distinct from $1`: the planner cannot estimate it, and then sorts every
        // execution sharing the key instead of reading the newest from executions_cache_key_idx.
        version === null ? isNull(executions.cacheVersion) : eq(executions.cacheVersion, version),
        eq(artifacts.inline, true),
      ),
    )
    .orderBy(desc(executions.endedAt), desc(executions.id))
    .limit(1);
  const [row] = rows;
  return row ? toReused(row.id, row) : null;
}
