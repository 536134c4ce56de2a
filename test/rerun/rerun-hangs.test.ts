import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { getRun } from '../../src/query/get-run';
import { getRunExecutions } from '../../src/query/run-detail';
import { lineage } from '../cli/run-cli';
import { useStore } from '../support/stores';
import { testClient } from '../support/temporal';
import { allActivities, runWorkflow, startWorker, type RunningWorker } from './rerun-support';

/** A rerun that cannot make progress must end within seconds, not wait forever. */
describe('rerun run never hangs (CLI, postgres)', () => {
  const ctx = useStore('postgres', 'rerun_hangs');
  const { activities } = allActivities();
  let client: Client;
  let worker: RunningWorker;
  const cli = (...args: string[]) =>
    lineage(['--db', ctx.url!, 'rerun', '--address', inject('temporalAddress'), ...args], {
      NO_COLOR: '1',
    });
  /** The rerun named in a `Rerun <workflowId>/<runId> …` error. */
  const rerunName = (stderr: string) => /Rerun (\S+\/\S+) (?:failed|timed-out)/.exec(stderr)?.[1];

  beforeAll(async () => {
    client = await testClient();
    worker = await startWorker(new LineagePlugin({ store: ctx.store() }), activities, 'rerun-hangs');
  });
  afterAll(() => worker?.stop());

  it('stops on a workflow-task failure: prints it, terminates the rerun, records it FAILED', async () => {
    const { name } = await runWorkflow(client, worker.taskQueue, 'squareUnlessBroken', [
      { n: 3, broken: false },
    ]);
    const { code, stdout, stderr } = await cli('run', name, '--set', 'args[0].broken=true');
    expect(stdout).toMatch(/^Started \S+ \(rerun of /m);
    expect(code).toBe(1);
    expect(stderr).toContain(`a workflow task failed on the Worker of task queue '${worker.taskQueue}'`);
    expect(stderr).toContain('workflow code bug after squaring 3');
    const rerun = rerunName(stderr)!;
    const [workflowId, runId] = rerun.split('/') as [string, string];
    expect((await client.workflow.getHandle(workflowId, runId).describe()).status.name).toBe('TERMINATED');
    const recorded = await getRun(ctx.store(), rerun);
    expect(recorded.status).toBe('FAILED');
    expect(recorded.rerunOf).toBe(name);
    expect(recorded.error).toContain('workflow code bug after squaring 3');
  });

  it('gives up after the pickup timeout when no Worker takes the rerun, naming the task queue', async () => {
    const idle = await startWorker(new LineagePlugin({ store: ctx.store() }), activities, 'rerun-idle');
    const { name } = await runWorkflow(client, idle.taskQueue, 'parallelSquares', [1]);
    // The Worker is gone, but Temporal still lists it as a recent poller of the queue.
    await idle.stop();
    const { code, stderr } = await cli('run', name, '--pickup-timeout', '2');
    expect(code).toBe(1);
    expect(stderr).toContain(`no Worker picked it up from task queue '${idle.taskQueue}' within 2s`);
    expect(stderr).toContain(`start a Worker on task queue '${idle.taskQueue}'`);
    const rerun = rerunName(stderr)!;
    const [workflowId, runId] = rerun.split('/') as [string, string];
    expect((await client.workflow.getHandle(workflowId, runId).describe()).status.name).toBe('TERMINATED');
    expect((await getRun(ctx.store(), rerun)).status).toBe('FAILED');
  });

  describe('a rerun that fails prints the root cause first, then the chain', () => {
    const CHAIN =
      'key-9 always fails \\(WorkflowFailedError: Workflow execution failed → ActivityFailure: Activity task failed → ApplicationFailure: key-9 always fails\\)';
    let failed: string;
    beforeAll(async () => {
      const handle = await client.workflow.start('failsAlways', {
        taskQueue: worker.taskQueue,
        workflowId: `failsAlways-${Date.now()}`,
        args: ['key-9'],
      });
      await expect(handle.result()).rejects.toThrow();
      failed = `${handle.workflowId}/${handle.firstExecutionRunId}`;
    });

    it('for rerun run', async () => {
      const { code, stderr } = await cli('run', failed);
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`failed: ${CHAIN}`));
    });

    it('for rerun execution', async () => {
      const [execution] = await getRunExecutions(ctx.store(), failed);
      const { code, stderr } = await cli('execution', `e${execution!.id}`, '--attempts', '1');
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`failed: alwaysFails: ${CHAIN}`));
    });
  });
});
