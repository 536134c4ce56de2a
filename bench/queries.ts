import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openStore, type LineageStore } from '../src/store/open-store';
import { formatMs, formatTable } from '../scripts/format-table';
import { seedStore, type SeedSummary } from '../scripts/seed-store';
import { planSummary, recordingStore } from './explain';
import { createBenchDatabase } from './postgres';
import { queryOperations, type Operation } from './query-operations';
import { ms, stats, type TargetResult } from './report';
import { LINEAGE_TABLES } from '../src/store/schema';
import { WASM_TIERING_BUDGET } from '../src/cli/wasm-tiering';

const WARMUP = 25; // more than the pool's connections: each plans its statements once
const SAMPLES = 30;
const CLI_SAMPLES = 5;
/** This checkout's bin: without a dist/ beside it, it runs the TypeScript sources through tsx. */
const CHECKOUT_BIN = join(__dirname, '..', 'bin', 'lineage.js');
const TABLES = LINEAGE_TABLES;

type Driver = 'postgres' | 'pglite';

async function timeOperation(store: LineageStore, op: Operation) {
  let detail = '';
  for (let i = 0; i < WARMUP; i++) detail = await op.run(store);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await op.run(store);
    samples.push(performance.now() - started);
  }
  return { ...stats(samples), detail };
}

