import { sql } from 'drizzle-orm';
import type { EncodedValue } from '../artifacts/encode';
import type { LineageStore } from './open-store';
import type { RunStatus } from './schema';
import { runName, type ContextWriter, type RunRef } from './write-contexts';

/** What the workflow-start sink reports. */
export interface RunStart {
  readonly run: RunRef;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly startedAt: Date;
  readonly args: EncodedValue;
  readonly argsDigest: string;
  readonly parent: RunRef | null;
  /** The top-level run of this run's tree, when it is not this run itself. */
  readonly root?: RunRef | null;
  readonly rerunOf: string | null;
  readonly rerunFrom: string | null;
}

/** What the workflow-end sink reports. */
export interface RunEnd {
  readonly run: RunRef;
  readonly workflowType: string;
  readonly status: Exclude<RunStatus, 'RUNNING'>;
  readonly endedAt: Date;
  readonly result: EncodedValue | null;
  readonly error: string | null;
}

const json = (value: EncodedValue | null) => (value === null ? null : JSON.stringify(value));

/**
 * Writes run contexts from the workflow sinks. Sinks may be delivered more than once, and after
 * activities already created a bare run row, so both writes are upserts, and a finished run is
 * never moved back to RUNNING. Each is one prepared statement.
 */
export class RunWriter {
  constructor(
    private readonly store: LineageStore,
    private readonly contexts: ContextWriter,
  ) {}

  async start(start: RunStart): Promise<void> {
    const bare = (run: RunRef) =>
      this.contexts.runId({ ...run, workflowType: null, taskQueue: null, startedAt: null });
    const parents = [await this.contexts.pipelineId(start.workflowType)];
    if (start.parent) parents.push(await bare(start.parent));
    const rootId = start.root ? await bare(start.root) : null;
    const [row] = await this.store.preparedRows<{ id: string | number }>(sql`
      with run as (
        insert into contexts (type, name, workflow_type, workflow_id, run_id, status, task_queue, started_at,
          args, args_digest, rerun_of, rerun_from, root_id)
        values ('run', ${runName(start.run)}, ${start.workflowType}, ${start.run.workflowId}, ${start.run.runId},
          'RUNNING', ${start.taskQueue}, ${start.startedAt.toISOString()}::timestamptz, ${json(start.args)}::jsonb,
          ${start.argsDigest}, ${start.rerunOf}, ${start.rerunFrom}, ${rootId}::bigint)
        on conflict (type, name) do update set
          workflow_type = excluded.workflow_type, task_queue = excluded.task_queue, started_at = excluded.started_at,
          args = excluded.args, args_digest = excluded.args_digest, root_id = excluded.root_id,
          rerun_of = coalesce(excluded.rerun_of, contexts.rerun_of),
          rerun_from = coalesce(excluded.rerun_from, contexts.rerun_from),
          status = case when contexts.status <> 'RUNNING' then contexts.status else excluded.status end
        returning id
      ),
      linked as (
        insert into parent_contexts (child_id, parent_id)
        select run.id, parent.id::bigint
        from run, jsonb_array_elements_text(${JSON.stringify(parents)}::jsonb) as parent(id)
        on conflict do nothing
      )
      select id from run`);
    this.contexts.rememberRun(start.run, Number(row!.id));
  }

  /** Records how a run ended; creates the run row if its start was never seen. */
  async end(end: RunEnd): Promise<void> {
    await this.store.preparedRows(sql`
      insert into contexts (type, name, workflow_type, workflow_id, run_id, status, ended_at, result, error)
      values ('run', ${runName(end.run)}, ${end.workflowType}, ${end.run.workflowId}, ${end.run.runId},
        ${end.status}, ${end.endedAt.toISOString()}::timestamptz, ${json(end.result)}::jsonb, ${end.error})
      on conflict (type, name) do update set
        status = excluded.status, ended_at = excluded.ended_at, result = excluded.result, error = excluded.error`);
  }
}
