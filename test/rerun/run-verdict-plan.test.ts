import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { getRunExecutions } from '../../src/query/run-detail';
import { prepareRunRerun } from '../../src/rerun/rerun-run';
import { formatPlan } from '../../src/rerun/plan';
import { formatRunVerdict } from '../../src/rerun/run-verdict';
import { DRIVERS, useStore } from '../support/stores';
import { testClient } from '../support/temporal';
import { allActivities, runWorkflow, startWorker, type RunningWorker } from './rerun-support';

/** Values over this many bytes are stored digest-only, so they cannot be reused by `--from`. */
const MAX_INLINE = 200;

describe.each(DRIVERS)('run verdict and rerun plan on %s', (driver) => {
  const ctx = useStore(driver, `run_verdict_${driver}`);
  const { activities } = allActivities();
  let client: Client;
  let worker: RunningWorker;
  beforeAll(async () => {
    client = await testClient();
    worker = await startWorker(
      new LineagePlugin({ store: ctx.store(), maxInlineBytes: MAX_INLINE }),
      activities,
      `run-verdict-${driver}`,
    );
  });
  afterAll(() => worker?.stop());

  it('a step that writes other bytes to the same path makes the run verdict differ, naming the step and path', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lineage-verdict-')), 'model.bin');
    const { name } = await runWorkflow(client, worker.taskQueue, 'rewritesModel', [path, 'done']);
    const prepared = await prepareRunRerun({ store: ctx.store(), client, run: name });
    const { verdict } = await (await prepared.start()).result();
    // The run's result is equal: only the file's content tells the runs apart.
    expect(verdict.outputs.every((o) => o.status === 'same')).toBe(true);
    expect(verdict.status).toBe('differs');
    const uri = `file://${path}`;
    expect(verdict.steps.map((s) => [s.step, s.status])).toEqual([
      ['echo', 'same'],
      ['rewriteModel', 'differs'],
    ]);
    const [changed] = verdict.steps[1]!.outputs;
    expect(changed).toMatchObject({ path: 'result', status: 'changed' });
    expect(changed!.before!.value).toEqual(changed!.after!.value);
    expect(changed!.before!.digest).not.toBe(changed!.after!.digest);
    const text = formatRunVerdict(verdict);
    expect(text).toContain('verdict: differs (1 of 2 steps differ; result same)');
    expect(text).toContain(`step rewriteModel: differs\n    ≠ result  Model  ${uri}  sha256:`);
  });

  it('a run whose steps and result are equal is reproduced', async () => {
    const { name } = await runWorkflow(client, worker.taskQueue, 'stepsOf', [{ echo: { a: 1 }, square: 4 }]);
    const { verdict } = await (
      await (await prepareRunRerun({ store: ctx.store(), client, run: name })).start()
    ).result();
    expect(verdict.status).toBe('reproduced');
    expect(verdict.steps.map((s) => [s.step, s.status])).toEqual([
      ['echo', 'same'],
      ['square', 'same'],
    ]);
  });

  it('the plan says which steps reuse their output and why the others run, and the run does what it said', async () => {
    const big = 'x'.repeat(MAX_INLINE * 2);
    const small = await runWorkflow(client, worker.taskQueue, 'stepsOf', [{ echo: 'small', square: 3 }]);
    const large = await runWorkflow(client, worker.taskQueue, 'stepsOf', [{ echo: big, square: 3 }]);
    const store = ctx.store();
    const [echoSmall] = await getRunExecutions(store, small.name);
    const [echoLarge] = await getRunExecutions(store, large.name);

    const reuse = await prepareRunRerun({ store, client, run: small.name, from: 'square' });
    expect(reuse.plan.steps.map((s) => [s.step, s.action, s.reason])).toEqual([
      ['echo', 'reuse', `recorded output of e${echoSmall!.id}`],
      ['square', 'run', 'the --from step (square)'],
    ]);
    const digestOnly = await prepareRunRerun({ store, client, run: large.name, from: 'square' });
    expect(digestOnly.plan.steps.map((s) => [s.step, s.action])).toEqual([
      ['echo', 'run'],
      ['square', 'run'],
    ]);
    expect(digestOnly.plan.steps[0]!.reason).toMatch(
      /^result stored digest-only \(\d+ bytes, over maxInlineBytes\)$/,
    );
    expect(formatPlan(digestOnly.plan)).toMatch(
      new RegExp(
        `^plan: rerun ${large.name} from square: 0 steps reused, 2 run again\\n  run    echo    e${echoLarge!.id}  result stored digest-only`,
      ),
    );
    const everything = await prepareRunRerun({ store, client, run: small.name });
    expect(everything.plan.steps.every((s) => s.action === 'run' && s.reason.startsWith('no --from'))).toBe(
      true,
    );

    // Preparing started nothing; starting does what the plan said.
    const states = async (prepared: typeof reuse) => {
      const { steps } = await (await prepared.start()).result();
      return steps.map((s) => [s.activityType, s.state]);
    };
    expect(await states(reuse)).toEqual([
      ['echo', 'CACHED'],
      ['square', 'COMPLETE'],
    ]);
    expect(await states(digestOnly)).toEqual([
      ['echo', 'COMPLETE'],
      ['square', 'COMPLETE'],
    ]);
  });
});
