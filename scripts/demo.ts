/**
 * `npm run demo`: trains an Iris classifier through the example Temporal pipeline with the
 * lineage plugin on the Worker, then prints what was recorded — the run, every activity attempt,
 * and the registered model's provenance back to the raw data set.
 *
 * Needs no database server: lineage goes to the embedded PGlite store in `.lineage/`, which
 * keeps growing run after run. Temporal is a throwaway local dev server.
 */
import { basename, relative } from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createMlActivities } from '../activities';
import type { TrainingPipelineResult } from '../workflows/training-pipeline';
import type { DevServer } from '../dev/dev-server';
import {
  getChildRuns,
  getRun,
  getRunExecutions,
  LineagePlugin,
  listRuns,
  openStore,
  upstreamOf,
  type ArtifactRow,
  type CodeIdentity,
  type EnvironmentFacts,
  type ExecutionWithArtifacts,
  type LineageStore,
} from '../src';
import { formatMs, formatTable } from './format-table';
import { startQuietDevServer } from './quiet-dev-server';

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

/** A one-line preview of a stored value: nested objects collapse to `{…}`, numbers to 4 digits. */
function preview(value: unknown, depth = 0): string {
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  if (Array.isArray(value))
    return depth > 0 ? '[…]' : `[${value.map((v) => preview(v, depth + 1)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    if (depth > 0) return '{…}';
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${preview(v, depth + 1)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

function describeArtifact(artifact: ArtifactRow): string {
  if (artifact.uri)
    return `${artifact.type.padEnd(8)} ${shortUri(artifact.uri)}  sha256:${shortDigest(artifact.digest)}`;
  const text =
    artifact.value === null ? `(${artifact.sizeBytes} bytes, not inline)` : preview(artifact.value);
  return `${artifact.type.padEnd(8)} ${text.length > 72 ? `${text.slice(0, 71)}…` : text}`;
}

/** What an execution produced, for the table: typed outputs only (file name, or accuracy). */
function typedOutputs(execution: ExecutionWithArtifacts): string {
  return execution.outputs
    .filter((o) => o.artifact.type !== 'Value')
    .map(({ artifact }) => {
      if (artifact.uri) return `${artifact.type} ${basename(artifact.uri)}`;
      const accuracy = (artifact.value as { accuracy?: unknown } | null)?.accuracy;
      return typeof accuracy === 'number'
        ? `${artifact.type} accuracy=${accuracy.toFixed(3)}`
        : artifact.type;
    })
    .join(', ');
}

async function runPipeline(
  server: DevServer,
  plugin: LineagePlugin,
): Promise<{ name: string; result: TrainingPipelineResult }> {
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

async function printRun(store: LineageStore, runName: string): Promise<ExecutionWithArtifacts[]> {
  const run = await getRun(store, runName);
  const { runs: pastRuns, nextCursor } = await listRuns(store, {
    workflowType: 'trainingPipeline',
    limit: 1000,
  });
  const runCount = `${pastRuns.length}${nextCursor ? '+' : ''} run${pastRuns.length === 1 ? '' : 's'}`;
  console.log(`\nRun ${run.name}`);
  console.log(
    `  status ${run.status}   duration ${duration(run.startedAt, run.endedAt)}   ` +
      `pipeline ${run.workflowType} (${runCount} in the store)`,
  );

  const children = await getChildRuns(store, run.id);
  const labelled: Array<{ label: string; execution: ExecutionWithArtifacts }> = [];
  for (const execution of await getRunExecutions(store, run.name))
    labelled.push({ label: 'pipeline', execution });
  for (const child of children) {
    console.log(
      `  child run ${child.name}   ${child.workflowType} ${child.status} in ${duration(child.startedAt, child.endedAt)}`,
    );
    for (const execution of await getRunExecutions(store, child.name))
      labelled.push({ label: 'search', execution });
  }
  labelled.sort((a, b) => a.execution.startedAt.getTime() - b.execution.startedAt.getTime());

  const rows = labelled.map(({ label, execution: e }) => [
    label,
    e.activityType,
    String(e.attempt),
    e.state,
    duration(e.startedAt, e.endedAt),
    typedOutputs(e),
  ]);
  console.log(`\nExecutions (${rows.length} activity attempts)`);
  console.log(
    formatTable(['run', 'activity', 'attempt', 'state', 'duration', 'typed outputs'], rows, {
      align: ['left', 'left', 'right', 'left', 'right', 'left'],
    }),
  );
  return labelled.map((l) => l.execution);
}

/** The registered model's provenance, one producer step per hop, within this run and its child. */
async function printProvenance(store: LineageStore, family: ExecutionWithArtifacts[]): Promise<void> {
  const register = family.find((e) => e.activityType === 'registerModel');
  const model = register?.outputs.find((o) => o.path === 'result')?.artifact;
  if (!model) throw new Error('the run recorded no registered model');
  // Within this run: equal content (the same model file, trained again from the same seed) was
  // registered by earlier demo runs too, and their steps are not this model's provenance.
  const steps = await upstreamOf(store, model.id, {
    withinRun: `${register.workflowId}/${register.runId}`,
  });
  console.log(
    `\nProvenance of the registered model, back to the raw data (upstreamOf, ${steps.length} executions upstream)`,
  );
  console.log(`  ${describeArtifact(model).replace(/ +/, ' ')}`);
  for (const { hops, execution } of steps) {
    console.log(
      `  hop ${hops}  ${execution.activityType} (attempt ${execution.attempt}, ${execution.state}) read:`,
    );
    for (const input of execution.inputs)
      console.log(`          ${input.path.padEnd(16)} ${describeArtifact(input.artifact)}`);
  }
}

/** The code and environment the run's executions recorded by themselves: nothing was declared. */
function printCodeAndEnvironment(family: ExecutionWithArtifacts[]): void {
  const withCode = family.filter((e) => e.code && e.environment);
  const first = withCode[0];
  if (!first) throw new Error('the run recorded no code or environment');
  const code = first.code!.value as CodeIdentity;
  const env = first.environment!.value as EnvironmentFacts;
  const commit = code.git.commit
    ? `${code.git.commit.slice(0, 12)}${code.git.dirty ? ` + uncommitted changes (${code.git.diffDigest?.slice(0, 19) ?? 'not digested'})` : ' (clean)'}`
    : 'not a git checkout';
  console.log(`\nCode and environment (recorded once per Worker, linked to every execution)`);
  console.log(`  commit       ${commit}`);
  console.log(`  package      ${code.package.name ?? '?'}@${code.package.version ?? '?'}`);
  console.log(`  bundle       ${code.workflowBundle?.slice(0, 19) ?? 'unknown'}`);
  const functions = new Map(withCode.map((e) => [e.activityType, (e.code!.value as CodeIdentity).function]));
  for (const [type, digest] of [...functions].sort())
    console.log(`  function     ${type.padEnd(16)} ${digest?.slice(0, 19) ?? 'not registered by name'}`);
  console.log(
    `  environment  Node ${env.node} on ${env.os.platform}/${env.os.arch} ${env.os.release}, ` +
      `${env.cpu.count} x ${env.cpu.model}, ${(env.memoryBytes / 1024 ** 3).toFixed(1)} GiB, ` +
      `@temporalio/worker ${env.temporal['@temporalio/worker'] ?? '?'}, ` +
      `${Object.keys(env.dependencies).length} dependencies (${env.lockfile?.file ?? 'no lockfile'})`,
  );
  const environments = new Set(withCode.map((e) => e.environment!.id));
  console.log(
    `  artifacts    Environment #${[...environments].join(', #')}, ` +
      `${new Set(withCode.map((e) => e.code!.id)).size} Code artifacts for ${functions.size} activity types`,
  );
}

