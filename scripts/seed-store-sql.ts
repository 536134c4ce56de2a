import { sql, type SQL } from 'drizzle-orm';

/**
 * The statements behind `scripts/seed-store.ts`: every row is generated inside the database with
 * INSERT … SELECT over generate_series, so a million executions cost a few statements rather than
 * a million round trips. Row ids are given explicitly (OVERRIDING SYSTEM VALUE) as arithmetic on a
 * per-batch base, so that events and associations can name their ends without
 * looking anything up; the identity sequences are moved past them afterwards.
 *
 * Shape of one family (`f`): a root run of pipeline `trainingPipeline-<f % 20>` with steps 0–9 and
 * a child run (`hyperparameterSearch`) with steps 10–19, one chain: step `s` reads the typed output
 * of step `s - 1` (step 0 reads one of the shared source datasets) and a parameter value shared with
 * other families. Every execution writes a plain result value holding a typed artifact. Every 50th
 * family's step 7 fails once and succeeds on its second attempt.
 */

export const STEPS = 20;
/** Execution id slots per family: the 20 steps plus the failed first attempt of a retried step. */
export const SLOTS = 21;
export const PIPELINES = 20;
export const SHARED_DATASETS = 100;
/** Distinct parameter values per step (step 0 has fewer, so that its cache keys repeat). */
export const PARAM_CONFIGS = 1000;
const STEP0_CONFIGS = 10;
const RETRIED_STEP = 7;
const SPAN_DAYS = 365;

const ACTIVITY_TYPES = [
  ...['loadData', 'validateData', 'cleanData', 'splitDataset', 'featurize', 'selectFeatures'],
  ...['balanceClasses', 'trainBaseline', 'evaluateBaseline', 'exportFeatures', 'sampleParams'],
  ...['trainModel', 'evaluateModel', 'calibrate', 'explainModel', 'compareModels', 'pickBest'],
  ...['packageModel', 'validateModel', 'registerModel'],
];
const MODEL_STEPS = [7, 11, 13, 17, 19];
const METRICS_STEPS = [8, 12, 18];

/** Where one batch's rows start: families `from`–`to - 1`, ids from the bases. */
export interface Batch {
  readonly tag: string;
  readonly families: number;
  readonly from: number;
  readonly to: number;
  /** First context id of the batch: family f's root run is `contexts + 2 (f - from)`, its child run +1. */
  readonly contexts: number;
  /** First execution id: family f, slot s is `executions + SLOTS (f - from) + s`. */
  readonly executions: number;
  /** First artifact id: family f, step s writes `artifacts + 2 (STEPS (f - from) + s)` (value) and +1 (typed). */
  readonly artifacts: number;
  /** First id of the shared parameters (`PARAM_CONFIGS` per step) and of the shared datasets after them. */
  readonly params: number;
  readonly datasets: number;
}

/** An integer we computed, inlined: generate_series cannot tell the type of an untyped parameter. */
const int = (value: number) => sql.raw(String(Math.trunc(value)));
const hex = (text: SQL) => sql`encode(sha256(convert_to(${text}, 'UTF8')), 'hex')`;
const digest = (text: SQL) => sql`('sha256:' || ${hex(text)})`;
const literalArray = (values: readonly (string | number)[]) =>
  sql.raw(`array[${values.map((v) => (typeof v === 'number' ? v : `'${v}'`)).join(',')}]`);

/** Rows every batch shares: pipeline contexts, parameter values, shared source datasets. */
export function sharedRows(tag: string, params: number, datasets: number): SQL[] {
  const pipelines = sql`insert into contexts (type, name, workflow_type)
    select 'pipeline', n, n from (
      select 'trainingPipeline-' || p as n from generate_series(0, ${int(PIPELINES - 1)}) p
      union all select 'hyperparameterSearch'
    ) x on conflict (type, name) do nothing`;
  const paramValue = sql`jsonb_build_object('step', s, 'config', c, 'seed', c * 7 + s,
    'learningRate', round((0.001 * (1 + c % 50))::numeric, 4), 'maxDepth', 3 + c % 8, 'nEstimators', 50 + c % 400,
    'features', feats.list,
    'notes', repeat('weekly retraining configuration; see the experiment tracker. ', 1 + c % 4),
    'tag', ${tag}::text)`;
  const paramRows = sql`insert into artifacts (id, identity, type, uri, digest, value_digest, value, inline, size_bytes, created_at)
    overriding system value
    select ${int(params)}::bigint + s * ${int(PARAM_CONFIGS)} + c, ${hex(sql`'Value' || '|' || v::text`)}, 'Value', null,
      ${digest(sql`v::text`)}, ${digest(sql`v::text`)}, v, true, octet_length(v::text), now() - interval '${sql.raw(String(SPAN_DAYS))} days'
    from generate_series(0, ${int(STEPS - 1)}) s, generate_series(0, ${int(PARAM_CONFIGS - 1)}) c,
      lateral (select (select jsonb_agg('feature_' || lpad(i::text, 2, '0') || '_normalised') from generate_series(1, n) i) as list
        from (select 30 + c % 40 as n) k) feats,
      lateral (select ${paramValue} as v) j`;
  const datasetValue = sql`jsonb_build_object('kind', 'Dataset', 'name', 'source-' || d,
    'uri', 's3://lake/raw/' || ${tag}::text || '/source-' || d || '.parquet', 'rows', 100000 + d * 137, 'format', 'parquet')`;
  const datasetRows = sql`insert into artifacts (id, identity, type, uri, digest, value_digest, value, inline, size_bytes, created_at)
    overriding system value
    select ${int(datasets)}::bigint + d, ${hex(sql`'Dataset' || '|' || (v->>'uri') || '|' || v::text`)}, 'Dataset', v->>'uri',
      ${digest(sql`v::text`)}, ${digest(sql`v::text`)}, v, true, octet_length(v::text), now() - interval '${sql.raw(String(SPAN_DAYS))} days'
    from generate_series(0, ${int(SHARED_DATASETS - 1)}) d, lateral (select ${datasetValue} as v) j`;
  return [pipelines, paramRows, datasetRows];
}

