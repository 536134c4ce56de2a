/**
 * `npm run bench`: what the lineage plugin costs a Worker. Runs the same batch of small
 * activities on a Worker without the plugin (baseline) and one with `LineagePlugin({ databaseUrl })`,
 * alternating which goes first over several rounds so that drift (JIT, server state, caches)
 * cancels out, against a local Temporal dev server and a real Postgres server.
 *
 * Postgres: `DATABASE_URL` when set, else a throwaway cluster switched to durable commits
 * (fsync, synchronous_commit), as a production server would be.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { LineagePlugin, openStore } from '../src';
import { startPostgresCluster, type PostgresCluster } from '../test/support/postgres-cluster';
import { formatMs, formatTable } from '../scripts/format-table';
import { startQuietDevServer } from '../scripts/quiet-dev-server';
import { benchParams, createBenchActivities, Timings } from './activities';
import { findPostmaster, findTemporalServer, machineBusyMs, selfCpuMs, treeCpuMs } from './process-cpu';
import type { benchChain } from './workflows';

Runtime.install({ logger: new DefaultLogger('WARN') });

const CHAINS = 50; // = activities in flight
const STEPS = 10; // per chain, in sequence
const ROUNDS = 4; // measured rounds per mode, after one warm-up each; even, so each mode goes first equally often
const TARGET_THROUGHPUT_RATIO = 0.85;

const PER_BATCH = CHAINS * STEPS;
const tag = randomUUID().slice(0, 8);
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

type Mode = 'baseline' | 'lineage';

interface Batch {
  activities: number;
  ms: number;
  /** Per activity, as the workflow saw it (schedule to result). */
  e2eMs: number[];
  /** Per activity, interceptor chain minus body, inside the Worker. */
  overheadMs: number[];
  /** CPU ms used during the batch, by process; undefined where /proc cannot tell. */
  cpu: CpuSample;
}

interface CpuSample {
  worker: number;
  temporal: number | undefined;
  postgres: number | undefined;
  machine: number | undefined;
}

/** Where the processes whose CPU the bench accounts for are. */
interface Pids {
  temporal: number | undefined;
  postgres: number | undefined;
}

function cpuNow(pids: Pids): CpuSample {
  return {
    worker: selfCpuMs(),
    temporal: treeCpuMs(pids.temporal),
    postgres: treeCpuMs(pids.postgres),
    machine: machineBusyMs(),
  };
}

function cpuSince(start: CpuSample, pids: Pids): CpuSample {
  const end = cpuNow(pids);
  const minus = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a - b;
  return {
    worker: end.worker - start.worker,
    temporal: minus(end.temporal, start.temporal),
    postgres: minus(end.postgres, start.postgres),
    machine: minus(end.machine, start.machine),
  };
}

interface ModeRunner {
  readonly mode: Mode;
  readonly worker: Worker;
  readonly timings: Timings;
  readonly taskQueue: string;
  batches: Batch[];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
}

const ms = (value: number) => (value < 10 ? `${value.toFixed(2)} ms` : formatMs(value));
const signedMs = (value: number) => `${value >= 0 ? '+' : '−'}${ms(Math.abs(value))}`;