/** Wall-clock times of a node process, from spawn to exit: one warm-up, then CLI_SAMPLES runs. */
async function timeProcess(args: string[]): Promise<number[]> {
  const env = { ...process.env };
  delete env['DATABASE_URL'];
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve(performance.now() - started)
          : reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`)),
      );
    });
  await once();
  const samples: number[] = [];
  for (let i = 0; i < CLI_SAMPLES; i++) samples.push(await once());
  return samples;
}

/**
 * `lineage --db <db> runs` as a process, as an installed package runs it (`bin`, the compiled
 * CLI), and what it is made of on this machine now: Node itself, and for an embedded store
 * PGlite's own start and stop (the same folder, nothing else loaded). The same command from this
 * checkout, through tsx, is reported beside it.
 */
async function timeCli(where: { url: string } | { dir: string }, bin: string) {
  const db = 'url' in where ? where.url : where.dir;
  const rows: string[][] = [];
  const cli = stats(await timeProcess([bin, '--db', db, 'runs']));
  rows.push([
    '`lineage --db … runs` as a process (spawn to exit), as installed',
    ms(cli.median),
    ms(cli.p95),
    `${CLI_SAMPLES} runs`,
  ]);
  const node = stats(await timeProcess(['-e', '0']));
  rows.push(['  of which: node -e 0', ms(node.median), ms(node.p95), '']);
  if ('dir' in where) {
    const open = `require('@electric-sql/pglite').PGlite.create(${JSON.stringify(where.dir)}).then((c) => c.close())`;
    // With the V8 setting the CLI gives its own process (see src/cli/wasm-tiering.ts), to be a part of it.
    const pglite = stats(await timeProcess([`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`, '-e', open]));
    rows.push(['  of which: PGlite open + close as a process', ms(pglite.median), ms(pglite.p95), '']);
  }
  const checkout = stats(await timeProcess([CHECKOUT_BIN, '--db', db, 'runs']));
  rows.push([
    '`lineage --db … runs` from this checkout (sources through tsx)',
    ms(checkout.median),
    ms(checkout.p95),
    `${CLI_SAMPLES} runs`,
  ]);
  return { median: cli.median, rows };
}

async function bytesPerExecution(store: LineageStore): Promise<{ bytes: number; executions: number }> {
  const list = sql.raw(TABLES.map((t) => `'${t}'`).join(', '));
  const [row] = await store.rows<{ bytes: string | number; executions: string | number }>(sql`
    select (select sum(pg_total_relation_size(c.oid)) from pg_class c
      where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace and c.relname in (${list})) as bytes,
      (select count(*) from executions) as executions`);
  return { bytes: Number(row!.bytes), executions: Number(row!.executions) };
}

/** EXPLAIN ANALYZE of every statement each operation sends; the plans go to `file`, a summary is returned. */
async function explainAll(
  where: { url: string } | { dir: string },
  seed: SeedSummary,
  file: string,
): Promise<string[][]> {
  const recording = await recordingStore(where);
  const rows: string[][] = [];
  const text: string[] = [];
  try {
    const operations = await queryOperations(recording.store, seed);
    recording.take();
    for (const op of operations) {
      await op.run(recording.store);
      const indexes = new Set<string>();
      const seqScans = new Set<string>();
      const statements = recording.take();
      for (const [i, statement] of statements.entries()) {
        const plan = await recording.explain(statement);
        text.push(
          `── ${op.label} — statement ${i + 1} of ${statements.length}\n${statement.query}\n\n${plan}\n`,
        );
        const summary = planSummary(plan);
        summary.indexes.forEach((name) => indexes.add(name));
        summary.seqScans.forEach((name) => seqScans.add(name));
      }
      rows.push([
        op.key,
        String(statements.length),
        [...seqScans].join(', ') || 'none',
        [...indexes].join(' '),
      ]);
    }
  } finally {
    await recording.close();
  }
  writeFileSync(file, text.join('\n'));
  return rows;
}

/** Seeds a store on `driver`, times every query operation and the CLI, and explains their plans. */
export async function runQueryBench(
  driver: Driver,
  options: { adminUrl: string; runs: number; outDir: string; cliBin: string },
): Promise<TargetResult[]> {
  let where: { url: string } | { dir: string };
  let cleanup: () => Promise<void>;
  if (driver === 'postgres') {
    const database = await createBenchDatabase(options.adminUrl, 'bench_queries');
    where = { url: database.url };
    cleanup = () => database.drop();
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'lineage-bench-'));
    where = { dir: join(dir, 'store') };
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
  try {
    console.log(`\n── queries on ${driver}: seeding ${options.runs} runs …`);
    const store = await openStore(where);
    let seed: SeedSummary;
    const timings: Array<{ op: Operation; median: number; p95: number; detail: string }> = [];
    let storage: { bytes: number; executions: number };
    try {
      seed = await seedStore(store, { runs: options.runs });
      const { counts } = seed;
      const rowsPerSecond = (counts.executions + counts.artifacts + counts.events) / (seed.ms / 1000);
      console.log(
        `   seeded in ${formatMs(seed.ms)}: ${counts.runs} runs, ${counts.executions} executions, ` +
          `${counts.artifacts} artifacts, ${counts.events} events (${Math.round(rowsPerSecond)} rows/s)`,
      );
      storage = await bytesPerExecution(store);
      for (const op of await queryOperations(store, seed))
        timings.push({ op, ...(await timeOperation(store, op)) });
    } finally {
      await store.close();
    }
    const cli = await timeCli(where, options.cliBin);
    mkdirSync(options.outDir, { recursive: true });
    const planFile = join(options.outDir, `explain-${driver}.txt`);
    const plans = await explainAll(where, seed, planFile);

    console.log(`   median and p95 of ${SAMPLES} calls after ${WARMUP} warm-up calls`);
    console.log(
      formatTable(
        ['operation', 'median', 'p95', 'result'],
        [...timings.map((t) => [t.op.label, ms(t.median), ms(t.p95), t.detail]), ...cli.rows],
        { align: ['left', 'right', 'right', 'left'], indent: '   ' },
      ),
    );
    console.log(`   query plans (EXPLAIN ANALYZE of every statement) saved to ${planFile}`);
    console.log(
      formatTable(['operation', 'statements', 'seq scans', 'indexes used'], plans, { indent: '   ' }),
    );

    const bytes = storage.bytes / storage.executions;
    const results: TargetResult[] = [];
    const byTarget = new Map<string, { ms: number; worst: number; what: string }>();
    for (const t of timings) {
      if (!t.op.target) continue;
      const known = byTarget.get(t.op.target.name);
      if (!known || t.median > known.worst)
        byTarget.set(t.op.target.name, { ms: t.op.target.ms, worst: t.median, what: t.op.key });
    }
    for (const [name, { ms: target, worst }] of byTarget) {
      results.push({
        part: 'queries',
        name: `${name} (median)`,
        driver,
        measured: ms(worst),
        target: `≤ ${target} ms`,
        pass: worst <= target,
      });
    }
    results.push({
      part: 'queries',
      name: '`lineage runs` end to end as a process (median)',
      driver,
      measured: ms(cli.median),
      target: '≤ 1 s',
      pass: cli.median <= 1000,
    });
    const size = `${seed.counts.runs} runs / ${seed.counts.executions} executions / ${seed.counts.artifacts} artifacts`;
    results.push({
      part: 'queries',
      name: 'store size the queries ran on',
      driver,
      measured: size,
      target: driver === 'postgres' ? '≥ 100k / 1M / 2M' : 'largest seeded in minutes',
      pass:
        driver === 'postgres'
          ? seed.counts.runs >= 100_000 &&
            seed.counts.executions >= 1_000_000 &&
            seed.counts.artifacts >= 2_000_000
          : null,
    });
    results.push({
      part: 'storage',
      name: 'bytes per execution at rest (seeded store, all tables + indexes)',
      driver,
      measured: `${Math.round(bytes)} B`,
      target: 'reported',
      pass: null,
    });
    const walks = plans.filter(([key]) => key === 'trace' || key === 'downstream' || key === 'upstream-of');
    const walkSeqScans = walks.flatMap(([, , seq]) => (seq === 'none' ? [] : [seq!]));
    results.push({
      part: 'queries',
      name: 'lineage walks use indexes (no seq scan in EXPLAIN)',
      driver,
      measured: walkSeqScans.length === 0 ? 'indexes only' : `seq scan on ${walkSeqScans.join(', ')}`,
      target: 'indexes only',
      pass: walkSeqScans.length === 0,
    });
    return results;
  } finally {
    await cleanup();
  }
}
