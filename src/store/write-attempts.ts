import { eq, sql, type SQL } from 'drizzle-orm';
import type { CapturedArtifact } from '../artifacts/capture';
import type { ProducerHint } from '../capture/lineage-header';
import type { LineageStore } from './open-store';
import { events, executions, type ExecutionState } from './schema';
import type { ContextWriter, RunRef } from './write-contexts';
import { artifactCtes, KnownArtifacts, NEW_ARTIFACT_IDS } from './write-artifacts';
import { idsInBatchOrder, lingerOptions, WriteBatcher } from './write-batcher';

/** What is known of an activity attempt when it starts. */
export interface AttemptStart {
  readonly run: RunRef;
  readonly workflowType: string;
  readonly activityId: string;
  readonly activityType: string;
  readonly attempt: number;
  readonly taskQueue: string;
  readonly isLocal: boolean;
  readonly workerIdentity: string;
  readonly buildId: string | null;
  readonly startedAt: Date;
  readonly inputDigest: string;
  readonly inputs: readonly CapturedArtifact[];
  readonly rerunOf: number | null;
  readonly cacheKey: string | null;
  readonly cacheVersion: string | null;
  /** The workflow's producer hints for the arguments, by path (see capture/producer-hints.ts). */
  readonly producers?: readonly ProducerHint[];
  /** When Temporal first scheduled the attempt (ms since epoch): inputs were fixed then. */
  readonly scheduledMs?: number;
}

/** How an attempt ended. */
export interface AttemptEnd {
  readonly state: Exclude<ExecutionState, 'RUNNING'>;
  readonly endedAt: Date;
  readonly outputDigest: string | null;
  readonly outputs: readonly CapturedArtifact[];
  readonly error: { type: string; message: string; stack?: string } | null;
}

/** A started attempt, as the end write needs it. */
export interface AttemptHandle {
  readonly executionId: number;
}

/** The error of an attempt marked ABANDONED because a later attempt of its activity started. */
const ABANDONED_ERROR = JSON.stringify({
  type: 'LineageAbandoned',
  message:
    'A later attempt of this activity started while this one was still RUNNING: its worker stopped or ' +
    'lost contact before recording how it ended, and Temporal timed it out.',
});

/** Temporal only starts attempt N+1 once attempt N is over; one still RUNNING lost its worker. */
const ABANDON_EARLIER_ATTEMPTS = sql`,
      abandoned as (
        update executions x set state = 'ABANDONED', ended_at = a.started_at, error = ${ABANDONED_ERROR}::jsonb
        from attempt a
        where x.workflow_id = a.workflow_id and x.run_id = a.run_id and x.activity_id = a.activity_id
          and x.attempt < a.attempt and x.state = 'RUNNING'
      )`;

/**
 * The producer the workflow named for the value at this input path: used only if that execution
 * really output this artifact, so a hint can be dropped but never invent lineage. A hint without
 * an activity id names a child run: the latest of its executions that output the artifact.
 */
const HINTED_PRODUCER = sql`select x.id
  from jsonb_to_recordset(a.producers) as h(path text, "workflowId" text, "runId" text, "activityId" text)
  join executions x on x.workflow_id = h."workflowId" and (h."runId" is null or x.run_id = h."runId")
    and (h."activityId" is null or x.activity_id = h."activityId")
  where h.path = e.path and x.id <> s.id and x.state in ('COMPLETE', 'CACHED')
    and exists (select 1 from events o where o.artifact_id = e.artifact_id and o.type = 'OUTPUT' and o.execution_id = x.id)
  order by x.ended_at desc nulls last, x.id desc limit 1`;

/**
 * For primitives, copies and values no hint covers: the latest execution of the consumer's run
 * tree (its root run and that run's child runs) that output the artifact and ended before the
 * consumer was scheduled. None: an external input of the run (never another run tree's step).
 * Migration 0005 backfilled older stores by this same rule.
 */
const RUN_TREE_PRODUCER = sql`select x.id
  from events o
  join executions x on x.id = o.execution_id
  join associations xa on xa.execution_id = x.id
  join contexts xc on xc.id = xa.context_id and xc.type = 'run'
  where o.artifact_id = e.artifact_id and o.type = 'OUTPUT' and x.id <> s.id
    and x.state in ('COMPLETE', 'CACHED') and x.ended_at <= coalesce(a.scheduled_at, a.started_at)
    and coalesce(xc.root_id, xc.id) = (select coalesce(c.root_id, c.id) from contexts c where c.id = a.run_context_id)
  order by x.ended_at desc, x.id desc limit 1`;

function isForeignKeyViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === '23503') return true;
  }
  return false;
}

/**
 * An attempt start waiting to be sent. Until it is, the attempt's end may join it, and both go
 * as one row: an activity that finishes within the event-loop turn it started in (most steps
 * that only call a service) costs one statement, not two.
 */
interface PendingStart {
  readonly start: AttemptStart;
  readonly runContextId: number;
  end: AttemptEnd | undefined;
  sent: boolean;
}

/** A start handed to the writer and not yet known to be written. */
export interface QueuedStart {
  /** Resolves with the row ids once the start (and the end, if it joined) has committed. */
  readonly written: Promise<AttemptHandle>;
  /**
   * Joins the attempt's end to the start when the start has not been sent yet; false when it
   * has (then the end is written on its own, once `written` resolves).
   */
  join(end: AttemptEnd): boolean;
  /** The end that joined, if any: what a retry of the start must write too. */
  readonly joinedEnd: AttemptEnd | undefined;
}

/** One attempt end waiting in a batch. */
interface PendingEnd {
  readonly handle: AttemptHandle;
  readonly end: AttemptEnd;
}

const START_COLUMNS = sql.raw(
  'i int, workflow_id text, run_id text, activity_id text, attempt int, activity_type text, task_queue text, ' +
    'is_local boolean, worker_identity text, build_id text, started_at timestamptz, input_digest text, ' +
    'rerun_of bigint, cache_key text, cache_version text, run_context_id bigint, ' +
    'state text, ended_at timestamptz, output_digest text, error jsonb, producers jsonb, scheduled_at timestamptz',
);
const END_COLUMNS = sql.raw(
  'i int, execution_id bigint, state text, ended_at timestamptz, output_digest text, error jsonb',
);

/**
 * Writes activity attempts, idempotently on the store's unique keys: one statement for a start
 * (execution RUNNING + inputs) and one for an end (outputs + final state), or a single one for
 * both when the end joins a start that has not been sent yet (see {@link queueStart}). Attempts
 * that arrive while earlier writes are in flight are written together (group commit, see
 * {@link WriteBatcher}): one statement for many attempts, each caller awaiting its own.
 */
export class AttemptWriter {
  private readonly known = new KnownArtifacts();
  private readonly starts: WriteBatcher<PendingStart, number>;
  private readonly ends: WriteBatcher<PendingEnd, void>;

  constructor(
    private readonly store: LineageStore,
    private readonly contexts: ContextWriter,
    /** Set for `commit: 'batched'`: how long writes wait to share a statement (see {@link WriteBatcher}). */
    lingerMs?: number,
  ) {
    const batching = lingerOptions(lingerMs);
    this.starts = new WriteBatcher((items) => this.writeStarts(items), { deferFlush: true, ...batching });
    this.ends = new WriteBatcher((items) => this.writeEnds(items), batching);
  }

  private runContext(start: AttemptStart): Promise<number> {
    return this.contexts.runId({
      ...start.run,
      workflowType: start.workflowType,
      taskQueue: start.taskQueue,
      startedAt: start.startedAt,
    });
  }

  /**
   * Runs one attempt statement. A cached artifact id can only be stale if retention deleted the
   * row meanwhile (a foreign-key violation): then the cache is dropped and the write retried once.
   */
  private async write<T>(statement: () => SQL): Promise<T> {
    try {
      return (await this.store.preparedRows<T>(statement()))[0]!;
    } catch (error) {
      if (!isForeignKeyViolation(error)) throw error;
      this.known.clear();
      return (await this.store.preparedRows<T>(statement()))[0]!;
    }
  }

  /** Writes an attempt's start, or its whole record when `end` is given (one row, one statement). */
  start(start: AttemptStart, end?: AttemptEnd): Promise<AttemptHandle> {
    const queued = this.queueStart(start);
    if (end) queued.join(end);
    return queued.written;
  }

  /**
   * Queues an attempt's start without waiting for it: the caller runs the activity body
   * meanwhile, and joins the end to the start if the body is done before the start is sent.
   */
  queueStart(start: AttemptStart): QueuedStart {
    let pending: PendingStart | undefined;
    let early: AttemptEnd | undefined;
    const queue = (runContextId: number): Promise<AttemptHandle> => {
      pending = { start, runContextId, end: early, sent: false };
      return this.starts.push(pending).then((executionId) => ({ executionId }));
    };
    // Nearly every attempt's run is known by now: queued at once, with no promise to wait on first.
    const known = this.contexts.knownRunId(start.run);
    const written = known === undefined ? this.runContext(start).then(queue) : queue(known);
    return {
      written,
      join(end) {
        if (pending?.sent) return false;
        // Before the run's context id is known the start is not even queued: keep the end for it.
        if (pending) pending.end = end;
        else early = end;
        return true;
      },
      get joinedEnd() {
        return pending ? pending.end : early;
      },
    };
  }