async function main(): Promise<void> {
  let t = performance.now();
  const server = await startQuietDevServer();
  console.log(`Temporal dev server ${server.address} started in ${elapsed(t)}`);
  let store: LineageStore | undefined;
  try {
    const plugin = new LineagePlugin({ dataDir: LINEAGE_DIR });
    // The plugin opens its store lazily, which would make the first workflow task wait for
    // PGlite to start (and migrate a new folder); opening it up front keeps the run's timing honest.
    t = performance.now();
    await plugin.store();
    console.log(`lineage store ${LINEAGE_DIR}/ (embedded PGlite) opened in ${elapsed(t)}`);
    const { name, result } = await runPipeline(server, plugin);
    console.log(
      `  -> registered ${result.registered.registeredName}: ${result.model.algorithm} ` +
        `${JSON.stringify(result.model.params)}, test accuracy ${result.metrics.accuracy.toFixed(3)}`,
    );
    // The plugin closed the store when the Worker stopped; this process opens it again to read.
    store = await openStore({ dir: LINEAGE_DIR });
    const family = await printRun(store, name);
    printCodeAndEnvironment(family);
    const registered = family
      .find((e) => e.activityType === 'registerModel')
      ?.outputs.find((o) => o.path === 'result')?.artifact;
    await printProvenance(store, family);
    console.log(
      `\nLineage is in ${LINEAGE_DIR}/ (embedded PGlite), the ML files in ${DATA_DIR}/; run the demo again to add a run.\n` +
        `Inspect more: npm run lineage -- show ${name.split('/')[0]}   |   npm run lineage -- trace a${registered?.id ?? '<id>'} --run ${name.split('/')[0]}   |   npm run lineage -- ui`,
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
