/**
 * `npm run demo`: trains an Iris classifier through the example Temporal pipeline with the
 * lineage plugin on the Worker, then prints what was recorded — the run, every activity attempt,
 * and the registered model's provenance back to the raw data set.
 *
 * Needs no database server: lineage goes to the embedded PGlite store in `.lineage/`, which
 * keeps growing run after run. Temporal is a throwaway local dev server.
 */
import { relative } from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createMlActivities } from '../activities';
import type { TrainingPipelineResult } from '../workflows/training-pipeline';
import { startDevServer, type DevServer } from '../src/dev/dev-server';
import {
  getChildRuns,
  getRun,
  getRunExecutions,
  LineagePlugin,
  listRuns,
  openStore,
  upstreamOf,
  type ArtifactRow,
  type ExecutionWithArtifacts,
  type LineageStore,
  type RunRow,
} from '../src';
import { formatMs, formatTable } from './format-table';

// Before anything creates the Runtime: the Worker's INFO lines would drown the summary.
Runtime.install({ logger: new DefaultLogger('WARN') });

const LINEAGE_DIR = '.lineage';
const DATA_DIR = '.demo-data';
const TASK_QUEUE = 'lineage-demo';

const started = performance.now();
const elapsed = (since: number) => formatMs(performance.now() - since);

function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function duration(from: Date | null, to: Date | null): string {
  return from && to ? formatMs(to.getTime() - from.getTime()) : '—';
}

/** Paths under the working directory are shown relative to it, the rest as they are. */
function shortUri(uri: string): string {
  if (!uri.startsWith('file://')) return uri;
  const path = relative(process.cwd(), new URL(uri).pathname);
  return path.startsWith('..') ? uri : path;
}

function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

function describeArtifact(artifact: ArtifactRow): string {
  if (artifact.uri) return `${artifact.type.padEnd(8)} ${shortUri(artifact.uri)}  ${shortDigest(artifact.digest)}`;
  const json = artifact.value === null ? `(${artifact.sizeBytes} bytes, not inline)` : JSON.stringify(artifact.value);
  const preview = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  return `${artifact.type.padEnd(8)} ${preview}`;
}

async function runPipeline(server: DevServer, plugin: LineagePlugin): Promise<{ name: string; result: TrainingPipelineResult }> {
  const connection = await NativeConnection.connect({ address: server.address });
  try {
    const worker = await Worker.create({
      connection,
      namespace: server.namespace,
      taskQueue: TASK_QUEUE,
      workflowsPath: require.resolve('../workflows'),
      activities: createMlActivities({ dataDir: DATA_DIR }),
      plugins: [plugin],
    });
    const client = new Client({ connection: server.connection, namespace: server.namespace });
    const workflowId = `iris-training-${timestamp()}`;
    // runUntil stops the Worker when the workflow is done; the plugin then closes its store.
    return await worker.runUntil(async () => {
      const t = performance.now();
      const handle = await client.workflow.start('trainingPipeline', {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [{ seed: 42 }],
      });
      const result = (await handle.result()) as TrainingPipelineResult;
      console.log(`ran trainingPipeline ${workflowId} in ${elapsed(t)}`);
      return { name: `${workflowId}/${handle.firstExecutionRunId}`, result };
    });
  } finally {
    await connection.close();
  }
}

