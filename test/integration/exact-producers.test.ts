import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { TRACKED_PATH_LIKE } from '../../src/artifacts/tracked-paths';
import { describe, expect, it } from 'vitest';
import { openLineageEvents } from '../../src/export/openlineage';
import type { OpenLineageRunEvent } from '../../src/export/openlineage-model';
import { LineagePlugin } from '../../src/plugin';
import { traceLineage, type ExecutionNode } from '../../src/query/lineage';
import { describeRun } from '../../src/query/run-detail';
import { lineage } from '../cli/run-cli';
import { producerActivities } from '../fixtures/producer-activities';
import { DRIVERS, useStore } from '../support/stores';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';

/** One recorded execution with what it read: each input's value and the producer on its edge. */
interface Step {
  id: number;
  workflowId: string;
  runId: string;
  activityType: string;
  activityId: string;
  inputs: Array<{ path: string; artifactId: number; value: unknown; producer: number | null }>;
}

describe.each(DRIVERS)('exact producers on INPUT edges, on %s', (driver) => {
  const ctx = useStore(driver, `exact_producers_${driver}`);

  async function run(workflowType: string, args: unknown[] = []) {
    const taskQueue = uniqueQueue('producers');
    const client = await testClient();
    return withWorker(
      { plugin: new LineagePlugin({ store: ctx.store() }), taskQueue, activities: producerActivities() },
      async () => {
        const handle = await client.workflow.start(workflowType, {
          taskQueue,
          workflowId: uniqueQueue(workflowType),
          args,
        });
        await handle.result();
        return handle.workflowId;
      },
    );
  }

  /** The executions of every run whose workflow id starts with `workflowId`, in start order. */
  async function steps(workflowId: string): Promise<Step[]> {
    const rows = await ctx.store().rows<Omit<Step, 'inputs'>>(sql`
      select id::int as id, workflow_id as "workflowId", run_id as "runId", activity_type as "activityType",
        activity_id as "activityId"
      from executions where workflow_id like ${`${workflowId}%`} order by id`);
    const found: Step[] = [];
    for (const row of rows) {
      const inputs = await ctx.store().rows<Step['inputs'][number]>(sql`
        select e.path, e.artifact_id::int as "artifactId", a.value, e.producer_execution_id::int as producer
        from events e join artifacts a on a.id = e.artifact_id
        where e.execution_id = ${row.id} and e.type = 'INPUT' and e.path not like ${TRACKED_PATH_LIKE}
        order by e.path`);
      found.push({ ...row, inputs });
    }
    return found;
  }

  const only = (all: Step[], pick: (s: Step) => boolean): Step => {
    const matching = all.filter(pick);
    expect(matching).toHaveLength(1);
    return matching[0]!;
  };
  const readsUri = (uri: string) => (s: Step) =>
    s.inputs.some((i) => (i.value as { uri?: string } | null)?.uri === uri);
  const producerOf = (step: Step, path = 'args[0]') => step.inputs.find((i) => i.path === path)?.producer;

  async function upstreamIds(executionId: number): Promise<Set<number>> {
    const graph = await traceLineage(ctx.store(), { executionId }, { direction: 'upstream', maxHops: 20 });
    return new Set(graph.nodes.filter((n): n is ExecutionNode => n.kind === 'execution').map((n) => n.id));
  }

  it('traces a registered model to its own branch when the other branch returned equal metrics and scores', async () => {
    const workflowId = await run('registerSecondOfTwo');
    const all = await steps(workflowId);
    const train5 = only(
      all,
      (s) => s.activityType === 'train' && (s.inputs[0]?.value as { depth: number }).depth === 5,
    );
    const train3 = only(
      all,
      (s) => s.activityType === 'train' && (s.inputs[0]?.value as { depth: number }).depth === 3,
    );
    const evaluate5 = only(all, (s) => s.activityType === 'evaluate' && readsUri('mem://models/depth-5')(s));
    const evaluate3 = only(all, (s) => s.activityType === 'evaluate' && readsUri('mem://models/depth-3')(s));
    const score5 = only(all, (s) => s.activityType === 'score' && readsUri('mem://models/depth-5')(s));
    const register = only(all, (s) => s.activityType === 'register');
    // The equal values really are one artifact each: content identity alone cannot tell the branches apart.
    expect(evaluate3.id).not.toBe(evaluate5.id);
    expect(register.inputs.map((i) => i.producer)).toEqual([train5.id, evaluate5.id, score5.id]);

    const upstream = await upstreamIds(register.id);
    expect(upstream).toEqual(new Set([register.id, score5.id, evaluate5.id, train5.id]));

    const graph = await traceLineage(
      ctx.store(),
      { executionId: train3.id },
      { direction: 'downstream', maxHops: 20 },
    );
    const downstream = new Set(graph.nodes.filter((n) => n.kind === 'execution').map((n) => n.id));
    expect(downstream.has(register.id)).toBe(false);
    expect(downstream.has(evaluate3.id)).toBe(true);
  });

  it('names URI-less OpenLineage datasets per producer, so a consumer joins only its own producer', async () => {
    const workflowId = await run('registerSecondOfTwo');
    const all = await steps(workflowId);
    const evaluate5 = only(all, (s) => s.activityType === 'evaluate' && readsUri('mem://models/depth-5')(s));
    const evaluate3 = only(all, (s) => s.activityType === 'evaluate' && readsUri('mem://models/depth-3')(s));
    const events: OpenLineageRunEvent[] = [];
    for await (const event of openLineageEvents(ctx.store(), { run: workflowId })) events.push(event);
    const completed = (type: string) =>
      events.filter((e) => e.eventType === 'COMPLETE' && e.job.name === type);
    const metricsIn = completed('register')[0]!
      .inputs.map((d) => d.name)
      .filter((n) => n.startsWith('Metrics/'));
    expect(metricsIn).toHaveLength(1);
    expect(metricsIn[0]).toMatch(new RegExp(`@e${evaluate5.id}$`));
    const evaluatedOutputs = completed('evaluate').flatMap((e) => e.outputs.map((d) => d.name));
    expect(evaluatedOutputs).toContain(metricsIn[0]);
    expect(evaluatedOutputs.some((n) => n.endsWith(`@e${evaluate3.id}`))).toBe(true);
  });

  it('records a literal equal to another run’s output as an external input of its own run', async () => {
    const first = await steps(await run('registerSecondOfTwo'));
    const [summarize] = await steps(await run('summarizeLiteral'));
    const evaluated = first.find((s) => s.activityType === 'evaluate')!;
    const metricsArtifact = (
      await ctx
        .store()
        .rows<{ id: number }>(
          sql`select artifact_id::int as id from events where execution_id = ${evaluated.id} and type = 'OUTPUT'`,
        )
    )[0]!.id;
    expect(summarize!.inputs[0]!.artifactId).toBe(metricsArtifact);
    expect(summarize!.inputs[0]!.producer).toBeNull();
    expect(await upstreamIds(summarize!.id)).toEqual(new Set([summarize!.id]));
  });

  it('links a child run’s result to the child’s step that produced it', async () => {
    const workflowId = await run('summarizeFirstChild');
    const all = await steps(workflowId);
    const evaluate3 = only(all, (s) => s.activityType === 'evaluate' && s.workflowId === `${workflowId}-c3`);
    const summarize = only(all, (s) => s.activityType === 'summarize');
    expect(producerOf(summarize)).toBe(evaluate3.id);
  });

  it('links a parent’s value passed to a child run to the parent’s step', async () => {
    const workflowId = await run('firstMetricsToChild');
    const all = await steps(workflowId);
    const first = only(all, (s) => s.activityType === 'evaluate' && readsUri('mem://models/depth-3')(s));
    const summarize = only(all, (s) => s.activityType === 'summarize');
    expect(summarize.workflowId).toBe(`${workflowId}-child`);
    expect(producerOf(summarize)).toBe(first.id);
  });

  it('links a local activity’s result to that local activity', async () => {
    const workflowId = await run('firstLocalMetrics');
    const all = await steps(workflowId);
    const first = only(all, (s) => s.activityType === 'evaluate' && readsUri('mem://models/depth-3')(s));
    const summarize = only(all, (s) => s.activityType === 'summarize');
    expect(producerOf(summarize)).toBe(first.id);
  });

  it('follows a value relayed through two steps, past a later equal evaluation', async () => {
    const workflowId = await run('relayTwice');
    const all = await steps(workflowId);
    const [firstEvaluate, laterEvaluate] = all.filter((s) => s.activityType === 'evaluate');
    const [relay1, relay2] = all.filter((s) => s.activityType === 'relay');
    const summarize = only(all, (s) => s.activityType === 'summarize');
    expect(producerOf(summarize)).toBe(relay2!.id);
    expect(producerOf(relay2!)).toBe(relay1!.id);
    expect(producerOf(relay1!)).toBe(firstEvaluate!.id);
    expect((await upstreamIds(summarize.id)).has(laterEvaluate!.id)).toBe(false);
  });

  it('links a value carried across continue-as-new to the previous run’s step, and the runs to each other', async () => {
    const workflowId = await run('carryAcrossContinue');
    const all = await steps(workflowId);
    const runIds = [...new Set(all.map((s) => s.runId))];
    expect(runIds).toHaveLength(2);
    const evaluate5 = only(all, (s) => s.activityType === 'evaluate' && readsUri('mem://models/depth-5')(s));
    const summarize = only(all, (s) => s.activityType === 'summarize');
    expect(summarize.runId).not.toBe(evaluate5.runId);
    expect(producerOf(summarize)).toBe(evaluate5.id);
    const [link] = await ctx.store().rows<{ previous: string }>(sql`
      select p.run_id as previous from contexts c join contexts p on p.id = c.continued_from
      where c.type = 'run' and c.run_id = ${summarize.runId}`);
    expect(link?.previous).toBe(evaluate5.runId);
    expect((await upstreamIds(summarize.id)).has(evaluate5.id)).toBe(true);

    const chain = [`${workflowId}/${evaluate5.runId}`, `${workflowId}/${summarize.runId}`];
    for (const name of chain)
      expect((await describeRun(ctx.store(), name)).chain.map((r) => r.name)).toEqual(chain);
    if (ctx.url !== undefined) {
      const shown = await lineage(['--db', ctx.url, 'show', chain[0]!]);
      expect(shown.stdout).toContain(`chain     ${chain[0]} → ${chain[1]}`);
    }
  });

  it('records Temporal’s start time for a run started before any Worker polled', async () => {
    const taskQueue = uniqueQueue('producers-late-worker');
    const client = await testClient();
    const handle = await client.workflow.start('summarizeLiteral', {
      taskQueue,
      workflowId: uniqueQueue('late-worker'),
    });
    // The run waits for a Worker: its first workflow task comes well after Temporal started it.
    await sleep(1500);
    await withWorker(
      { plugin: new LineagePlugin({ store: ctx.store() }), taskQueue, activities: producerActivities() },
      () => handle.result(),
    );
    const described = await handle.describe();
    const [recorded] = await ctx.store().rows<{ started: Date | string; ended: Date | string }>(sql`
      select started_at as started, ended_at as ended from contexts
      where type = 'run' and workflow_id = ${handle.workflowId}`);
    expect(new Date(recorded!.started).getTime()).toBe(described.startTime.getTime());
    const ended = new Date(recorded!.ended).getTime();
    expect(ended).toBeGreaterThanOrEqual(described.startTime.getTime());
    expect(ended).toBeLessThanOrEqual(described.closeTime!.getTime());
  });
});
