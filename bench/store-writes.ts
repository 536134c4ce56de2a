/**
 * The plugin's write path without Temporal: attempt starts and ends written through the store's
 * writers, one attempt at a time and 50 at a time, with the same ~2 KB parameters and typed
 * Datasets as the capture bench. Shows what group commit (write-batcher.ts) saves when writes
 * arrive together: one statement and one commit for many attempts.
 */
import { sql } from 'drizzle-orm';
import { captureValue } from '../src/artifacts/capture';
import { FileDigester } from '../src/artifacts/file-digest';
import { builtInArtifactTypes } from '../src/artifacts/types';
import { openStore } from '../src/store/open-store';
import { createWriters } from '../src/store/writers';
import { formatTable } from '../scripts/format-table';
import { benchParams } from './activities';
import { createBenchDatabase } from './postgres';
import { findPostmaster, selfCpuMs, treeCpuMs } from './process-cpu';
import { ms, percentile, type TargetResult } from './report';

const ATTEMPTS = 2000;
const settings = { types: builtInArtifactTypes, maxInlineBytes: 65_536, files: new FileDigester(1 << 20) };

export async function runStoreWriteBench(adminUrl: string): Promise<TargetResult[]> {
  const database = await createBenchDatabase(adminUrl, 'bench_writes');
  const store = await openStore({ url: database.url });
  const postmaster = findPostmaster(new URL(adminUrl).port || '5432');
  const rows: string[][] = [];
  const results: TargetResult[] = [];
  try {
    // The floor under any write's latency on this machine at this moment: one round trip.
    const trips: number[] = [];
    for (let i = 0; i < 500; i++) {
      const started = performance.now();
      await store.preparedRows(sql`select 1`);
      trips.push(performance.now() - started);
    }
    const trip = { p50: percentile(trips, 50), p99: percentile(trips, 99) };
    console.log(
      `\n── one round trip to Postgres (select 1, one at a time, 500 times): p50 ${ms(trip.p50)}, p99 ${ms(trip.p99)}`,
    );
    results.push({
      part: 'capture',
      name: 'one round trip to Postgres (select 1), p50 / p99: from an idle process: the floor under each write',
      driver: 'postgres',
      measured: `${ms(trip.p50)} / ${ms(trip.p99)}`,
      target: 'reported',
      pass: null,
    });
    const writers = createWriters(store);
    for (const [pass, concurrency] of [1, 50, 1, 50].entries()) {
      // After the warm-up passes, statistics as autovacuum would have them in a running store: a
      // plan made while the tables were empty would otherwise stay cached all through the bench.
      if (pass === 2) await store.preparedRows(sql`analyze`);
      let next = 0;
      const [pg0, worker0, started] = [treeCpuMs(postmaster), selfCpuMs(), performance.now()];
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < ATTEMPTS) {
            const k = next++;
            const inputs = [
              ...(await captureValue('args[0]', { ...benchParams(), k, concurrency }, settings)),
              ...(await captureValue('args[1]', { kind: 'Dataset', uri: 's3://bucket/data.csv' }, settings)),
            ];
            const run = { workflowId: `writes-${concurrency}-${k % 100}-${started}`, runId: 'r' };
            const handle = await writers.attempts.start({
              run,
              workflowType: 'bench',
              activityId: String(k),
              activityType: 'benchStep',
              attempt: 1,
              taskQueue: 'bench',
              isLocal: false,
              workerIdentity: 'bench',
              buildId: null,
              startedAt: new Date(),
              inputDigest: `sha256:${k}`,
              inputs,
              rerunOf: null,
              cacheKey: null,
              cacheVersion: null,
            });
            const uri = `s3://bucket/out-${concurrency}-${started}-${k}.parquet`;
            const outputs = await captureValue('result', { kind: 'Dataset', uri }, settings);
            const end = {
              state: 'COMPLETE',
              endedAt: new Date(),
              outputDigest: null,
              outputs,
              error: null,
            } as const;
            await writers.attempts.end(handle, end);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const pg = pg0 === undefined ? undefined : (treeCpuMs(postmaster)! - pg0) / ATTEMPTS;
      const worker = (selfCpuMs() - worker0) / ATTEMPTS;
      rows.push([
        String(concurrency),
        (ATTEMPTS / seconds).toFixed(0),
        `${worker.toFixed(2)} ms`,
        pg === undefined ? 'n/a' : `${pg.toFixed(2)} ms`,
      ]);
    }
    console.log(
      `\n── store write path alone (no Temporal): ${ATTEMPTS} attempts per row, second pass after a warm-up pass and an ANALYZE`,
    );
    console.log(
      formatTable(
        ['attempts in flight', 'attempts/s', 'worker CPU per attempt', 'Postgres CPU per attempt'],
        rows,
        { align: ['right', 'right', 'right', 'right'], indent: '   ' },
      ),
    );
    for (const row of rows.slice(2)) {
      results.push({
        part: 'capture',
        name: `store writes alone, ${row[0]} in flight: worker + Postgres CPU per attempt`,
        driver: 'postgres',
        measured: `${row[2]} + ${row[3]}`,
        target: 'reported',
        pass: null,
      });
    }
    return results;
  } finally {
    await store.close();
    await database.drop();
  }
}
