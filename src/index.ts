/**
 * temporal-lineage: automatic ML-pipeline lineage for Temporal.
 *
 * Add {@link LineagePlugin} to a Worker to record every activity attempt; open the store with
 * {@link openStore} to read what was recorded.
 */

/** The Worker plugin that records lineage. */
export { LineagePlugin } from './plugin';
/** The plugin's options and their zod schema (the single source of truth for them). */
export { LineagePluginOptionsSchema } from './options';
export type { LineagePluginOptions, ResolvedLineageOptions } from './options';

/** Opens a store (Postgres URL, PGlite folder, or in-memory PGlite) and applies migrations. */
export { openStore } from './store/open-store';
export type { LineageStore, StoreLocation, LineageDb } from './store/open-store';

/** Rows as the query API returns them. */
export type { RunRow, ExecutionRow, ArtifactRow, EventArtifact, ExecutionWithArtifacts } from './query/rows';
/**
 * Runs, newest first, filtered by pipeline, status (a list is an OR), start time and the fields
 * of artifacts they read or wrote; cursor-paged. See {@link listRuns}.
 *
 * @example
 * const { runs, nextCursor } = await listRuns(store, {
 *   workflowType: 'hyperparameterSearch',
 *   artifact: { type: 'Metrics', field: 'accuracy', op: '>', value: 0.9, side: 'output' },
 * });
 */
export { listRuns, RunQuerySchema } from './query/runs';
export type { RunQuery, RunPage, RunSummary } from './query/runs';
/** The key metrics of runs for a listing: each numeric Metrics field their own steps read or wrote, as a range. */
export { runMetricSummaries } from './query/run-metrics';
export type { MetricSummary } from './query/run-metrics';
/** Every pipeline (workflow type) with recorded runs, most recently run first, with its run count. */
export { listPipelines } from './query/pipelines';
export type { PipelineSummary } from './query/pipelines';
/** The artifact filter of {@link listRuns}: a field of an artifact's stored value compared with a constant. */
export { ArtifactFilterSchema } from './query/artifact-filter';
export type { ArtifactFilter } from './query/artifact-filter';
/** One run by `workflowId/runId`, workflow id (latest run) or unique prefix; ambiguity and typos are typed errors. */
export { getRun } from './query/get-run';
/**
 * A run in detail (pipeline, parent, children, executions with inputs and outputs), and its parts.
 *
 * @example
 * const { run, childRuns, executions } = await describeRun(store, 'iris-training-20250101-120000');
 */
export { describeRun, getRunExecutions, getExecution, getParents, getChildRuns } from './query/run-detail';
export type { RunDetail } from './query/run-detail';
/**
 * Artifacts by type, URI (exact or prefix) and digest, cursor-paged; one artifact; its producers and consumers.
 *
 * @example
 * const { artifacts } = await findArtifacts(store, { type: 'Model', uriPrefix: 'file:///srv/models/' });
 * const { producers, consumers } = await getArtifactUsage(store, artifacts[0]!.id);
 */
export { findArtifacts, getArtifact, getArtifactUsage, ArtifactQuerySchema } from './query/artifacts';
export type { ArtifactQuery, ArtifactPage, ArtifactSummary } from './query/artifacts';
/**
 * Lineage graph walks from an artifact, an execution or a run: upstream, downstream or both,
 * with a hop limit, a node limit per page and cursor paging. See {@link traceLineage}.
 *
 * @example
 * const graph = await traceLineage(store, { artifactId: model.id }, { direction: 'upstream', maxHops: 10 });
 * const datasets = graph.nodes.filter((n) => n.kind === 'artifact' && n.type === 'Dataset');
 */
export { traceLineage, LineageStartSchema, LineageOptionsSchema } from './query/lineage';
export type {
  LineageStart,
  LineageOptions,
  LineageGraph,
  LineageNode,
  ArtifactNode,
  ExecutionNode,
  LineageEdge,
} from './query/lineage';
/** The executions upstream of an artifact with their inputs, nearest producer step first (a view of {@link traceLineage}). */
export { upstreamOf } from './query/upstream';
export type { UpstreamStep } from './query/upstream';
/**
 * "Which data and parameters produced this model?" in one answer: the datasets and the
 * plain-value parameters upstream of an artifact (a view of {@link upstreamOf}).
 *
 * @example
 * const { datasets, parameters } = await provenanceOf(store, model.id);
 */
export { provenanceOf } from './query/provenance';
export type { Provenance, ProvenanceDataset, ProvenanceParameter } from './query/provenance';
/**
 * What changed between two runs: steps, parameters, input data, code, outputs and metric deltas.
 *
 * @example
 * const diff = await diffRuns(store, 'iris-training-a', 'iris-training-b');
 * for (const m of diff.metrics) console.log(m.step, m.field, m.a, '->', m.b);
 */