/** Postgres to record into, and how to stop it. */
async function startPostgres(): Promise<{ url: string; label: string; stop: () => Promise<void> }> {
  const external = process.env['DATABASE_URL'];
  if (external) return { url: external, label: 'DATABASE_URL', stop: async () => {} };
  const cluster: PostgresCluster = await startPostgresCluster();
  // The test cluster trades durability for speed; a production server commits to disk.
  const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
  try {
    for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
      await admin.unsafe(`alter system set ${setting} = on`);
    }
    await admin`select pg_reload_conf()`;
    const [row] = await admin<{ version: string }[]>`select current_setting('server_version') as version`;
    return {
      url: cluster.url,
      label: `throwaway PostgreSQL ${row?.version} (fsync, synchronous_commit on)`,
      stop: () => cluster.stop(),
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function runBatch(client: Client, runner: ModeRunner, label: string, pids: Pids): Promise<Batch> {
  const params = benchParams();
  runner.timings.overheadMs = [];
  const cpu = cpuNow(pids);
  const started = performance.now();
  const handles = await Promise.all(
    Array.from({ length: CHAINS }, (_, chain) =>
      client.workflow.start<typeof benchChain>('benchChain', {
        taskQueue: runner.taskQueue,
        workflowId: `bench-${tag}-${runner.mode}-${label}-${chain}`,
        args: [{ chain, steps: STEPS, params }],
      }),
    ),
  );
  const latencies = await Promise.all(handles.map((handle) => handle.result()));
  const batch = {
    activities: PER_BATCH,
    ms: performance.now() - started,
    cpu: cpuSince(cpu, pids),
    e2eMs: latencies.flat(),
    overheadMs: runner.timings.overheadMs,
  };
  if (batch.overheadMs.length !== PER_BATCH)
    throw new Error(`${label}: ${batch.overheadMs.length} activities timed, expected ${PER_BATCH}`);
  return batch;
}

function summarise(batches: Batch[]) {
  const activities = batches.reduce((n, b) => n + b.activities, 0);
  const seconds = batches.reduce((s, b) => s + b.ms, 0) / 1000;
  const e2e = batches.flatMap((b) => b.e2eMs);
  const overhead = batches.flatMap((b) => b.overheadMs);
  const perActivity = (pick: (cpu: CpuSample) => number | undefined) => {
    const values = batches.map((b) => pick(b.cpu));
    return values.some((v) => v === undefined)
      ? undefined
      : values.reduce((a: number, v) => a + v!, 0) / activities;
  };
  const [worker, temporal, postgresCpu, machine] = [
    perActivity((c) => c.worker),
    perActivity((c) => c.temporal),
    perActivity((c) => c.postgres),
    perActivity((c) => c.machine),
  ];
  const known = [worker, temporal, postgresCpu]
    .filter((v) => v !== undefined)
    .reduce((a: number, v) => a + (v ?? 0), 0);
  return {
    cpu: {
      worker,
      temporal,
      postgres: postgresCpu,
      other: machine === undefined ? undefined : machine - known,
      machine,
    },
    throughput: activities / seconds,
    e2e50: percentile(e2e, 50),
    e2e99: percentile(e2e, 99),
    over50: percentile(overhead, 50),
    over99: percentile(overhead, 99),
  };
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const [server, pg] = await Promise.all([startQuietDevServer(), startPostgres()]);
  const workflowsPath = join(__dirname, 'workflows.ts');
  const connection = await NativeConnection.connect({ address: server.address });
  const runners: ModeRunner[] = [];
  const running: Array<Promise<void>> = [];
  let failed = false;
  try {
    console.log(
      `capture overhead: ${CHAINS} chains x ${STEPS} sequential activities = ${PER_BATCH} activities per batch, ${CHAINS} in flight`,
    );
    console.log(`  Temporal dev server ${server.address}; Postgres: ${pg.label}`);
    console.log(
      `  ${ROUNDS} measured rounds per mode after one warm-up each, order alternating; Worker and client in this process; ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)} at start`,
    );

    for (const mode of ['baseline', 'lineage'] as const) {
      const plugins = mode === 'lineage' ? [new LineagePlugin({ databaseUrl: pg.url })] : [];
      const timings = new Timings();
      const taskQueue = `bench-${tag}-${mode}`;
      const worker = await Worker.create({
        connection,
        namespace: server.namespace,
        taskQueue,
        workflowBundle: await bundleWorkflowCode({ workflowsPath, plugins, logger: quiet }),
        activities: createBenchActivities(timings),
        interceptors: { activity: [timings.interceptor()] },
        plugins,
        maxConcurrentActivityTaskExecutions: CHAINS,
      });
      runners.push({ mode, worker, timings, taskQueue, batches: [] });
      running.push(worker.run());
    }
    const [baseline, lineage] = runners as [ModeRunner, ModeRunner];
    const pids: Pids = {
      temporal: findTemporalServer(server.address.split(':').pop()!),
      postgres: findPostmaster(new URL(pg.url).port || '5432'),
    };
    const client = new Client({ connection: server.connection, namespace: server.namespace });

    // Warm-up: JIT, bundles, pollers, the plugin's pool and migrations. Not measured.
    await runBatch(client, baseline, 'warmup', pids);
    await runBatch(client, lineage, 'warmup', pids);

    const roundRows: string[][] = [];
    const roundRatios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? [baseline, lineage] : [lineage, baseline];
      const results = new Map<Mode, Batch>();
      for (const runner of order) {
        const batch = await runBatch(client, runner, `r${round}`, pids);
        runner.batches.push(batch);
        results.set(runner.mode, batch);
      }
      const rate = (mode: Mode) => PER_BATCH / (results.get(mode)!.ms / 1000);
      roundRatios.push(rate('lineage') / rate('baseline'));
      roundRows.push([
        String(round),
        order.map((r) => (r.mode === 'baseline' ? 'without' : 'with')).join(' → '),
        rate('baseline').toFixed(0),
        rate('lineage').toFixed(0),
        (rate('lineage') / rate('baseline')).toFixed(3),
      ]);
    }

    const [without, withPlugin] = [summarise(baseline.batches), summarise(lineage.batches)];
    // Gated on the median of per-round ratios: each pairs two batches run back to back, so a burst
    // of load from other processes skews one round instead of the whole figure.
    const ratio = median(roundRatios);
    const overallRatio = withPlugin.throughput / without.throughput;
    console.log('\nper round (activities/s)');
    console.log(
      formatTable(['round', 'order', 'without', 'with', 'ratio'], roundRows, {
        align: ['right', 'left', 'right', 'right', 'right'],
      }),
    );

    console.log(`\nresult (${ROUNDS * PER_BATCH} activities per mode)`);
    console.log(
      formatTable(
        ['measure', 'without plugin', 'with plugin', 'with vs without'],
        [
          [
            'throughput (activities/s)',
            without.throughput.toFixed(0),
            withPlugin.throughput.toFixed(0),
            `x ${overallRatio.toFixed(3)}`,
          ],
          [
            'activity latency p50, workflow view',
            ms(without.e2e50),
            ms(withPlugin.e2e50),
            signedMs(withPlugin.e2e50 - without.e2e50),
          ],
          [
            'activity latency p99, workflow view',
            ms(without.e2e99),
            ms(withPlugin.e2e99),
            signedMs(withPlugin.e2e99 - without.e2e99),
          ],
          [
            'in-worker overhead p50',
            ms(without.over50),
            ms(withPlugin.over50),
            signedMs(withPlugin.over50 - without.over50),
          ],
          [
            'in-worker overhead p99',
            ms(without.over99),
            ms(withPlugin.over99),
            signedMs(withPlugin.over99 - without.over99),
          ],
        ],
        { align: ['left', 'right', 'right', 'right'] },
      ),
    );
    console.log(
      '  workflow view: from the activation that scheduled the activity to the one that got its result (workflow clock, ms steps).\n' +
        "  in-worker overhead: time in the Worker's activity interceptor chain minus the activity body (the plugin's store writes, waiting for the event loop and pool included).",
    );
    const cpuMs = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)} ms`);
    const cpuDelta = (a: number | undefined, b: number | undefined) =>
      a === undefined || b === undefined ? 'n/a' : `${b >= a ? '+' : '−'}${Math.abs(b - a).toFixed(2)} ms`;
    const cpuRows = (
      [
        ['this process (workers + client)', 'worker'],
        ['Temporal dev server', 'temporal'],
        ['Postgres', 'postgres'],
        ['other processes on the machine', 'other'],
        ['whole machine', 'machine'],
      ] as const
    ).map(([label, key]) => [
      label,
      cpuMs(without.cpu[key]),
      cpuMs(withPlugin.cpu[key]),
      cpuDelta(without.cpu[key], withPlugin.cpu[key]),
    ]);
    console.log('\nCPU time per activity (all cores)');
    console.log(
      formatTable(['process', 'without plugin', 'with plugin', 'with vs without'], cpuRows, {
        align: ['left', 'right', 'right', 'right'],
      }),
    );
    const measured = [...baseline.batches, ...lineage.batches];
    const otherMs = measured.reduce(
      (sum, b) => sum + (b.cpu.machine ?? 0) - b.cpu.worker - (b.cpu.temporal ?? 0) - (b.cpu.postgres ?? 0),
      0,
    );
    const otherShare = otherMs / (measured.reduce((sum, b) => sum + b.ms, 0) * cpus().length);
    if (measured.every((b) => b.cpu.machine !== undefined) && otherShare > 0.05) {
      console.log(
        `  note: other processes used ${(otherShare * 100).toFixed(0)}% of the machine's CPU while this ran; ` +
          'the figures are disturbed by that load (rerun on a quiet machine).',
      );
    }

    // Stop the Workers first: the plugin's store closes with its last Worker.
    for (const runner of runners) runner.worker.shutdown();
    await Promise.all(running.splice(0));

    const store = await openStore({ url: pg.url, poolSize: 1 });
    let recorded: { executions: number; complete: number; events: number; runs: number; baseline: number };
    try {
      const [row] = await store.rows<Record<keyof typeof recorded, string | number>>(sql`
        select count(*) as executions,
               count(*) filter (where state = 'COMPLETE') as complete,
               (select count(*) from events ev join executions x on x.id = ev.execution_id
                 where x.workflow_id like ${`bench-${tag}-%`}) as events,
               (select count(*) from contexts where type = 'run' and workflow_id like ${`bench-${tag}-%`}
                 and status = 'COMPLETED') as runs,
               count(*) filter (where workflow_id like ${`bench-${tag}-baseline-%`}) as baseline
        from executions where workflow_id like ${`bench-${tag}-%`}`);
      recorded = {
        executions: Number(row!.executions),
        complete: Number(row!.complete),
        events: Number(row!.events),
        runs: Number(row!.runs),
        baseline: Number(row!.baseline),
      };
    } finally {
      await store.close();
    }
    const expected = (ROUNDS + 1) * PER_BATCH;
    // Per attempt: args[0] (params), args[1] (Dataset) in, result (Dataset) out.
    const expectedEvents = expected * 3;
    const expectedRuns = (ROUNDS + 1) * CHAINS;
    console.log(
      `\nrecorded by the plugin: ${recorded.executions} executions (${recorded.complete} COMPLETE), ${recorded.events} events, ` +
        `${recorded.runs} COMPLETED runs; ${recorded.baseline} executions from the baseline Worker (it has no plugin)`,
    );

    const targets: Array<[string, boolean]> = [
      [
        `throughput ratio (median of rounds) ${ratio.toFixed(3)} >= ${TARGET_THROUGHPUT_RATIO}`,
        ratio >= TARGET_THROUGHPUT_RATIO,
      ],
      [
        `every activity recorded: ${recorded.complete}/${expected} COMPLETE executions, ${recorded.events}/${expectedEvents} events, ${recorded.runs}/${expectedRuns} runs`,
        recorded.executions === expected &&
          recorded.complete === expected &&
          recorded.events === expectedEvents &&
          recorded.runs === expectedRuns &&
          recorded.baseline === 0,
      ],
    ];
    console.log('');
    for (const [label, ok] of targets) console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}`);
    failed = targets.some(([, ok]) => !ok);
    console.log(`\nbench took ${formatMs(performance.now() - benchStarted)}`);
  } finally {
    for (const runner of runners) {
      if (runner.worker.getState() === 'RUNNING') runner.worker.shutdown();
    }
    await Promise.allSettled(running);
    await connection.close();
    await Promise.allSettled([server.teardown(), pg.stop()]);
  }
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