  async end(handle: AttemptHandle, end: AttemptEnd): Promise<void> {
    await this.ends.push({ handle, end });
  }

  private async writeStarts(items: PendingStart[]): Promise<number[]> {
    for (const item of items) item.sent = true;
    // Only a retry can have an earlier attempt to abandon: first attempts (nearly all of them)
    // skip that update, as a second prepared form of the statement.
    const retries = items.some(({ start }) => start.attempt > 1);
    const attempts = items.map(({ start: s, runContextId, end }, i) => ({
      i,
      workflow_id: s.run.workflowId,
      run_id: s.run.runId,
      activity_id: s.activityId,
      attempt: s.attempt,
      activity_type: s.activityType,
      task_queue: s.taskQueue,
      is_local: s.isLocal,
      worker_identity: s.workerIdentity,
      build_id: s.buildId,
      started_at: s.startedAt.toISOString(),
      input_digest: s.inputDigest,
      rerun_of: s.rerunOf,
      cache_key: s.cacheKey,
      cache_version: s.cacheVersion,
      run_context_id: runContextId,
      state: end?.state ?? 'RUNNING',
      ended_at: end?.endedAt.toISOString() ?? null,
      output_digest: end?.outputDigest ?? null,
      error: end?.error ?? null,
      producers: s.producers?.length ? s.producers : null,
      scheduled_at: s.scheduledMs === undefined ? null : new Date(s.scheduledMs).toISOString(),
    }));
    const row = await this.write<{
      executions: Array<[number, string | number]>;
      new_artifacts: Array<[number, string]>;
    }>(
      () => sql`
      with ${artifactCtes(
        items.map(({ start, end }, i) => ({
          i,
          inputs: start.inputs,
          outputs: end?.outputs ?? [],
        })),
        this.known,
      )},
      -- later_started: when a later attempt of the same activity started, if one is recorded. A
      -- record that arrives after it (from a queue, or a worker that lost contact) is of an attempt
      -- Temporal had given up on: it goes in ABANDONED, as ABANDON_EARLIER_ATTEMPTS would have made it.
      attempt as (
        select a.*, later.started_at as later_started
        from jsonb_to_recordset(${JSON.stringify(attempts)}::jsonb) as a(${START_COLUMNS})
        left join lateral (
          select min(y.started_at) as started_at from executions y
          where y.workflow_id = a.workflow_id and y.run_id = a.run_id and y.activity_id = a.activity_id
            and y.attempt > a.attempt
        ) later on true
      ),
      execution as (
        insert into executions (workflow_id, run_id, activity_id, attempt, activity_type, task_queue, is_local,
          worker_identity, build_id, state, started_at, input_digest, rerun_of, cache_key, cache_version,
          ended_at, output_digest, error)
        select workflow_id, run_id, activity_id, attempt, activity_type, task_queue, is_local, worker_identity,
          build_id, case when later_started is null then state else 'ABANDONED' end, started_at, input_digest,
          rerun_of, cache_key, cache_version,
          case when later_started is null then ended_at else later_started end, output_digest,
          case when later_started is null then error else ${ABANDONED_ERROR}::jsonb end
        from attempt order by workflow_id, run_id, activity_id, attempt
        -- A redelivered start keeps its row and id (the no-op update makes RETURNING give it); a
        -- redelivered whole record (start and end together) also sets how the attempt ended.
        -- An ABANDONED attempt stays so, keeping its error (see writeEnds).
        on conflict (workflow_id, run_id, activity_id, attempt) do update set
          activity_type = excluded.activity_type,
          state = case when excluded.state = 'RUNNING' or executions.state = 'ABANDONED' then executions.state
            else excluded.state end,
          ended_at = case when excluded.state = 'RUNNING' or executions.state = 'ABANDONED' then executions.ended_at
            else excluded.ended_at end,
          output_digest = case when excluded.state = 'RUNNING' then executions.output_digest else excluded.output_digest end,
          error = case when excluded.state = 'RUNNING' or executions.state = 'ABANDONED' then executions.error
            else excluded.error end
        returning id, workflow_id, run_id, activity_id, attempt
      ),
      started as (
        select a.i, a.run_context_id, x.id from attempt a join execution x using (workflow_id, run_id, activity_id, attempt)
      ),
      associated as (
        insert into associations (context_id, execution_id)
        select run_context_id, id from started order by 1, 2 on conflict do nothing
      ),
      edges as (
        insert into events (execution_id, artifact_id, type, path, producer_execution_id)
        select s.id, e.artifact_id, e.type, e.path,
          case when e.type = 'INPUT' then coalesce((${HINTED_PRODUCER}), (${RUN_TREE_PRODUCER})) end
        from started s join attempt a on a.i = s.i join edge_ids e on e.i = s.i on conflict do nothing
      )${retries ? ABANDON_EARLIER_ATTEMPTS : sql``}
      select (select jsonb_agg(jsonb_build_array(i, id)) from started) as executions, ${NEW_ARTIFACT_IDS}`,
    );
    this.known.remember(row.new_artifacts);
    return idsInBatchOrder(items.length, row.executions, 'attempt start');
  }

