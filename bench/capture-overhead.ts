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
import postgres from 'postgres';
import { LineagePlugin, openStore } from '../src';
import { startQuietDevServer } from '../scripts/quiet-dev-server';
import { benchParams, createBenchActivities, Timings } from './activities';
import { captureStorage } from './capture-storage';
import { printScenario } from './capture-tables';
import { cpuNow, cpuSince, type CpuSample, type Pids } from './cpu-sample';
import { createBenchDatabase, type BenchPostgres } from './postgres';
import { findPostmaster, findTemporalServer } from './process-cpu';
import { runStoreWriteBench } from './store-writes';
import { ms, percentile, stats, type TargetResult } from './report';
import type { benchChain } from './workflows';

Runtime.install({ logger: new DefaultLogger('WARN') });

/**
 * Chains of sequential activities, so that `chains` activities stay in flight. Concurrency 50 and
 * 200 saturate this machine's CPU: they carry the throughput targets, and their in-worker times are
 * mostly queueing for a busy CPU. Concurrency 4 leaves CPU idle, so its in-worker time is the
 * plugin's own latency: it carries the latency targets. Every scenario runs ≥ 2,000 activities per mode.
 */
const SCENARIOS = [
  { chains: 4, steps: 125, gate: 'latency' },
  { chains: 50, steps: 10, gate: 'throughput' },
  { chains: 200, steps: 10, gate: 'throughput' },
] as const;
type Scenario = (typeof SCENARIOS)[number];
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
  /** Baseline only: one committed Postgres write issued as each activity starts (see Timings). */
  probeMs: number[];
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

async function runBatch(ctx: Context, runner: ModeRunner, scenario: Scenario, label: string): Promise<Batch> {
  const { chains, steps } = scenario;
  const params = benchParams();
  runner.timings.overheadMs = [];
  runner.timings.probeMs = [];
  const cpu = cpuNow(ctx.pids);
  const started = performance.now();
  const handles = await Promise.all(
    Array.from({ length: chains }, (_, chain) =>
      ctx.client.workflow.start<typeof benchChain>('benchChain', {
        taskQueue: runner.taskQueue,
        workflowId: `bench-${ctx.tag}-c${chains}-${runner.mode}-${label}-${chain}`,
        args: [{ chain, steps, params }],
      }),
    ),
  );
  const latencies = await Promise.all(handles.map((handle) => handle.result()));
  const batch = {
    activities: chains * steps,
    ms: performance.now() - started,
    cpu: cpuSince(cpu, ctx.pids),
    e2eMs: latencies.flat(),
    overheadMs: runner.timings.overheadMs,
    probeMs: runner.timings.probeMs,
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
    probe: () => Promise<unknown>;
  },
  scenario: Scenario,
): Promise<TargetResult[]> {
  const { chains, steps, gate } = scenario;
  console.log(
    `\n── capture overhead at concurrency ${chains}: ${chains} chains x ${steps} sequential activities`,
  );
  const runners: ModeRunner[] = [];
  const running: Array<Promise<void>> = [];
  try {
    for (const mode of ['baseline', 'lineage'] as const) {
      const plugins = mode === 'lineage' ? [new LineagePlugin({ databaseUrl: setup.databaseUrl })] : [];
      // Only where latency is gated: the probe's own writes would slow the baseline, and so
      // flatter the plugin, where throughput is.
      const probing = mode === 'baseline' && gate === 'latency';
      const timings = new Timings(probing ? setup.probe : undefined);
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
    await runBatch(ctx, baseline, scenario, 'warmup');
    await runBatch(ctx, lineage, scenario, 'warmup');
    const ratios: number[] = [];
    const order: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const sequence = round % 2 === 1 ? [baseline, lineage] : [lineage, baseline];
      for (const runner of sequence) runner.batches.push(await runBatch(ctx, runner, scenario, `r${round}`));
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
    const probes = baseline.batches.flatMap((b) => b.probeMs);
    const floor = { p50: percentile(probes, 50), p99: percentile(probes, 99) };
    printScenario({ baseline: baseline.batches, lineage: lineage.batches, ratios, order });

    for (const runner of runners) runner.worker.shutdown();
    await Promise.all(running.splice(0));
    const prefix = `bench-${ctx.tag}-c${chains}`;
    const recorded = await recordedCounts(setup.databaseUrl, prefix);
    const expected = (ROUNDS + 1) * chains * steps;
    // Per attempt: args[0] (params), args[1] (Dataset) in, result (Dataset) out.
    const allRecorded =
      recorded['executions'] === expected &&
      recorded['complete'] === expected &&
      recorded['events'] === expected * 3 &&
      recorded['runs'] === (ROUNDS + 1) * chains &&
      recorded['baseline'] === 0;
    const activities = ROUNDS * chains * steps;
    const at = `at concurrency ${chains}, ${activities} activities per mode`;
    return [
      {
        part: 'capture',
        name: `throughput with / without plugin, ${at} (median of ${ROUNDS} paired rounds)`,
        driver: 'postgres',
        measured: `x ${ratio.toFixed(3)}`,
        target: `≥ ${TARGETS.ratio}`,
        pass: gate === 'throughput' ? ratio >= TARGETS.ratio : null,
      },
      {
        part: 'capture',
        name: `added latency per activity p50, ${at}`,
        driver: 'postgres',
        measured: ms(addedP50),
        target: `≤ ${TARGETS.addedP50} ms`,
        pass: gate === 'latency' ? addedP50 <= TARGETS.addedP50 : null,
      },
      {
        part: 'capture',
        name: `added latency per activity p99, ${at}`,
        driver: 'postgres',
        measured: ms(addedP99),
        target: `≤ ${TARGETS.addedP99} ms`,
        pass: gate === 'latency' ? addedP99 <= TARGETS.addedP99 : null,
      },
      ...(gate === 'latency'
        ? [
            {
              part: 'capture',
              name: `floor: one committed Postgres write issued as each activity starts, p50 / p99, ${at} (without plugin)`,
              driver: 'postgres',
              measured: `${ms(floor.p50)} / ${ms(floor.p99)}`,
              target: 'reported',
              pass: null,
            } as const,
          ]
        : []),
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

/** Runs the capture overhead bench at every concurrency; returns its target rows. */
export async function runCaptureBench(pg: BenchPostgres): Promise<TargetResult[]> {
  const server = await startQuietDevServer();
  const database = await createBenchDatabase(pg.url, 'bench_capture');
  const connection = await NativeConnection.connect({ address: server.address });
  // The floor probe's own pool and table: a one-row committed insert, prepared, like the plugin's writes.
  const probeClient = postgres(database.url, { max: 10, onnotice: () => {} });
  await probeClient`create table if not exists bench_probe (id bigint generated always as identity, at timestamptz not null)`;
  const probe = () => probeClient`insert into bench_probe (at) values (now())`.execute();
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
    const setup = { connection, namespace: server.namespace, databaseUrl: database.url, bundles, probe };
    for (const scenario of SCENARIOS) results.push(...(await runScenario(ctx, setup, scenario)));
    results.push(...(await captureStorage(database.url)));
    results.push(...(await runStoreWriteBench(pg.url)));
    return results;
  } finally {
    await connection.close();
    await probeClient.end({ timeout: 5 });
    await Promise.allSettled([server.teardown(), database.drop()]);
  }
}
