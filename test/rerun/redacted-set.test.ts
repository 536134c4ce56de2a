import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { getRunExecutions } from '../../src/query/run-detail';
import { lineage } from '../cli/run-cli';
import { useStore } from '../support/stores';
import { testClient } from '../support/temporal';
import { allActivities, runWorkflow, startWorker, type RunningWorker } from './rerun-support';

const SECRET_INPUT = { user: 'ada', password: 'hunter2' };

// The command opens the store while the test's worker writes to it: Postgres, which two
// processes can share.
describe('rerun with one redacted field filled by --set (CLI, postgres)', () => {
  const ctx = useStore('postgres', 'rerun_redacted_set');
  const { activities } = allActivities();
  let client: Client;
  let worker: RunningWorker;
  let run: string;
  let echo: number;
  const cli = (...args: string[]) =>
    lineage(['--db', ctx.url!, 'rerun', '--address', inject('temporalAddress'), ...args], {
      NO_COLOR: '1',
    });

  beforeAll(async () => {
    client = await testClient();
    worker = await startWorker(new LineagePlugin({ store: ctx.store() }), activities, 'rerun-redacted');
    ({ name: run } = await runWorkflow(client, worker.taskQueue, 'echoes', [SECRET_INPUT]));
    const [execution] = await getRunExecutions(ctx.store(), run);
    echo = execution!.id;
  });
  afterAll(() => worker?.stop());

  it('refuses without --set, recommending the exact field path, and that recommendation works for rerun execution', async () => {
    const refused = await cli('execution', `e${echo}`);
    expect(refused.code).toBe(1);
    const recommended = /supply it with --set (\S+)=<value>/.exec(refused.stderr)?.[1];
    expect(recommended).toBe('args[0].password');

    const { code, stdout, stderr } = await cli(
      'execution',
      `e${echo}`,
      '--set',
      `${recommended}=s3cret`,
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { workflowId: string; runId: string; verdict: { status: string } };
    // The activity saw the supplied password and the recorded user: the rerun workflow returns what echo returned.
    const returned: unknown = await client.workflow.getHandle(result.workflowId, result.runId).result();
    expect(returned).toEqual({ user: 'ada', password: 's3cret' });
    // Both sides record the password redacted, so the outputs compare equal.
    expect(result.verdict.status).toBe('reproduced');
  });

  it('fills one redacted workflow argument field for rerun run', async () => {
    const refused = await cli('run', run);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('input args[0].password holds a redacted value');
    expect(refused.stderr).toContain('supply it with --set args[0].password=<value>');

    const { code, stdout, stderr } = await cli('run', run, '--set', 'args[0].password=s3cret', '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { rerun: { workflowId: string; runId: string } };
    const returned: unknown = await client.workflow
      .getHandle(result.rerun.workflowId, result.rerun.runId)
      .result();
    expect(returned).toEqual({ user: 'ada', password: 's3cret' });
  });
});
