/**
 * Worker processes on one embedded store folder: the first serves it to the others, the CLI and
 * the UI read it while they record. A Worker on a brand-new folder (and an empty
 * cache, as on a fresh machine) opens and migrates the store before it polls, so the first
 * workflow's tasks never wait on it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { BIN, lineage } from '../cli/run-cli';
import { testClient, uniqueQueue } from '../support/temporal';
import { tableCounts, waitFor } from './support/harness';
import { spawnWorker, type WorkerProcess } from './support/spawn-worker';
import type { sharedInputs, steadySteps } from './support/workflows';

const PER_RUN = 20;
/** Each test starts Worker processes, which open PGlite: seconds each on a busy machine. */
const WORKERS_TIMEOUT_MS = 150_000;

const newFolder = () => join(mkdtempSync(join(tmpdir(), 'lineage-workers-')), 'store');

function sharedDataset() {
  const dir = mkdtempSync(join(tmpdir(), 'lineage-dataset-'));
  writeFileSync(join(dir, 'shared.csv'), 'a,b\n1,2\n');
  return { kind: 'Dataset' as const, uri: pathToFileURL(join(dir, 'shared.csv')).href };
}

/** Runs `sharedInputs` workflows on `taskQueue`, `PER_RUN` activities each, all reading `dataset`. */
async function runShared(
  taskQueue: string,
  runs: number,
  tag: string,
  dataset = sharedDataset(),
): Promise<number[]> {
  const client = await testClient();
  return Promise.all(
    Array.from({ length: runs }, (_, i) =>
      client.workflow.execute<typeof sharedInputs>('sharedInputs', {
        taskQueue,
        workflowId: uniqueQueue(`${tag}-${i}`),
        args: [PER_RUN, dataset, tag],
      }),
    ),
  );
}

/** Activities recorded, and how many of them completed exactly once at their first attempt. */
async function executions(store: LineageStore) {
  const [row] = await store.rows<{ total: string; complete: string; activities: string }>(sql`
    select count(*) as total, count(*) filter (where state = 'COMPLETE') as complete,
      count(distinct (workflow_id, run_id, activity_id)) as activities
    from executions`);
  return { total: Number(row!.total), complete: Number(row!.complete), activities: Number(row!.activities) };
}

const workers: WorkerProcess[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.kill()));
});

describe('Worker processes on one embedded store', () => {
  it(
    'record into it together, exactly, while the CLI lists runs and the UI serves pages',
    async () => {
      const dir = newFolder();
      const [queueA, queueB] = [uniqueQueue('embedded-a'), uniqueQueue('embedded-b')];
      // Each Worker polls a queue of its own, so both certainly record.
      workers.push(await spawnWorker({ taskQueue: queueA, identity: 'worker-a', plugin: { dataDir: dir } }));
      workers.push(await spawnWorker({ taskQueue: queueB, identity: 'worker-b', plugin: { dataDir: dir } }));
      const dataset = sharedDataset();
      const recording = Promise.all([runShared(queueA, 3, 'a', dataset), runShared(queueB, 3, 'b', dataset)]);

      // While they record: the CLI lists the runs recorded so far, and the UI answers.
      const listed = await waitFor('a run listed by the CLI', async () => {
        const out = await lineage(['runs', '--db', dir, '--json']);
        if (out.code !== 0) return undefined;
        const { runs } = JSON.parse(out.stdout) as { runs: unknown[] };
        return runs.length > 0 ? runs : undefined;
      });
      expect(listed.length).toBeGreaterThan(0);
      const ui = spawn(process.execPath, [BIN, 'ui', '--port', '0', '--json', '--db', dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const uiExited = new Promise((resolve) => ui.once('exit', resolve));
      try {
        const url = await new Promise<URL>((resolve, reject) => {
          let out = '';
          ui.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            try {
              resolve(new URL((JSON.parse(out) as { url: string }).url));
            } catch {
              // not one whole document yet
            }
          });
          ui.once('exit', (code) => reject(new Error(`lineage ui exited ${code}`)));
        });
        const page = await fetch(`${url.origin}/api/store${url.search}`);
        expect(await page.json()).toMatchObject({ driver: 'pglite', empty: false });
      } finally {
        ui.kill('SIGTERM');
        await uiExited;
      }

      const [a, b] = await recording;
      // Buckets 0..9, two of each per run.
      expect([...a, ...b]).toEqual(Array.from({ length: 6 }, () => 90));
      for (const worker of workers.splice(0)) await worker.stop();

      const store = await openStore({ dir });
      try {
        // One dataset, one params value per tag, PER_RUN indexes as inputs; ten Metrics as outputs;
        // one Code (one activity type) and one Environment (one machine, one lockfile), which every
        // execution links to: two more events each.
        expect(await tableCounts(store)).toEqual({
          contexts: 6 + 1,
          parent_contexts: 6,
          executions: 6 * PER_RUN,
          artifacts: 1 + 2 + PER_RUN + 10 + 2,
          events: 6 * PER_RUN * 6,
          associations: 6 * PER_RUN,
        });
        expect(await executions(store)).toEqual({ total: 120, complete: 120, activities: 120 });
        const byWorker = await store.rows<{ worker: string; n: string }>(
          sql`select worker_identity as worker, count(*) as n from executions group by 1 order by 1`,
        );
        expect(byWorker.map((r) => [r.worker, Number(r.n)])).toEqual([
          ['worker-a', 60],
          ['worker-b', 60],
        ]);
      } finally {
        await store.close();
      }
    },
    WORKERS_TIMEOUT_MS,
  );

  it(
    'opens a brand-new store before polling, so the first workflow has no workflow-task timeout',
    async () => {
      const dir = newFolder();
      const taskQueue = uniqueQueue('first-run');
      // An empty cache as well: the template is built too, the slowest first run there is.
      const cache = mkdtempSync(join(tmpdir(), 'lineage-empty-cache-'));
      workers.push(await spawnWorker({ taskQueue, plugin: { dataDir: dir } }, { XDG_CACHE_HOME: cache }));
      const client = await testClient();
      const handle = await client.workflow.start<typeof steadySteps>('steadySteps', {
        taskQueue,
        workflowId: uniqueQueue('first'),
        args: [2, 10],
      });
      expect(await handle.result()).toEqual([0, 2]);
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowTaskCompletedEventAttributes).length).toBeGreaterThan(0);
      expect(events.filter((e) => e.workflowTaskTimedOutEventAttributes)).toEqual([]);
      expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
    },
    WORKERS_TIMEOUT_MS,
  );
});
