import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { getChildRuns, getRunExecutions } from '../../src/query/run-detail';
import { getRun } from '../../src/query/get-run';
import { contexts } from '../../src/store/schema';
import { useStore } from '../support/stores';
import { testClient } from '../support/temporal';
import { allActivities, runWorkflow, startWorker, type RunningWorker } from './rerun-support';

const BIN = join(__dirname, '../../bin/lineage.js');

/** Runs the real `lineage` command and collects its output and exit code. */
function lineage(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, NO_COLOR: '1' }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// The command opens the store while the test's worker writes to it: a store two processes can
// share, so Postgres only (an embedded PGlite store has a single opener).
describe('lineage rerun (CLI, postgres)', () => {
  const ctx = useStore('postgres', 'rerun_cli');
  const { activities } = allActivities();
  let client: Client;
  let worker: RunningWorker;
  let pipeline: string;
  const common = () => ['--db', ctx.url!];
  const temporal = () => ['--address', inject('temporalAddress')];
  beforeAll(async () => {
    client = await testClient();
    worker = await startWorker(new LineagePlugin({ store: ctx.store() }), activities, 'rerun-cli');
    ({ name: pipeline } = await runWorkflow(client, worker.taskQueue, 'trainingPipeline', [
      { seed: 4, grid: [{ nEstimators: 5 }] },
    ]));
  });
  afterAll(() => worker?.stop());

  it('`rerun execution e<id>` reruns the training activity and prints the verdict', async () => {
    const [search] = await getChildRuns(ctx.store(), (await getRun(ctx.store(), pipeline)).id);
    const train = (await getRunExecutions(ctx.store(), search!.name)).find(
      (e) => e.activityType === 'trainModel',
    )!;
    const { code, stdout, stderr } = await lineage([
      ...common(),
      'rerun',
      ...temporal(),
      'execution',
      `e${train.id}`,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `^Reran e${train.id} \\(trainModel\\) on task queue ${worker.taskQueue} as e\\d+ COMPLETE\\n`,
      ),
    );
    expect(stdout).toContain(
      'verdict: reproduced (1 output, every digest equal)\n  = result  Model  sha256:',
    );
  });

  it('`rerun execution` exits 7 when the outputs differ, so that scripts can branch on the verdict', async () => {
    const { name } = await runWorkflow(client, worker.taskQueue, 'randomOnce', []);
    const [random] = await getRunExecutions(ctx.store(), name);
    const { code, stdout } = await lineage([
      ...common(),
      'rerun',
      ...temporal(),
      'execution',
      `e${random!.id}`,
    ]);
    expect(stdout).toContain('verdict: differs');
    expect(code).toBe(7);
  });

  it('`rerun run --from trainModel --json` reuses the steps before it and reports the verdict', async () => {
    const { code, stdout } = await lineage([
      ...common(),
      '--json',
      'rerun',
      ...temporal(),
      'run',
      pipeline,
      '--from',
      'trainModel',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      rerun: { name: string };
      from: string;
      steps: Array<{ activityType: string; state: string }>;
      verdict: { status: string };
      plan: { steps: Array<{ activityType: string; action: string }> };
    };
    expect(result.from).toBe('trainModel');
    expect(result.verdict.status).toBe('reproduced');
    expect(result.steps.map((s) => `${s.activityType} ${s.state}`).sort()).toEqual([
      'evaluateModel COMPLETE',
      'loadIris CACHED',
      'registerModel COMPLETE',
      'splitDataset CACHED',
      'trainModel COMPLETE',
    ]);
    expect((await getRun(ctx.store(), result.rerun.name)).rerunOf).toBe(pipeline);
    expect(result.plan.steps.map((s) => [s.activityType, s.action])).toEqual([
      ['loadIris', 'reuse'],
      ['splitDataset', 'reuse'],
      ['trainModel', 'run'],
      ['evaluateModel', 'run'],
      ['registerModel', 'run'],
    ]);
  });

  const reruns = async () =>
    (await ctx.store().db.select().from(contexts).where(eq(contexts.rerunOf, pipeline))).length;

  it('`rerun run --dry-run` prints the plan and starts nothing', async () => {
    const before = await reruns();
    const text = await lineage([
      ...common(),
      'rerun',
      ...temporal(),
      'run',
      pipeline,
      '--from',
      'trainModel',
      '--dry-run',
    ]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`plan: rerun ${pipeline} from trainModel: 2 steps reused, 3 run again`);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 2))).toEqual([
      ['reuse', 'loadIris'],
      ['reuse', 'splitDataset'],
      ['run', 'hyperparameterSearch/trainModel'],
      ['run', 'hyperparameterSearch/evaluateModel'],
      ['run', 'registerModel'],
    ]);
    expect(text.stdout).toMatch(
      /run {4}hyperparameterSearch\/trainModel\s+e\d+ {2}the --from step \(trainModel\)/,
    );
    expect(text.stdout).not.toContain('Started');
    expect(await reruns()).toBe(before);
  });

  it('`rerun run --dry-run --json` gives the plan and starts nothing', async () => {
    const before = await reruns();
    const asJson = await lineage([
      ...common(),
      '--json',
      'rerun',
      ...temporal(),
      'run',
      pipeline,
      '--dry-run',
    ]);
    expect(asJson.code).toBe(0);
    const { plan } = JSON.parse(asJson.stdout) as {
      plan: { from: string | null; steps: Array<{ action: string; reason: string }> };
    };
    expect(plan.from).toBeNull();
    expect(plan.steps).toHaveLength(5);
    expect(plan.steps.every((s) => s.action === 'run' && s.reason.startsWith('no --from'))).toBe(true);
    expect(await reruns()).toBe(before);
  });

  it('exits with a usage error for a malformed --set and with not-found for an unknown execution', async () => {
    const usage = await lineage([...common(), 'rerun', ...temporal(), 'execution', 'e1', '--set', 'seed']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('expected path=value');
    const missing = await lineage([...common(), 'rerun', ...temporal(), 'execution', 'e999999']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no execution matches '999999'/i);
  });
});
