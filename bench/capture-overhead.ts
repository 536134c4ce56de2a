/**
 * Capture overhead: what the lineage plugin costs a Worker. The same batch of activities runs on
 * a Worker without the plugin (baseline) and on one with `LineagePlugin({ databaseUrl })`,
 * alternating which goes first over several rounds so that drift (JIT, server state, other
 * processes' load) cancels out, at each concurrency, against a local Temporal dev server and a
 * real Postgres server. Every activity carries ~2 KB of parameters and a typed Dataset.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { LineagePlugin, openStore } from '../src';
import { startQuietDevServer } from '../scripts/quiet-dev-server';
import { benchParams, createBenchActivities, Timings } from './activities';
import { printScenario } from './capture-tables';
import { cpuNow, cpuSince, type CpuSample, type Pids } from './cpu-sample';
import { createBenchDatabase, type BenchPostgres } from './postgres';
import { findPostmaster, findTemporalServer } from './process-cpu';
import { ms, percentile, stats, type TargetResult } from './report';
import type { benchChain } from './workflows';

Runtime.install({ logger: new DefaultLogger('WARN') });

const CONCURRENCIES = [50, 200];
const STEPS = 10; // per chain, in sequence: `chains` activities stay in flight
const ROUNDS = 4; // measured rounds per mode, after one warm-up each; even, so each mode goes first equally often
const TARGETS = { ratio: 0.95, addedP50: 1, addedP99: 5 };

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export type Mode = 'baseline' | 'lineage';

export interface Batch {
  activities: number;
  ms: number;
  /** Per activity, as the workflow saw it (schedule to result). */
  e2eMs: number[];
  /** Per activity: time in the Worker's activity interceptor chain minus the body. */
  overheadMs: number[];
  cpu: CpuSample;
}

interface ModeRunner {
  readonly mode: Mode;
  readonly worker: Worker;
  readonly timings: Timings;
  readonly taskQueue: string;
  readonly batches: Batch[];
}

interface Context {
  readonly client: Client;
  readonly pids: Pids;
  readonly tag: string;
}

async function runBatch(ctx: Context, runner: ModeRunner, chains: number, label: string): Promise<Batch> {
  const params = benchParams();
  runner.timings.overheadMs = [];
  const cpu = cpuNow(ctx.pids);
  const started = performance.now();
  const handles = await Promise.all(
    Array.from({ length: chains }, (_, chain) =>
      ctx.client.workflow.start<typeof benchChain>('benchChain', {
        taskQueue: runner.taskQueue,
        workflowId: `bench-${ctx.tag}-c${chains}-${runner.mode}-${label}-${chain}`,
        args: [{ chain, steps: STEPS, params }],
      }),
    ),
  );
  const latencies = await Promise.all(handles.map((handle) => handle.result()));
  const batch = {
    activities: chains * STEPS,
    ms: performance.now() - started,
    cpu: cpuSince(cpu, ctx.pids),
    e2eMs: latencies.flat(),
    overheadMs: runner.timings.overheadMs,
  };
  if (batch.overheadMs.length !== batch.activities)
    throw new Error(`${label}: ${batch.overheadMs.length} activities timed, expected ${batch.activities}`);
  return batch;
}

async function recordedCounts(url: string, prefix: string) {
  const store = await openStore({ url, poolSize: 1 });
  try {
    const [row] = await store.rows<Record<string, string | number>>(sql`
      select count(*) as executions, count(*) filter (where state = 'COMPLETE') as complete,
        (select count(*) from events ev join executions x on x.id = ev.execution_id
          where x.workflow_id like ${`${prefix}-lineage-%`}) as events,
        (select count(*) from contexts where type = 'run' and workflow_id like ${`${prefix}-lineage-%`}
          and status = 'COMPLETED') as runs,
        count(*) filter (where workflow_id like ${`${prefix}-baseline-%`}) as baseline
      from executions where workflow_id like ${`${prefix}-%`}`);
    return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
  } finally {
    await store.close();
  }
}