async function printRun(store: LineageStore, runName: string): Promise<{ run: RunRow; family: ExecutionWithArtifacts[] }> {
  const run = await getRun(store, runName);
  const pastRuns = await listRuns(store, { workflowType: 'trainingPipeline', limit: 1000 });
  console.log(`\nRun ${run.name}`);
  console.log(
    `  status ${run.status}   duration ${duration(run.startedAt, run.endedAt)}   ` +
      `pipeline ${run.workflowType} (${pastRuns.length} run${pastRuns.length === 1 ? '' : 's'} in the store)`,
  );

  const children = await getChildRuns(store, run.id);
  const labelled: Array<{ label: string; execution: ExecutionWithArtifacts }> = [];
  for (const execution of await getRunExecutions(store, run.name)) labelled.push({ label: 'pipeline', execution });
  for (const child of children) {
    console.log(`  child run ${child.name}   ${child.workflowType} ${child.status} in ${duration(child.startedAt, child.endedAt)}`);
    for (const execution of await getRunExecutions(store, child.name)) labelled.push({ label: 'search', execution });
  }
  labelled.sort((a, b) => a.execution.startedAt.getTime() - b.execution.startedAt.getTime());

  const rows = labelled.map(({ label, execution: e }) => [
    label,
    e.activityType,
    String(e.attempt),
    e.state,
    duration(e.startedAt, e.endedAt),
    e.outputs
      .filter((o) => o.artifact.type !== 'Value')
      .map((o) => (o.artifact.uri ? `${o.artifact.type} ${shortUri(o.artifact.uri)}` : o.artifact.type))
      .join(', '),
  ]);
  console.log(`\nExecutions (${rows.length} activity attempts)`);
  console.log(
    formatTable(['run', 'activity', 'attempt', 'state', 'duration', 'typed outputs'], rows, {
      align: ['left', 'left', 'right', 'left', 'right', 'left'],
    }),
  );
  return { run, family: labelled.map((l) => l.execution) };
}

/** The registered model's provenance, one producer step per hop, within this run and its child. */
async function printProvenance(store: LineageStore, family: ExecutionWithArtifacts[]): Promise<void> {
  const register = family.find((e) => e.activityType === 'registerModel');
  const model = register?.outputs.find((o) => o.path === 'result')?.artifact;
  if (!model) throw new Error('the run recorded no registered model');
  const ours = new Set(family.map((e) => e.id));
  const steps = await upstreamOf(store, model.id);
  console.log(`\nProvenance of ${describeArtifact(model).replace(/ +/, ' ')}`);
  for (const { hops, execution } of steps.filter((s) => ours.has(s.execution.id))) {
    console.log(`  ${String(hops).padStart(2)}. ${execution.activityType} (attempt ${execution.attempt}) read`);
    for (const input of execution.inputs) console.log(`        ${input.path.padEnd(16)} ${describeArtifact(input.artifact)}`);
  }
  const others = steps.filter((s) => !ours.has(s.execution.id));
  if (others.length > 0) {
    const runs = new Set(others.map((s) => `${s.execution.workflowId}/${s.execution.runId}`));
    console.log(
      `  (+ ${others.length} executions of ${runs.size} other runs that produced these same artifacts — artifacts are shared across runs)`,
    );
  }
}

async function main(): Promise<void> {
  let t = performance.now();
  const server = await startDevServer();
  console.log(`Temporal dev server at ${server.address} (started in ${elapsed(t)})`);
  let store: LineageStore | undefined;
  try {
    const plugin = new LineagePlugin({ dataDir: LINEAGE_DIR });
    t = performance.now();
    const { name, result } = await runPipeline(server, plugin);
    console.log(
      `  -> registered ${result.registered.registeredName}: ${result.model.algorithm} ` +
        `${JSON.stringify(result.model.params)}, test accuracy ${result.metrics.accuracy.toFixed(3)} (worker up to done: ${elapsed(t)})`,
    );
    // The plugin closed its PGlite store when the Worker stopped; PGlite takes one opener per folder.
    store = await openStore({ dir: LINEAGE_DIR });
    await printRun(store, name).then(({ family }) => printProvenance(store!, family));
    console.log(
      `\nLineage is stored in ${LINEAGE_DIR}/ (embedded PGlite; ML files in ${DATA_DIR}/). ` +
        `Read it with openStore({ dir: '${LINEAGE_DIR}' }) and listRuns/getRunExecutions/upstreamOf; run the demo again to add a run.`,
    );
  } finally {
    await store?.close();
    await server.teardown();
  }
  console.log(`done in ${elapsed(started)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