/** The CTE `fam` of a batch: per family its start time, workflow ids and run ids. */
function families(b: Batch): SQL {
  return sql`fam as (
    select f, f - ${int(b.from)} as i,
      now() - interval '${sql.raw(String(SPAN_DAYS))} days' * (1 - f::float8 / ${int(b.families)}) as t0,
      'train-' || ${b.tag}::text || '-' || f as wf, md5(${b.tag}::text || f)::uuid::text as run,
      'train-' || ${b.tag}::text || '-' || f || '-search' as child_wf, md5(${b.tag}::text || f || 'c')::uuid::text as child_run
    from generate_series(${int(b.from)}, ${int(b.to - 1)}) f
  )`;
}

/** One slot of a family: step, attempt, and whether it is the failed attempt of a retried step. */
function slots(b: Batch): SQL {
  return sql`slot as (
    select fam.*, s as slot, case when s = ${int(STEPS)} then ${int(RETRIED_STEP)} else s end as step,
      case when s = ${int(STEPS)} then 1 when s = ${int(RETRIED_STEP)} and f % 50 = 7 then 2 else 1 end as attempt,
      s = ${int(STEPS)} as failed,
      ${int(b.executions)}::bigint + ${int(SLOTS)} * i + s as eid
    from fam, generate_series(0, ${int(STEPS)}) s
    where s < ${int(STEPS)} or f % 50 = 7
  )`;
}

