import { sql } from 'drizzle-orm';
import type { LineageStore } from './open-store';

/** Identifies a workflow run; its context is named `workflowId/runId`. */
export interface RunRef {
  readonly workflowId: string;
  readonly runId: string;
}

export function runName(run: RunRef): string {
  return `${run.workflowId}/${run.runId}`;
}

/** What an activity or a child run knows of a run before the run's own start is recorded. */
export interface RunBasics extends RunRef {
  readonly workflowType: string | null;
  readonly taskQueue: string | null;
  readonly startedAt: Date | null;
}

const CACHE_LIMIT = 50_000;

/** A run's key in the id cache: {@link ContextWriter.knownRunId} must find what runId cached. */
const runKey = (run: RunRef) => `run:${runName(run)}`;

/**
 * Ensures pipeline and run contexts exist and remembers their ids. Contexts are created by
 * whichever write needs them first (an activity can start before its run's start sink is
 * processed), so each lookup is an idempotent upsert; the cache keeps it to once per process.
 * Cached promises let parallel first attempts of one run share a single statement.
 */
export class ContextWriter {
  private readonly ids = new Map<string, Promise<number>>();
  /** The ids of {@link ids} that have resolved, for callers that can go on without waiting. */
  private readonly resolved = new Map<string, number>();

  constructor(private readonly store: LineageStore) {}

  private cached(key: string, ensure: () => Promise<number>): Promise<number> {
    const known = this.ids.get(key);
    if (known) return known;
    if (this.ids.size >= CACHE_LIMIT) this.clear();
    const id = ensure();
    this.ids.set(key, id);
    id.then(
      (value) => {
        if (this.ids.get(key) === id) this.resolved.set(key, value);
      },
      // A failed lookup is not remembered: the next write tries again.
      () => this.ids.delete(key),
    );
    return id;
  }

  /** The run's context id when it is already known, without a promise (the common case). */
  knownRunId(run: RunRef): number | undefined {
    return this.resolved.get(runKey(run));
  }

  /**
   * Lets the attempts of a run whose start is being written wait for that write's id instead of
   * upserting the run row themselves (a second statement per run); should the start fail, they
   * fall back to that upsert.
   */
  runStarting(run: RunBasics, id: Promise<number>): void {
    void this.cached(runKey(run), () => id.catch(() => this.upsertRun(run)));
  }

  /** Forgets every id, e.g. after retention deleted contexts. */
  clear(): void {
    this.ids.clear();
    this.resolved.clear();
  }

  /** The pipeline context of a workflow type. */
  pipelineId(workflowType: string): Promise<number> {
    return this.cached(`pipeline:${workflowType}`, async () => {
      // DO UPDATE, not DO NOTHING, so that RETURNING gives the id of an existing row too.
      const [row] = await this.store.preparedRows<{ id: string | number }>(sql`
        insert into contexts (type, name, workflow_type) values ('pipeline', ${workflowType}, ${workflowType})
        on conflict (type, name) do update set type = excluded.type
        returning id`);
      return Number(row!.id);
    });
  }

  /** A run context with what is known so far (linked under its pipeline when the type is known). */
  runId(run: RunBasics): Promise<number> {
    return this.cached(runKey(run), () => this.upsertRun(run));
  }

  private async upsertRun(run: RunBasics): Promise<number> {
    const pipelineId = run.workflowType === null ? null : await this.pipelineId(run.workflowType);
    const [row] = await this.store.preparedRows<{ id: string | number }>(sql`
        with run as (
          insert into contexts (type, name, workflow_id, run_id, workflow_type, task_queue, status, started_at)
          values ('run', ${runName(run)}, ${run.workflowId}, ${run.runId}, ${run.workflowType}, ${run.taskQueue},
            'RUNNING', ${run.startedAt?.toISOString() ?? null}::timestamptz)
          on conflict (type, name) do update set type = excluded.type
          returning id
        ),
        linked as (
          insert into parent_contexts (child_id, parent_id)
          select id, ${pipelineId}::bigint from run where ${pipelineId}::bigint is not null
          on conflict do nothing
        )
        select id from run`);
    return Number(row!.id);
  }
}