async function runScenario(
  ctx: Context,
  setup: {
    connection: NativeConnection;
    namespace: string;
    databaseUrl: string;
    bundles: Record<Mode, unknown>;
  },
  chains: number,
): Promise<TargetResult[]> {
  console.log(
    `\n── capture overhead at concurrency ${chains}: ${chains} chains x ${STEPS} sequential activities`,
  );
  const runners: ModeRunner[] = [];
  const running: Array<Promise<void>> = [];
  try {
    for (const mode of ['baseline', 'lineage'] as const) {
      const plugins = mode === 'lineage' ? [new LineagePlugin({ databaseUrl: setup.databaseUrl })] : [];
      const timings = new Timings();
      const taskQueue = `bench-${ctx.tag}-c${chains}-${mode}`;
      const worker = await Worker.create({
        connection: setup.connection,
        namespace: setup.namespace,
        taskQueue,
        workflowBundle: setup.bundles[mode] as { code: string },
        activities: createBenchActivities(timings),
        interceptors: { activity: [timings.interceptor()] },
        plugins,
        maxConcurrentActivityTaskExecutions: chains,
        maxConcurrentWorkflowTaskExecutions: Math.max(40, chains),
      });
      runners.push({ mode, worker, timings, taskQueue, batches: [] });
      running.push(worker.run());
    }
    const [baseline, lineage] = runners as [ModeRunner, ModeRunner];
    // Warm-up: JIT, pollers, the plugin's pool, prepared statements. Not measured.
    await runBatch(ctx, baseline, chains, 'warmup');
    await runBatch(ctx, lineage, chains, 'warmup');
    const ratios: number[] = [];
    const order: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const sequence = round % 2 === 1 ? [baseline, lineage] : [lineage, baseline];
      for (const runner of sequence) runner.batches.push(await runBatch(ctx, runner, chains, `r${round}`));
      const rate = (r: ModeRunner) => r.batches.at(-1)!.activities / (r.batches.at(-1)!.ms / 1000);
      ratios.push(rate(lineage) / rate(baseline));
      order.push(sequence.map((r) => (r.mode === 'baseline' ? 'without' : 'with')).join(' → '));
    }
    // Gated on the median of per-round ratios: each pairs two batches run back to back, so a burst
    // of load from other processes skews one round instead of the whole figure.
    const ratio = stats(ratios).median;
    const added = (p: number) =>
      percentile(
        lineage.batches.flatMap((b) => b.overheadMs),
        p,
      ) -
      percentile(
        baseline.batches.flatMap((b) => b.overheadMs),
        p,
      );
    const [addedP50, addedP99] = [added(50), added(99)];
    printScenario({ baseline: baseline.batches, lineage: lineage.batches, ratios, order });

    for (const runner of runners) runner.worker.shutdown();
    await Promise.all(running.splice(0));
    const prefix = `bench-${ctx.tag}-c${chains}`;
    const recorded = await recordedCounts(setup.databaseUrl, prefix);
    const expected = (ROUNDS + 1) * chains * STEPS;
    // Per attempt: args[0] (params), args[1] (Dataset) in, result (Dataset) out.
    const allRecorded =
      recorded['executions'] === expected &&
      recorded['complete'] === expected &&
      recorded['events'] === expected * 3 &&
      recorded['runs'] === (ROUNDS + 1) * chains &&
      recorded['baseline'] === 0;
    const activities = ROUNDS * chains * STEPS;
    const at = `at concurrency ${chains}, ${activities} activities per mode`;
    return [
      {
        part: 'capture',
        name: `throughput with / without plugin, ${at} (median of ${ROUNDS} paired rounds)`,
        driver: 'postgres',
        measured: `x ${ratio.toFixed(3)}`,
        target: `≥ ${TARGETS.ratio}`,
        pass: ratio >= TARGETS.ratio,
      },
      {
        part: 'capture',
        name: `added latency per activity p50, ${at}`,
        driver: 'postgres',
        measured: ms(addedP50),
        target: `≤ ${TARGETS.addedP50} ms`,
        pass: addedP50 <= TARGETS.addedP50,
      },
      {
        part: 'capture',
        name: `added latency per activity p99, ${at}`,
        driver: 'postgres',
        measured: ms(addedP99),
        target: `≤ ${TARGETS.addedP99} ms`,
        pass: addedP99 <= TARGETS.addedP99,
      },
      {
        part: 'capture',
        name: `every attempt recorded COMPLETE with its 3 events, concurrency ${chains}`,
        driver: 'postgres',
        measured: `${recorded['complete']}/${expected}, ${recorded['events']}/${expected * 3} events`,
        target: 'all',
        pass: allRecorded,
      },
    ];
  } finally {
    for (const runner of runners) if (runner.worker.getState() === 'RUNNING') runner.worker.shutdown();
    await Promise.allSettled(running);
  }
}

