import { sql } from 'drizzle-orm';
import type { EncodedValue } from '../artifacts/encode';
import type { LineageStore } from './open-store';
import type { RunStatus } from './schema';
import { idsInBatchOrder, lingerOptions, WriteBatcher } from './write-batcher';
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
  /** The run this run continued from (continue-as-new), if any. */
  readonly continuedFrom?: RunRef | null;
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

/** A run start ready to be written: its pipeline, parent and root context ids looked up. */
interface PendingRunStart {
  readonly start: RunStart;
  readonly parents: readonly number[];
  readonly rootId: number | null;
  readonly continuedFromId: number | null;
}

const START_COLUMNS = sql.raw(
  'i int, name text, workflow_type text, workflow_id text, run_id text, task_queue text, ' +
    'started_at timestamptz, args jsonb, args_digest text, rerun_of text, rerun_from text, root_id bigint, continued_from bigint, parents jsonb',
);
const END_COLUMNS = sql.raw(
  'name text, workflow_type text, workflow_id text, run_id text, status text, ended_at timestamptz, result jsonb, error text',
);

/**
 * Writes run contexts from the workflow sinks. Sinks may be delivered more than once, and after
 * activities already created a bare run row, so both writes are upserts, and a finished run is
 * never moved back to RUNNING. Runs that start (or end) together are written together, one
 * statement per batch, like attempts (see {@link WriteBatcher}).
 */
export class RunWriter {
  private readonly starts: WriteBatcher<PendingRunStart, number>;
  private readonly ends: WriteBatcher<RunEnd, void>;

  constructor(
    private readonly store: LineageStore,
    private readonly contexts: ContextWriter,
    /** Set for `commit: 'batched'`: how long writes wait to share a statement. */
    lingerMs?: number,
  ) {
    const batching = lingerOptions(lingerMs);
    this.starts = new WriteBatcher((items) => this.writeStarts(items), batching);
    this.ends = new WriteBatcher((items) => this.writeEnds(items), batching);
  }

  async start(start: RunStart): Promise<void> {
    const bare = (run: RunRef) =>
      this.contexts.runId({ ...run, workflowType: null, taskQueue: null, startedAt: null });
    const parents = [await this.contexts.pipelineId(start.workflowType)];
    if (start.parent) parents.push(await bare(start.parent));
    const rootId = start.root ? await bare(start.root) : null;
    const continuedFromId = start.continuedFrom ? await bare(start.continuedFrom) : null;
    const id = this.starts.push({ start, parents, rootId, continuedFromId });
    this.contexts.runStarting(
      {
        ...start.run,
        workflowType: start.workflowType,
        taskQueue: start.taskQueue,
        startedAt: start.startedAt,
      },
      id,
    );
    await id;
  }

  /** Records how a run ended; creates the run row if its start was never seen. */
  async end(end: RunEnd): Promise<void> {
    await this.ends.push(end);
  }

  private async writeStarts(items: PendingRunStart[]): Promise<number[]> {
    const runs = items.map(({ start, parents, rootId, continuedFromId }, i) => ({
      i,
      name: runName(start.run),
      workflow_type: start.workflowType,
      workflow_id: start.run.workflowId,
      run_id: start.run.runId,
      task_queue: start.taskQueue,
      started_at: start.startedAt.toISOString(),
      args: start.args,
      args_digest: start.argsDigest,
      rerun_of: start.rerunOf,
      rerun_from: start.rerunFrom,
      root_id: rootId,
      continued_from: continuedFromId,
      parents,
    }));
    const [row] = await this.store.preparedRows<{ ids: Array<[number, string | number]> }>(sql`
      with input as (select * from jsonb_to_recordset(${JSON.stringify(runs)}::jsonb) as r(${START_COLUMNS})),
      run as (
        insert into contexts (type, name, workflow_type, workflow_id, run_id, status, task_queue, started_at,
          args, args_digest, rerun_of, rerun_from, root_id, continued_from)
        select 'run', name, workflow_type, workflow_id, run_id, 'RUNNING', task_queue, started_at,
          args, args_digest, rerun_of, rerun_from, root_id, continued_from
        from input order by name
        on conflict (type, name) do update set
          workflow_type = excluded.workflow_type, task_queue = excluded.task_queue, started_at = excluded.started_at,
          args = excluded.args, args_digest = excluded.args_digest, root_id = excluded.root_id,
          continued_from = excluded.continued_from,
          rerun_of = coalesce(excluded.rerun_of, contexts.rerun_of),
          rerun_from = coalesce(excluded.rerun_from, contexts.rerun_from),
          status = case when contexts.status <> 'RUNNING' then contexts.status else excluded.status end
        returning id, name
      ),
      linked as (
        insert into parent_contexts (child_id, parent_id)
        select run.id, parent.id::bigint
        from input join run using (name), jsonb_array_elements_text(input.parents) as parent(id)
        order by 1, 2
        on conflict do nothing
      )
      select jsonb_agg(jsonb_build_array(input.i, run.id)) as ids from input join run using (name)`);
    return idsInBatchOrder(items.length, row?.ids, 'run start');
  }

  private async writeEnds(items: RunEnd[]): Promise<void[]> {
    const ends = items.map((end) => ({
      name: runName(end.run),
      workflow_type: end.workflowType,
      workflow_id: end.run.workflowId,
      run_id: end.run.runId,
      status: end.status,
      ended_at: end.endedAt.toISOString(),
      result: end.result,
      error: end.error,
    }));
    await this.store.preparedRows(sql`
      insert into contexts (type, name, workflow_type, workflow_id, run_id, status, ended_at, result, error)
      select 'run', name, workflow_type, workflow_id, run_id, status, ended_at, result, error
      from jsonb_to_recordset(${JSON.stringify(ends)}::jsonb) as r(${END_COLUMNS})
      order by name
      on conflict (type, name) do update set
        status = excluded.status, ended_at = excluded.ended_at, result = excluded.result, error = excluded.error`);
    return items.map(() => undefined);
  }
}
