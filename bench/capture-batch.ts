/**
 * One batch of the capture bench, in a process of its own: a fresh Temporal dev server, one
 * Worker (with the plugin or without), a warm-up, then the measured batch. The parent forks this
 * file once per batch and gets the batch's figures back over IPC.
 *
 * A process per batch because batches run one after another in one process drifted: over the 96
 * batches of a bench, the same store writes cost the worker 0.72 ms of CPU per attempt at the end
 * against 0.30 ms in a fresh process, and a batch ran slower the later it came, so whichever mode
 * tended to follow another read as costlier (the baseline measured against itself gave × 0.94).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import postgres from 'postgres';
import type * as Lineage from '../src';
import { startQuietDevServer } from '../scripts/quiet-dev-server';
import { benchParams, createBenchActivities, Timings } from './activities';
import { cpuNow, cpuSince, type CpuSample, type Pids } from './cpu-sample';
import { findPostmaster, findTemporalServer } from './process-cpu';
import type { benchChain } from './workflows';

/** What the Worker of a batch runs: no plugin, or the plugin with one way to commit. */
export type Mode = 'baseline' | 'baseline-again' | 'before-result' | 'batched';

export interface BatchSpec {
  readonly mode: Mode;
  readonly chains: number;
  readonly steps: number;
  /** Steps of the warm-up batch, run first on the same Worker; not gated, reported apart. */
  readonly warmSteps: number;
  /** Names the batch in workflow ids and task queues (`r3`). */
  readonly label: string;
  readonly tag: string;
  readonly databaseUrl: string;
  readonly postgresPort: string;
  /** A file holding the workflow bundle's code (bundling once, in the parent, takes seconds). */
  readonly bundleFile: string;
  /** The compiled package's entry point, which the Worker loads the plugin from (see installed-package.ts). */
  readonly pluginModule: string;
  /** Time one committed insert into `bench_probe` as each activity starts (see Timings). */
  readonly probe: boolean;
}

export interface Batch {
  activities: number;
  ms: number;
  /** Per activity, as the workflow saw it (schedule to result). */
  e2eMs: number[];
  /** Per activity: time in the Worker's activity interceptor chain minus the body. */
  overheadMs: number[];
  /** Baseline only: one committed Postgres write issued as each activity starts (see Timings). */
  probeMs: number[];
  cpu: CpuSample;
  /** The warm-up batch before it, on the same fresh Worker: what its first activities cost. */
  warmup: Pick<Batch, 'activities' | 'ms' | 'cpu'>;
}

const CHILD_FLAG = '--capture-batch';

/** The plugin's exports from a compiled entry point, typed as the sources they are built from. */
export function loadPlugin(entry: string): typeof Lineage {
  return createRequire(__filename)(entry) as typeof Lineage;
}

/** Runs `spec` in a child process (this file, forked) and resolves with its batch. */
export function runBatchInChild(spec: BatchSpec): Promise<Batch> {
  // fork() passes this process's execArgv on, so the child loads TypeScript as the bench does.
  const child = fork(__filename, [CHILD_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<Batch>((resolve, reject) => {
    let batch: Batch | undefined;
    child.on('message', (message: { batch?: Batch; error?: string }) => {
      if (message.error) reject(new Error(`capture batch ${spec.mode} ${spec.label}: ${message.error}`));
      batch = message.batch;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (batch) resolve(batch);
      else
        reject(new Error(`capture batch ${spec.mode} ${spec.label} exited with code ${code} and no result`));
    });
    child.send(spec);
  });
}

async function runBatch(
  client: Client,
  pids: Pids,
  spec: BatchSpec,
  taskQueue: string,
  timings: Timings,
  steps: number,
  label: string,
): Promise<Omit<Batch, 'warmup'>> {
  const { chains } = spec;
  const params = benchParams();
  timings.overheadMs = [];
  timings.probeMs = [];
  const cpu = cpuNow(pids);
  const started = performance.now();
  const handles = await Promise.all(
    Array.from({ length: chains }, (_, chain) =>
      client.workflow.start<typeof benchChain>('benchChain', {
        taskQueue,
        workflowId: `bench-${spec.tag}-c${chains}-${spec.mode}-${label}-${chain}`,
        args: [{ chain, steps, params }],
      }),
    ),
  );
  const latencies = await Promise.all(handles.map((handle) => handle.result()));
  const batch = {
    activities: chains * steps,
    ms: performance.now() - started,
    cpu: cpuSince(cpu, pids),
    e2eMs: latencies.flat(),
    overheadMs: timings.overheadMs,
    probeMs: timings.probeMs,
  };
  if (batch.overheadMs.length !== batch.activities)
    throw new Error(`${label}: ${batch.overheadMs.length} activities timed, expected ${batch.activities}`);
  return batch;
}

/** The child: a dev server and a Worker of `spec.mode`, a warm-up batch, then the measured one. */
async function child(spec: BatchSpec): Promise<Batch> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await startQuietDevServer();
  const connection = await NativeConnection.connect({ address: server.address });
  const probeClient = spec.probe ? postgres(spec.databaseUrl, { max: 10, onnotice: () => {} }) : undefined;
  try {
    const client = new Client({ connection: server.connection, namespace: server.namespace });
    const pids: Pids = {
      temporal: findTemporalServer(server.address.split(':').pop()!),
      postgres: findPostmaster(spec.postgresPort),
    };
    const baseline = spec.mode === 'baseline' || spec.mode === 'baseline-again';
    const plugin = baseline
      ? undefined
      : new (loadPlugin(spec.pluginModule).LineagePlugin)({
          databaseUrl: spec.databaseUrl,
          commit: spec.mode,
        });
    const timings = new Timings(
      probeClient && (() => probeClient`insert into bench_probe (at) values (now())`.execute()),
    );
    const taskQueue = `bench-${spec.tag}-c${spec.chains}-${spec.mode}-${spec.label}`;
    const worker = await Worker.create({
      connection,
      namespace: server.namespace,
      taskQueue,
      workflowBundle: { code: readFileSync(spec.bundleFile, 'utf8') },
      activities: createBenchActivities(timings),
      interceptors: { activity: [timings.interceptor()] },
      plugins: plugin ? [plugin] : [],
      maxConcurrentActivityTaskExecutions: spec.chains,
      maxConcurrentWorkflowTaskExecutions: Math.max(40, spec.chains),
    });
    const running = worker.run();
    try {
      const { activities, ms, cpu } = await runBatch(
        client,
        pids,
        spec,
        taskQueue,
        timings,
        spec.warmSteps,
        `warmup-${spec.label}`,
      );
      const measured = await runBatch(client, pids, spec, taskQueue, timings, spec.steps, spec.label);
      return { ...measured, warmup: { activities, ms, cpu } };
    } finally {
      worker.shutdown();
      await running;
      // The worker flushed the plugin's records as it stopped; the pool goes with the process.
      if (plugin) await (await plugin.store()).close();
    }
  } finally {
    await probeClient?.end({ timeout: 5 });
    await connection.close();
    await server.teardown();
  }
}

if (process.argv.includes(CHILD_FLAG) && process.send) {
  process.once('message', (spec: BatchSpec) => {
    child(spec).then(
      (batch) => process.send!({ batch }, () => process.exit(0)),
      (error: unknown) => {
        process.send!(
          { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
          () => process.exit(1),
        );
      },
    );
  });
}