  private async writeEnds(items: PendingEnd[]): Promise<void[]> {
    const ends = items.map(({ handle, end }, i) => ({
      i,
      execution_id: handle.executionId,
      state: end.state,
      ended_at: end.endedAt.toISOString(),
      output_digest: end.outputDigest,
      error: end.error,
    }));
    // The ids again, as an array: the planner takes jsonb_to_recordset for 100 rows, and joined to
    // that alone the update hash-joined over a scan of all executions while the table held fewer
    // than ≈ 10,000 rows (over 1 ms of Postgres CPU per end at 5,000; on PGlite, the Worker's own
    // thread). `= any(array)` is sized as a few rows: the primary key is used from a few hundred
    // rows on, once Postgres has analyzed the table (end-writes-plan.test.ts).
    const executionIds = `{${items.map(({ handle }) => handle.executionId).join(',')}}`;
    const row = await this.write<{ new_artifacts: Array<[number, string]> }>(
      () => sql`
      with ${artifactCtes(
        items.map(({ end }, i) => ({
          i,
          inputs: [],
          outputs: end.outputs,
        })),
        this.known,
      )},
      ending as (select * from jsonb_to_recordset(${JSON.stringify(ends)}::jsonb) as n(${END_COLUMNS})),
      outputs as (
        insert into events (execution_id, artifact_id, type, path)
        select n.execution_id, e.artifact_id, e.type, e.path from ending n join edge_ids e on e.i = n.i
        on conflict do nothing
      ),
      -- An attempt marked ABANDONED (a later attempt started: Temporal had timed it out and did not
      -- use its result) stays ABANDONED with its error; what it produced is still recorded.
      ended as (
        update executions x set
          state = case when x.state = 'ABANDONED' then x.state else n.state end,
          ended_at = case when x.state = 'ABANDONED' then x.ended_at else n.ended_at end,
          output_digest = n.output_digest,
          error = case when x.state = 'ABANDONED' then x.error else n.error end
        from ending n where x.id = n.execution_id and x.id = any(${executionIds}::bigint[])
      )
      select ${NEW_ARTIFACT_IDS}`,
    );
    this.known.remember(row.new_artifacts);
    return items.map(() => undefined);
  }

  /**
   * Ends an attempt that returned another execution's recorded output without running: state
   * CACHED, and OUTPUT events pointing at that execution's very artifacts (not re-captured
   * copies: a file behind a reused output may have changed since, and the link must say which
   * bytes were reused). Idempotent like every other write.
   */
  async endCached(
    handle: AttemptHandle,
    cached: { sourceExecutionId: number; outputDigest: string | null; endedAt: Date },
  ): Promise<void> {
    await this.store.db.transaction(async (tx) => {
      // INSERT … SELECT copies the edges in one statement; Drizzle's insert-select wants every
      // column of the table selected, ids and defaults included, so this one is raw SQL.
      await tx.execute(sql`
        insert into ${events} (execution_id, artifact_id, type, path)
        select ${handle.executionId}, artifact_id, type, path from ${events}
        where execution_id = ${cached.sourceExecutionId} and type = 'OUTPUT'
        on conflict do nothing`);
      await tx
        .update(executions)
        .set({
          state: 'CACHED',
          endedAt: cached.endedAt,
          outputDigest: cached.outputDigest,
          cachedFrom: cached.sourceExecutionId,
          error: null,
        })
        .where(eq(executions.id, handle.executionId));
    });
  }
}