export { diffRuns } from './query/diff';
export type {
  RunDiff,
  DiffRun,
  StepChange,
  ParameterChange,
  ArtifactChange,
  ArtifactRef,
  CodeChange,
  MetricDelta,
  StepEnd,
  Missing,
} from './query/diff';
/** Per-step code changes and environment changes, as {@link diffRuns} lists them. */
export type { StepCodeChange, EnvironmentChange } from './query/diff-code';
/** What the diff and compare APIs say where a run lacks a step, leaf or artifact: `'missing'`. */
export { MISSING } from './query/diff';
/**
 * Two or more runs side by side: every parameter that differs in any of them and every Metrics
 * field, one column per run; steps are paired across all the runs at once, and a run that lacks one shows `'missing'`.
 *
 * @example
 * const { runs, metrics } = await compareRuns(store, ['iris-a', 'iris-b', 'iris-c']);
 */
export { compareRuns, CompareRunsSchema } from './query/compare';
export type { RunComparison, ParameterRow, MetricRow } from './query/compare';
/**
 * The local web page and its read-only JSON API (what `lineage ui` serves), on an open store.
 *
 * @example
 * const ui = await startUiServer({ store, port: 0 }); // 127.0.0.1 unless `host` says otherwise
 * console.log(`open ${ui.url}`);
 */
export { startUiServer, DEFAULT_UI_PORT } from './ui/server';
export type { UiServer, UiServerOptions } from './ui/server';
/**
 * Graph renderings of a {@link LineageGraph}: Graphviz DOT and Mermaid.
 *
 * @example
 * const graph = await traceLineage(store, { run: 'iris-training-a' }, { direction: 'both', maxHops: 1 });
 * writeFileSync('run.dot', toDot(graph));
 */
export { toDot } from './export/dot';
export { toMermaid } from './export/mermaid';
/**
 * The store as OpenLineage 2-0-2 RunEvents (START and COMPLETE/FAIL/ABORT per workflow run and
 * activity attempt), with stable run ids.
 *
 * @example
 * for await (const event of openLineageEvents(store, { namespace: 'ml' })) console.log(JSON.stringify(event));
 */
export { openLineageEvents, OpenLineageExportOptionsSchema } from './export/openlineage';
export type { OpenLineageExportOptions } from './export/openlineage';
export type { OpenLineageRunEvent, OpenLineageDataset } from './export/openlineage-model';
/**
 * Rerun from recorded inputs: one execution (on its original task queue, executed by your
 * worker), or a whole run, optionally from a step whose earlier steps return their recorded
 * outputs; each with a reproducibility verdict. See {@link rerunExecution} and {@link startRunRerun}.
 *
 * @example
 * const client = new Client({ connection: await Connection.connect() });
 * const { verdict } = await rerunExecution({ store, client, execution: 42 });
 * const rerun = await startRunRerun({ store, client, run: 'iris-training', from: 'trainModel' });
 * console.log(rerun.name, formatVerdict((await rerun.result()).verdict));
 */
export { rerunExecution } from './rerun/rerun-execution';
export type { ExecutionRerunResult } from './rerun/rerun-execution';
export { startRunRerun, rerunRun, prepareRunRerun } from './rerun/rerun-run';
export type { RunRerunHandle, RunRerunResult, RerunStep, PreparedRunRerun } from './rerun/rerun-run';
/**
 * The plan of a run rerun, computed before anything starts: per step of the original run tree,
 * reuse its recorded output or run it again, and why (digest-only result, marker kept instead of
 * the value, not COMPLETE, at or after `from`). `lineage rerun run --dry-run` prints it.
 *
 * @example
 * const prepared = await prepareRunRerun({ store, client, run: 'iris-training', from: 'trainModel' });
 * console.log(formatPlan(prepared.plan));
 * const rerun = await prepared.start();
 */
export { formatPlan } from './rerun/plan';
export type { RerunPlan, PlannedStep } from './rerun/plan';
/** A run rerun's verdict: every step's output artifacts (file contents included) and the result, step by step. */
export { formatRunVerdict } from './rerun/run-verdict';
export type { RunVerdict, StepVerdict } from './rerun/run-verdict';
export { RerunExecutionOptionsSchema, RerunRunOptionsSchema } from './rerun/options';
export type { RerunExecutionOptions, RerunRunOptions } from './rerun/options';
/** The reproducibility verdict: per output path, same / changed / added / removed, and how the CLI prints it. */
export { compareOutputs, formatVerdict } from './rerun/verdict';
export type { RerunVerdict, OutputComparison, OutputSnapshot } from './rerun/verdict';
/**
 * Retention: removes runs that ended before a cutoff, with the executions and artifacts nothing
 * else uses, while pinned artifacts (by id, URI or URI prefix, or every artifact of a type) and
 * everything upstream of them survive. `lineage gc` runs it from the command line.
 *
 * @example
 * const report = await collectGarbage(store, { olderThan: '90d', keepTypes: ['Model'], dryRun: true });
 * console.log(`${report.runs} runs and ${report.artifacts} artifacts would go`);
 */
