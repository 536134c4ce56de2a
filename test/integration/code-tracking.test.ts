import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createMlActivities } from '../../activities';
import { LineagePlugin } from '../../src/plugin';
import { diffRuns } from '../../src/query/diff';
import { traceLineage } from '../../src/query/lineage';
import { getRunExecutions } from '../../src/query/run-detail';
import { fixtureActivities } from '../fixtures/activities';
import { DRIVERS, useStore } from '../support/stores';
import { testBundle, testClient, uniqueQueue, withWorker } from '../support/temporal';

const sha256 = (data: string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe.each(DRIVERS)('code and environment tracking on %s', (driver) => {
  const ctx = useStore(driver, `code_tracking_${driver}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'lineage-code-'));
  const fixtures = fixtureActivities();

  async function run(
    workflowType: string,
    args: unknown[],
    options: { activities?: object; plugin?: LineagePlugin; identity?: string; taskQueue?: string } = {},
  ): Promise<string> {
    const taskQueue = options.taskQueue ?? uniqueQueue(driver);
    const client = await testClient();
    const plugin = options.plugin ?? new LineagePlugin({ store: ctx.store() });
    const activities = options.activities ?? fixtures.activities;
    const identity = options.identity ? { identity: options.identity } : {};
    return withWorker({ plugin, taskQueue, activities, ...identity }, async () => {
      const handle = await client.workflow.start(workflowType, {
        taskQueue,
        workflowId: uniqueQueue(workflowType),
        args,
      });
      await handle.result();
      return `${handle.workflowId}/${handle.firstExecutionRunId}`;
    });
  }

  it('links every execution to the Code of its activity and the Environment of its Worker, apart from its inputs', async () => {
    const name = await run('parallelSquares', [2]);
    const store = ctx.store();
    const executions = await getRunExecutions(store, name);
    expect(executions).toHaveLength(2);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const bundle = sha256((await testBundle()).code);
    for (const execution of executions) {
      expect(execution.inputs.map((i) => i.path)).toEqual(['args[0]']);
      expect(execution.code).toMatchObject({ type: 'Code', uri: null, inline: true });
      expect(execution.code!.value).toMatchObject({
        activityType: 'square',
        function: sha256(fixtures.activities.square.toString()),
        workflowBundle: bundle,
        git: { commit: head },
        package: { name: 'temporal-lineage' },
      });
      expect(execution.environment).toMatchObject({ type: 'Environment', uri: null });
      expect(execution.environment!.value).toMatchObject({ node: process.version, env: {} });
    }
    // One Code and one Environment artifact for both attempts: per attempt, only the edges.
    expect(new Set(executions.map((e) => e.code!.id)).size).toBe(1);
    const events = await store.rows<{ path: string; n: string | number }>(sql`
      select e.path, count(*) as n from events e
      where e.execution_id in (${sql.join(
        executions.map((e) => sql`${e.id}`),
        sql`, `,
      )}) and e.type = 'INPUT' group by e.path order by e.path`);
    expect(events.map((row) => [row.path, Number(row.n)])).toEqual([
      ['$code', 2],
      ['$environment', 2],
      ['args[0]', 2],
    ]);
    // A walk does not step from an execution to its code or environment.
    const graph = await traceLineage(store, { executionId: executions[0]!.id }, { direction: 'upstream' });
    const kinds = graph.nodes.map((n) => (n.kind === 'artifact' ? n.type : n.kind));
    expect(kinds.sort()).toEqual(['Value', 'execution']);
  });

  it('dedupes equal environments across runs and Workers, and records captureEnv values through redaction', async () => {
    const store = ctx.store();
    const first = await getRunExecutions(store, await run('echoes', ['a']));
    const second = await getRunExecutions(store, await run('echoes', ['b']));
    expect(second[0]!.environment!.id).toBe(first[0]!.environment!.id);
    expect(second[0]!.code!.id).toBe(first[0]!.code!.id);

    process.env.LINEAGE_TEST_DEVICES = '0,1';
    process.env.LINEAGE_TEST_TOKEN = 'do-not-store';
    try {
      const plugin = new LineagePlugin({
        store: ctx.store(),
        captureEnv: ['LINEAGE_TEST_DEVICES', 'LINEAGE_TEST_TOKEN', 'LINEAGE_TEST_UNSET'],
      });
      const captured = await getRunExecutions(store, await run('echoes', ['c'], { plugin }));
      const environment = captured[0]!.environment!;
      expect(environment.id).not.toBe(first[0]!.environment!.id);
      expect((environment.value as { env: unknown }).env).toEqual({
        LINEAGE_TEST_DEVICES: '0,1',
        LINEAGE_TEST_TOKEN: '[redacted]',
      });
      const stored = await store.rows<{ n: string | number }>(
        sql`select count(*) as n from artifacts where value::text like '%do-not-store%'`,
      );
      expect(Number(stored[0]!.n)).toBe(0);
    } finally {
      delete process.env.LINEAGE_TEST_DEVICES;
      delete process.env.LINEAGE_TEST_TOKEN;
    }
  });

  it('diff shows code changed for the one step whose function changed, and not for another pid@host', async () => {
    const ml = createMlActivities({ dataDir });
    const input = { seed: 3, grid: [{ nEstimators: 5 }] };
    // One queue for both runs, so that the only differences are the function and the Worker.
    const taskQueue = uniqueQueue(driver);
    const a = await run('trainingPipeline', [input], {
      activities: ml,
      identity: 'worker-a@host-a',
      taskQueue,
    });
    const changed = {
      ...ml,
      // Same behaviour, other source: what an edited activity looks like to the Worker.
      trainModel: (...args: Parameters<typeof ml.trainModel>) => ml.trainModel(...args),
    };
    const b = await run('trainingPipeline', [input], {
      activities: changed,
      identity: 'worker-b@host-b',
      taskQueue,
    });
    const diff = await diffRuns(ctx.store(), a, b);
    expect(diff.stepCode).toEqual([
      {
        step: 'hyperparameterSearch/trainModel',
        what: 'function',
        a: sha256(ml.trainModel.toString()),
        b: sha256(changed.trainModel.toString()),
      },
    ]);
    expect(diff.code).toEqual([]);
    expect(diff.environment).toEqual([]);
    expect(diff.identical).toBe(false);
    // Every step ran on another Worker identity, and only the edited one is listed.
    const identities = async (name: string) =>
      new Set((await getRunExecutions(ctx.store(), name)).map((e) => e.workerIdentity));
    expect([await identities(a), await identities(b)]).toEqual([
      new Set(['worker-a@host-a']),
      new Set(['worker-b@host-b']),
    ]);
  });
});
