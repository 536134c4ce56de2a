import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { getRunExecutions } from '../../src/query/run-detail';
import { lineage } from '../cli/run-cli';
import { useStore } from '../support/stores';
import { testWorkflowsPath, uniqueQueue } from '../support/temporal';
import { allActivities, runWorkflow } from './rerun-support';

const CONVERTERS = join(__dirname, '../fixtures/converters');

/** Dates are what JSON alone gets wrong: each converter writes them its own way. */
const INPUT = { at: new Date(86_400_000), n: 2 };

/**
 * Each case: a Worker and client whose payload converter is `module`, as a user configures them
 * with `payloadConverterPath`; the original run is recorded through it. `refusal` is what a rerun
 * with Temporal's default converter is refused with.
 */
const CASES = [
  { module: 'ejson.js', encoding: 'json/ejson', refusal: "the rerun's data converter cannot read it" },
  {
    module: 'date-json.js',
    encoding: 'json/plain',
    refusal: `the rerun's data converter reads it as {"at":{"$date":86400000},"n":2}, but the recording Worker saw`,
  },
] as const;

// The command opens the store while the test's Worker writes to it: Postgres, which two
// processes can share.
describe.each(CASES)(
  'rerun with the Worker payload converter %s (CLI, postgres)',
  ({ module, encoding, refusal }) => {
    const ctx = useStore('postgres', `rerun_converter_${encoding.replace('/', '_')}`);
    const { activities } = allActivities();
    const payloadConverterPath = join(CONVERTERS, module);
    const taskQueue = uniqueQueue('rerun-converter');
    let connection: NativeConnection;
    let client: Client;
    let stop: () => Promise<void>;
    let run: string;
    const cli = (...args: string[]) =>
      lineage(['--db', ctx.url!, 'rerun', '--address', inject('temporalAddress'), ...args], {
        NO_COLOR: '1',
      });

    beforeAll(async () => {
      connection = await NativeConnection.connect({ address: inject('temporalAddress') });
      const plugin = new LineagePlugin({ store: ctx.store() });
      const worker = await Worker.create({
        connection,
        taskQueue,
        workflowBundle: await bundleWorkflowCode({
          workflowsPath: testWorkflowsPath,
          payloadConverterPath,
          plugins: [plugin],
          logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
        }),
        dataConverter: { payloadConverterPath },
        activities,
        plugins: [plugin],
      });
      const running = worker.run();
      stop = async () => {
        worker.shutdown();
        await running;
        await connection.close();
      };
      client = new Client({
        connection: await Connection.connect({ address: inject('temporalAddress') }),
        dataConverter: { payloadConverterPath },
      });
      const original = await runWorkflow(client, taskQueue, 'echoes', [INPUT]);
      expect(original.result).toEqual(INPUT);
      run = original.name;
    });
    afterAll(async () => {
      await stop?.();
      await client?.connection.close();
    });

    it(`refuses a rerun run with the default converter, naming ${encoding} and --converter, before anything starts`, async () => {
      const { code, stdout, stderr } = await cli('run', run);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain(
        `input args[0] was recorded with payload encoding '${encoding}', and ${refusal}`,
      );
      expect(stderr).toContain('--converter <module>');
    });

    it('reruns the run with --converter: the workflow gets the same Date, and the verdict is reproduced', async () => {
      const { code, stdout, stderr } = await cli('run', run, '--converter', payloadConverterPath, '--json');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const result = JSON.parse(stdout) as {
        rerun: { workflowId: string; runId: string };
        verdict: { status: string };
      };
      expect(result.verdict.status).toBe('reproduced');
      const returned: unknown = await client.workflow
        .getHandle(result.rerun.workflowId, result.rerun.runId)
        .result();
      expect(returned).toEqual(INPUT);
    });

    it('reruns the execution with --converter (its private Worker uses the converter too): reproduced', async () => {
      const [echo] = await getRunExecutions(ctx.store(), run);
      const { code, stdout, stderr } = await cli(
        'execution',
        `e${echo!.id}`,
        '--converter',
        payloadConverterPath,
        '--json',
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect((JSON.parse(stdout) as { verdict: { status: string } }).verdict.status).toBe('reproduced');
    });
  },
);