export { collectGarbage } from './retention/gc';
export type { GcReport } from './retention/gc';
export { GcOptionsSchema } from './retention/gc-options';
export type { GcOptions } from './retention/gc-options';
/**
 * What a team says about its runs: `key=value` tags on runs and artifacts, markdown notes on runs,
 * executions and artifacts, and aliases (`production`) that point at one artifact at a time with
 * the history of their moves. Each change records its author (default: `$LINEAGE_AUTHOR`, else
 * the OS user) and time.
 *
 * @example
 * await setTag(store, { run: 'iris-training' }, 'reviewed', 'yes');
 * await addNote(store, { run: 'iris-training' }, 'Best so far; **ship it**.');
 * await setAlias(store, 'production', 12, { author: 'ana' });
 * const { runs } = await listRuns(store, { tag: { key: 'reviewed', op: '=', value: 'yes' } });
 */
export { setTag, removeTag, listTags } from './annotations/tags';
export type { Tag } from './annotations/tags';
export { addNote, listNotes } from './annotations/notes';
export type { Note } from './annotations/notes';
export { setAlias, removeAlias, resolveAlias, listAliases, aliasHistory } from './annotations/aliases';
export type { Alias, AliasMove } from './annotations/aliases';
export type { Subject } from './annotations/subjects';
export type { TagFilter } from './query/annotation-filter';
/** The plugin's `cache` option entry for one activity type. */
export type { CacheSetting } from './options';
/** Execution states and run statuses. */
export { EXECUTION_STATES, RUN_STATUSES } from './store/schema';
export type { ExecutionState, RunStatus } from './store/schema';

/** Typed artifact recognition: the built-in types and the shape of a user-defined one. */
export { builtInArtifactTypes, VALUE_TYPE } from './artifacts/types';
export type { ArtifactType } from './artifacts/types';
/**
 * Locations recognised without a `kind` (`file://` URIs, existing absolute paths, `s3://`, `gs://`,
 * `http(s)://`) are `File` artifacts; a resolver supplies the digest of a remote scheme's URI.
 */
export { FILE_TYPE } from './artifacts/locations';
export type { ArtifactResolver } from './artifacts/file-digest';
/**
 * Every execution's code and environment are INPUT events at these reserved paths, to `Code` and
 * `Environment` artifacts; the query API returns them as `execution.code` and `execution.environment`.
 */
export { CODE_PATH, CODE_TYPE, ENVIRONMENT_PATH, ENVIRONMENT_TYPE } from './artifacts/tracked-paths';
export type { CodeIdentity } from './capture/code-tracking';
export type { WorkerFacts, GitFacts, PackageFacts, EnvironmentFacts } from './capture/worker-facts';
/** The reversible value encoding and its digest, as stored in `artifacts.value`. */
export { encodeValue, decodeValue } from './artifacts/encode';
export type { EncodedValue } from './artifacts/encode';
export { valueDigest } from './artifacts/digest';

/** Errors: every one extends {@link LineageError}. */
export {
  LineageError,
  LineageOptionsError,
  LineageStoreError,
  LineageStoreInUseError,
  LineageNotFoundError,
} from './errors';
/** A run prefix matched several runs ({@link LineageAmbiguousError}); the store has nothing recorded yet ({@link LineageEmptyStoreError}). */
export { LineageAmbiguousError, LineageEmptyStoreError } from './errors';
/** Why a rerun could not start or give a verdict; every one extends {@link LineageRerunError}. */
export {
  LineageRerunError,
  RerunInputNotReplayableError,
  RerunOverrideError,
  RerunNoWorkerError,
  RerunOriginalRunningError,
  RerunActivityNotRegisteredError,
  RerunStepNotFoundError,
  RerunFailedError,
  RerunConverterError,
} from './errors';
/** The error type of an attempt failed by `onStoreError: 'fail'`. */
export { STORE_UNAVAILABLE } from './capture/recorder';
/**
 * Reconciliation: RUNNING executions whose run or attempt Temporal reports over (or that are older
 * than a threshold) become ABANDONED, COMPLETE executions whose attempt Temporal's history shows
 * failed or retried become FAILED, runs left RUNNING get Temporal's status, and a worker's outbox
 * can be written into the store. `lineage reconcile` runs it from the command line.
 *
 * @example
 * const { abandoned } = await reconcile({ store, client, olderThanMs: 24 * 3600_000 });
 */
export { reconcile, ReconcileOptionsSchema } from './store/reconcile';
export type { ReconcileOptions, ReconcileResult, AbandonedExecution } from './store/reconcile';
export type { CorrectedExecution } from './store/reconcile-completed';
/**
 * The keys whose values are redacted by default (the `redactKeys` option); extend them with
 * `redactKeys: [...DEFAULT_REDACT_KEYS, 'ssn']`.
 */
export { DEFAULT_REDACT_KEYS } from './artifacts/redact';
export type { RedactHook } from './artifacts/redact';