/** Storage of what capture recorded: bytes per execution, and the one shared input stored once. */
async function captureStorage(url: string): Promise<TargetResult[]> {
  const store = await openStore({ url, poolSize: 1 });
  try {
    const [row] = await store.rows<Record<string, string | number>>(sql`
      select (select sum(pg_total_relation_size(c.oid)) from pg_class c
          where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace and c.relname <> '__drizzle_migrations') as bytes,
        (select count(*) from executions) as executions,
        (select count(*) from artifacts where uri = 's3://bucket/data.csv') as rows,
        (select count(*) from events e join artifacts a on a.id = e.artifact_id where a.uri = 's3://bucket/data.csv') as reads`);
    const [bytes, executions, rows, reads] = ['bytes', 'executions', 'rows', 'reads'].map((k) =>
      Number(row![k]),
    );
    return [
      {
        part: 'storage',
        name: 'bytes per execution at rest (capture bench store, all tables + indexes)',
        driver: 'postgres',
        measured: `${Math.round(bytes! / executions!)} B`,
        target: 'reported',
        pass: null,
      },
      {
        part: 'storage',
        name: 'identical values stored once (the Dataset every attempt reads)',
        driver: 'postgres',
        measured: `${rows} row for ${reads} reads`,
        target: '1 row',
        pass: rows === 1 && reads! >= executions!,
      },
    ];
  } finally {
    await store.close();
  }
}

/** Runs the capture overhead bench at every concurrency; returns its target rows. */
export async function runCaptureBench(pg: BenchPostgres): Promise<TargetResult[]> {
  const server = await startQuietDevServer();
  const database = await createBenchDatabase(pg.url, 'bench_capture');
  const connection = await NativeConnection.connect({ address: server.address });
  try {
    console.log(`\nTemporal dev server ${server.address}; worker, client and bench in this process`);
    const workflowsPath = join(__dirname, 'workflows.ts');
    // One bundle per mode: the plugin's workflow interceptors are the same whatever instance adds them.
    const bundleFor = (plugins: LineagePlugin[]) =>
      bundleWorkflowCode({ workflowsPath, plugins, logger: quiet });
    const bundles = {
      baseline: await bundleFor([]),
      lineage: await bundleFor([new LineagePlugin({ databaseUrl: database.url })]),
    };
    const ctx: Context = {
      client: new Client({ connection: server.connection, namespace: server.namespace }),
      pids: {
        temporal: findTemporalServer(server.address.split(':').pop()!),
        postgres: findPostmaster(new URL(pg.url).port || '5432'),
      },
      tag: randomUUID().slice(0, 8),
    };
    const results: TargetResult[] = [];
    const setup = { connection, namespace: server.namespace, databaseUrl: database.url, bundles };
    for (const chains of CONCURRENCIES) results.push(...(await runScenario(ctx, setup, chains)));
    results.push(...(await captureStorage(database.url)));
    return results;
  } finally {
    await connection.close();
    await Promise.allSettled([server.teardown(), database.drop()]);
  }
}
