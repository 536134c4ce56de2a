import type { Info } from '@temporalio/activity';
import { Recorder } from '../src/capture/recorder';
import { parsePluginOptions } from '../src/options';
import { startPostgresCluster } from '../test/support/postgres-cluster';
import { benchParams } from '../bench/activities';
import { findPostmaster, treeCpuMs } from '../bench/process-cpu';

const DATASET = { kind: 'Dataset', uri: 's3://bucket/data.csv', name: 'data', rows: 10_000 } as const;
async function main() {
  const c = await startPostgresCluster();
  const mode = (process.env['XMODE'] ?? 'batched') as 'batched' | 'before-result';
  const recorder = new Recorder(parsePluginOptions({ databaseUrl: c.url, commit: mode }));
  await recorder.store();
  const params = benchParams();
  const S = 10; const N = Number(process.env['XN'] ?? 5000), C = 50;
  const pm = findPostmaster(new URL(c.url).port)!;
  for (const pass of ['warm', 'm1', 'm2', 'm3']) {
    let next = 0;
    const u0 = process.cpuUsage(); const t0 = performance.now(); const p0 = treeCpuMs(pm)!;
    await Promise.all(Array.from({ length: C }, async (_, chain) => {
      let run = ''; let mine = 0;
      while (next < N) {
        next++; const k = mine++;
        const wf = `w-${pass}-${chain}-${Math.floor(k / 10)}`;
        const winfo = { workflowId: wf, runId: 'r', workflowType: 'benchChain', taskQueue: 'q', runStartTime: new Date(), parent: undefined, root: undefined } as any;
        if (wf !== run) { if (run) void recorder.runEnded({ ...winfo, workflowId: run }, 'COMPLETED', [1, 2], null); run = wf; void recorder.runStarted(winfo, [{ chain, steps: 10, params }], {}); await new Promise((r) => setTimeout(r, 2)); }
        if (k % 10 === 0 || true) { /* per run: start sink */ }
        const info = { activityId: String(k % 10), activityType: 'benchStep', attempt: 1, taskQueue: 'q', isLocal: false,
          workflowExecution: { workflowId: `w-${pass}-${chain}-${Math.floor(k / 10)}`, runId: 'r' }, workflowType: 'benchChain' } as unknown as Info;
        const args = [{ ...params, chain, step: k }, DATASET];
        const started = await recorder.attemptStarted(info, args, {});
        await new Promise((r) => setTimeout(r, 1));
        await recorder.attemptEnded(started, { result: { kind: 'Dataset', uri: `s3://bucket/out-${pass}-${k}.csv`, rows: k } });
      }
    }));
    await recorder.flush();
    const u = process.cpuUsage(u0);
    console.log(pass, mode, 'cpu/attempt', ((u.user + u.system) / 1000 / N).toFixed(3), 'ms', 'pg', ((treeCpuMs(pm)! - p0) / N).toFixed(3), 'wall', ((performance.now() - t0)).toFixed(0));
  }
  await recorder.close(); await c.stop();
}
main();