/** Inserts one batch of families; the statements run in order, in one transaction. */
export function batchRows(b: Batch): SQL[] {
  const runs = sql`with ${families(b)}
    insert into contexts (id, type, name, workflow_type, workflow_id, run_id, status, args_digest, args, result,
      task_queue, started_at, ended_at, created_at, root_id)
    overriding system value
    select ${int(b.contexts)}::bigint + 2 * i + k, 'run', w || '/' || r,
      case k when 0 then 'trainingPipeline-' || f % ${int(PIPELINES)} else 'hyperparameterSearch' end, w, r,
      case when f % 97 = 3 then 'FAILED' else 'COMPLETED' end, ${digest(sql`'args' || f || '-' || k`)},
      jsonb_build_array(jsonb_build_object('seed', f % 1000, 'grid', jsonb_build_array(
        jsonb_build_object('nEstimators', 50 + f % 7 * 25, 'maxFeatures', 2 + f % 3)), 'dataset', 'source-' || f % ${int(SHARED_DATASETS)})),
      case when f % 97 = 3 then null else jsonb_build_object('accuracy', 0.8 + (f % 200) / 1000.0) end,
      'ml', t0 + k * interval '5 minutes', t0 + interval '12 minutes' - k * interval '1 minute', t0,
      case k when 1 then ${int(b.contexts)}::bigint + 2 * i end
    from fam, generate_series(0, 1) k, lateral (select case k when 0 then wf else child_wf end as w,
      case k when 0 then run else child_run end as r) n`;
  // Pipelines are joined (not looked up per row): during a bulk load their index may be gone.
  const parents = sql`insert into parent_contexts (child_id, parent_id)
    select ${int(b.contexts)}::bigint + 2 * (f - ${int(b.from)}) + k,
      case when p = 1 then ${int(b.contexts)}::bigint + 2 * (f - ${int(b.from)}) else pipe.id end
    from generate_series(${int(b.from)}, ${int(b.to - 1)}) f, generate_series(0, 1) k, generate_series(0, k) p
    join contexts pipe on pipe.type = 'pipeline'
    where pipe.name = case k when 0 then 'trainingPipeline-' || f % ${int(PIPELINES)} else 'hyperparameterSearch' end`;
  const stepStart = sql`t0 + step * interval '30 seconds' + (attempt - 1) * interval '10 seconds'`;
  const inputDigest = sql`${digest(sql`'in' || case when step = 0 then (f % ${int(SHARED_DATASETS)})::text else f || '-' || step end`)}`;
  const executions = sql`with ${families(b)}, ${slots(b)}
    insert into executions (id, workflow_id, run_id, activity_id, attempt, activity_type, task_queue, worker_identity,
      build_id, state, started_at, ended_at, error, input_digest, output_digest, cache_key, created_at)
    overriding system value
    select eid, case when step < 10 then wf else child_wf end, case when step < 10 then run else child_run end,
      (step % 10 + 1)::text, attempt, (${literalArray(ACTIVITY_TYPES)})[step + 1], 'ml', (1000 + f % 8) || '@worker-' || f % 4,
      'build-' || (f / 5000), case when failed then 'FAILED' else 'COMPLETE' end,
      ${stepStart}, ${stepStart} + (200 + (f * 7 + step * 13) % 5000) * interval '1 millisecond',
      case when failed then jsonb_build_object('type', 'TransientError', 'message', 'connection reset by peer') end,
      ${inputDigest}, case when not failed then ${digest(sql`'out' || f || '-' || step`)} end,
      ${digest(sql`(${literalArray(ACTIVITY_TYPES)})[step + 1] || ${inputDigest}`)}, ${stepStart}
    from slot`;
  const typed = sql`case when s = any(${literalArray(MODEL_STEPS)}) then 'Model'
    when s = any(${literalArray(METRICS_STEPS)}) then 'Metrics' else 'Dataset' end`;
  const artifacts = sql`with ${families(b)}, steps as (
      select fam.*, s as step, ${int(b.artifacts)}::bigint + 2 * (${int(STEPS)} * i + s) as aid, ${typed} as kind,
        t0 + s * interval '30 seconds' as t from fam, generate_series(0, ${int(STEPS - 1)}) s
    ), typed as (
      select steps.*, case kind
        when 'Metrics' then jsonb_build_object('kind', 'Metrics', 'accuracy', 0.7 + (f * 31 + step) % 300 / 1000.0,
          'loss', (f * 17 + step) % 1000 / 1000.0, 'testRows', 4500, 'evaluatedOn', 'split-' || ${b.tag}::text || '-' || f || '-' || step)
        else jsonb_build_object('kind', kind, 'name', lower(kind) || '-' || f || '-' || step, 'rows', 1000 + f % 9000,
          'uri', 's3://lake/' || ${b.tag}::text || '/' || f || '/step-' || step || case kind when 'Model' then '.onnx' else '.parquet' end)
        end as v from steps
    ), rows as (
      select aid + 1 as id, kind as type, v->>'uri' as uri, v, t from typed
      union all
      select aid, 'Value', null, jsonb_build_object('output', v, 'durationMs', 200 + f % 5000, 'step', step), t from typed
    )
    insert into artifacts (id, identity, type, uri, digest, value_digest, value, inline, size_bytes, created_at)
    overriding system value
    select id, ${hex(sql`type || '|' || coalesce(uri, '') || '|' || v::text`)}, type, uri,
      ${digest(sql`v::text`)}, ${digest(sql`v::text`)}, v, true, octet_length(v::text), t
    from rows`;
  const param = sql`${int(b.params)}::bigint + step * ${int(PARAM_CONFIGS)} + case when step = 0 then f % ${int(STEP0_CONFIGS)} else (f * 31 + step) % ${int(PARAM_CONFIGS)} end`;
  const prev = sql`case when step = 0 then ${int(b.datasets)}::bigint + f % ${int(SHARED_DATASETS)}
    else ${int(b.artifacts)}::bigint + 2 * (${int(STEPS)} * i + step - 1) + 1 end`;
  const out = sql`${int(b.artifacts)}::bigint + 2 * (${int(STEPS)} * i + step)`;
  // The completed attempt of the step before wrote `prev` (slot s - 1); the shared parameters and
  // source datasets come from outside the run, so they have no producer.
  const producer = sql`case when step = 0 then null else ${int(b.executions)}::bigint + ${int(SLOTS)} * i + step - 1 end`;
  const events = sql`with ${families(b)}, ${slots(b)}
    insert into events (execution_id, artifact_id, type, path, producer_execution_id, created_at)
    select eid, e.artifact_id, e.type, e.path, e.producer, t0 + step * interval '30 seconds' from slot, lateral (values
      (${param}, 'INPUT', 'args[0]', null::bigint), (${prev}, 'INPUT', 'args[1]', ${producer}),
      (case when not failed then ${out} end, 'OUTPUT', 'result', null),
      (case when not failed then ${out} + 1 end, 'OUTPUT', 'result.' || case when step = any(${literalArray(MODEL_STEPS)}) then 'model' else 'output' end, null)
    ) e(artifact_id, type, path, producer)
    where e.artifact_id is not null`;
  const run = sql`${int(b.contexts)}::bigint + 2 * i + case when step < 10 then 0 else 1 end`;
  const associations = sql`with ${families(b)}, ${slots(b)}
    insert into associations (context_id, execution_id) select ${run}, eid from slot`;
  return [runs, parents, executions, artifacts, events, associations];
}
