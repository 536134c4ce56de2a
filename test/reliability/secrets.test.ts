/**
 * Secrets and access: redacted values (secret-looking keys, the `redact` hook, URL passwords)
 * never reach any table, and their digests are those of the redacted form, so reruns refuse them
 * by name; a worker whose payloads are encrypted by a codec stores digests only; the database
 * password never appears in CLI output or worker logs, nor in the failures Temporal records.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { DIGEST_ONLY_NOTE } from '../../src/artifacts/capture';
import { valueDigest } from '../../src/artifacts/digest';
import { encodeValue } from '../../src/artifacts/encode';
import { createRedaction, DEFAULT_REDACT_KEYS } from '../../src/artifacts/redact';
import { RerunInputNotReplayableError } from '../../src/errors';
import { LineagePlugin } from '../../src/plugin';
import { getRunExecutions } from '../../src/query/run-detail';
import { rerunExecution } from '../../src/rerun/rerun-execution';
import { lineage } from '../cli/run-cli';
import { useStore } from '../support/stores';
import { testClient, uniqueQueue } from '../support/temporal';
import { reliabilityActivities } from './support/activities';
import { EncryptingCodec } from './support/encrypting-codec';
import { storeText, waitFor, withReliabilityWorker } from './support/harness';
import { spawnWorker } from './support/spawn-worker';
import type { echoValue, steadySteps } from './support/workflows';

const redactKeys = [...DEFAULT_REDACT_KEYS, /^x-internal-/i];
const redact = (value: unknown) => typeof value === 'string' && value.startsWith('ssn:');

/** A pipeline parameter full of secrets, and lookalikes that are not secrets. */
function secretive(tag: string) {
  return {
    db: { host: 'db.internal', password: `S3CRET-${tag}-password` },
    apiKey: `S3CRET-${tag}-apikey`,
    headers: { Authorization: `Bearer S3CRET-${tag}-bearer`, 'X-Internal-Auth': `S3CRET-${tag}-regex` },
    note: `ssn:S3CRET-${tag}-hook`,
    dataset: {
      kind: 'Dataset',
      uri: `postgres://reader:S3CRET-${tag}-uri@db.internal/features`,
      credentials: { accessToken: `S3CRET-${tag}-nested` },
    },
    params: { maxTokens: 256, tokenizer: 'bpe', secretName: 'not-a-secret-value' },
  };
}

describe('secrets in captured values', () => {
  const ctx = useStore('postgres', 'secrets');
  const { activities } = reliabilityActivities();

  async function echo(plugin: LineagePlugin, value: unknown, client?: Client, worker: object = {}) {
    const taskQueue = uniqueQueue('secrets');
    const temporal = client ?? (await testClient());
    return withReliabilityWorker({ plugin, taskQueue, activities, ...worker }, async () => {
      const handle = await temporal.workflow.start<typeof echoValue>('echoValue', {
        taskQueue,
        workflowId: uniqueQueue('secretive'),
        args: [value],
      });
      const result = await handle.result();
      const [execution] = await getRunExecutions(
        ctx.store(),
        `${handle.workflowId}/${handle.firstExecutionRunId}`,
      );
      return { result, execution: execution!, workflowId: handle.workflowId };
    });
  }

  it('keeps redacted values out of every table and digests their redacted form', async () => {
    const plugin = new LineagePlugin({ store: ctx.store(), redactKeys, redact });
    const a = await echo(plugin, secretive('a'));
    const b = await echo(plugin, secretive('b'));
    // The pipeline itself sees every secret: only the record leaves them out.
    expect(a.result).toEqual(secretive('a'));
    const text = await storeText(ctx.store());
    expect(text).not.toMatch(/S3CRET/);
    // (Row text doubles the quotes inside jsonb values.)
    expect(text).toMatch(/\$lineage"+: "+redacted/);
    expect(text).toMatch(/postgres:\/\/reader:\*\*\*@db\.internal/);
    expect(text).toContain('not-a-secret-value');
    expect(text).toMatch(/maxTokens"+: 256/);
    // Runs that differ only in their secrets have the same digests: a digest cannot confirm a guess.
    expect(a.execution.inputDigest).toBe(b.execution.inputDigest);
    const redaction = createRedaction(redactKeys, redact);
    expect(a.execution.inputDigest).toBe(
      valueDigest(encodeValue([secretive('c')], redaction, 'args')).digest,
    );
    const dataset = a.execution.inputs.find((i) => i.artifact.type === 'Dataset')!.artifact;
    expect(dataset.uri).toBe('postgres://reader:***@db.internal/features');

    // A rerun cannot replay what was never stored, and says so.
    const client = await testClient();
    const refused = await rerunExecution({ store: ctx.store(), client, execution: a.execution.id }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(RerunInputNotReplayableError);
    expect((refused as Error).message).toMatch(/redacted value.*--set args\[0\]/);
  });

  it('stores digests only when the worker encrypts its payloads, unless told otherwise', async () => {
    const codec = new EncryptingCodec();
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, dataConverter: { payloadCodecs: [codec] } });
      const worker = { dataConverter: { payloadCodecs: [codec] } };
      const value = (who: string) => ({
        customer: `PLAINTEXT-${who}`,
        dataset: { kind: 'Dataset', uri: `s3://private/PLAINTEXT-${who}.csv` },
      });

      const hidden = await echo(new LineagePlugin({ store: ctx.store() }), value('alice'), client, worker);
      expect(hidden.result).toEqual(value('alice'));
      expect(await storeText(ctx.store())).not.toContain('PLAINTEXT-alice');
      for (const { artifact } of [...hidden.execution.inputs, ...hidden.execution.outputs]) {
        expect(artifact).toMatchObject({
          value: null,
          inline: false,
          uri: null,
          properties: { notInline: DIGEST_ONLY_NOTE },
        });
        expect(artifact.valueDigest).toMatch(/^sha256:/);
      }
      expect(hidden.execution.inputs.map((i) => i.artifact.type)).toContain('Dataset');
      const [run] = await ctx
        .store()
        .rows<{ args: unknown; args_digest: string }>(
          sql`select args, args_digest from contexts where workflow_id = ${hidden.workflowId}`,
        );
      expect(run).toMatchObject({ args: null, args_digest: expect.stringMatching(/^sha256:/) as string });
      const refused = await rerunExecution({
        store: ctx.store(),
        client,
        execution: hidden.execution.id,
      }).catch((e: unknown) => e);
      expect((refused as Error).message).toMatch(/digest only/);

      const shown = await echo(
        new LineagePlugin({ store: ctx.store(), captureValuesWithCodec: true }),
        value('bob'),
        client,
        worker,
      );
      expect(shown.execution.inputs[0]!.artifact.value).toEqual(value('bob'));
    } finally {
      await connection.close();
    }
  });
});

describe('the database password', () => {
  const PASSWORD = 'PW-never-shown';
  // Nothing listens on port 1: connections are refused at once.
  const plain = `postgres://lineage:${PASSWORD}@127.0.0.1:1/lineage`;
  const special = `postgres://lineage:${encodeURIComponent(`p@ss:w/rd-${PASSWORD}`)}@127.0.0.1:1/lineage`;

  it('never appears in CLI output or errors, however the URL is given', async () => {
    const runs = await Promise.all([
      lineage(['runs', '--db', plain]),
      lineage(['runs', '--json', '--db', special]),
      lineage(['show', 'some-run'], { DATABASE_URL: plain }),
      lineage(['reconcile', '--no-temporal', '--older-than', '1h', '--db', special]),
      lineage(['migrate', '--json'], { DATABASE_URL: special }),
    ]);
    for (const { code, stdout, stderr } of runs) {
      expect(code).toBe(5);
      expect(`${stdout}${stderr}`).not.toContain('PW-never-shown');
      expect(`${stdout}${stderr}`).not.toContain('p@ss');
      expect(stderr).toContain('127.0.0.1:1');
    }
  });

  it("never appears in worker logs ('continue', 'outbox', 'fail') or in the failures Temporal records", async () => {
    const client = await testClient();
    const outboxDir = mkdtempSync(join(tmpdir(), 'lineage-outbox-'));
    const policies = [
      { onStoreError: 'continue' as const, databaseUrl: plain },
      { onStoreError: 'outbox' as const, databaseUrl: special, outboxDir },
      { onStoreError: 'fail' as const, databaseUrl: special },
    ];
    await Promise.all(
      policies.map(async (plugin) => {
        const taskQueue = uniqueQueue(`password-${plugin.onStoreError}`);
        const worker = await spawnWorker({ taskQueue, plugin, logLevel: 'INFO' });
        try {
          const handle = await client.workflow.start<typeof steadySteps>('steadySteps', {
            taskQueue,
            workflowId: uniqueQueue('password'),
            args: [2, 10],
          });
          if (plugin.onStoreError === 'fail') {
            // Attempts keep failing while the store is unreachable: read what Temporal recorded.
            const failure = await waitFor('a recorded attempt failure', async () => {
              const [pending] = (await handle.describe()).raw.pendingActivities ?? [];
              return pending?.lastFailure?.message ?? undefined;
            });
            expect(failure).toContain('127.0.0.1:1');
            expect(failure).not.toContain(PASSWORD);
            await handle.terminate();
          } else {
            expect(await handle.result()).toEqual([0, 2]);
          }
        } finally {
          await worker.stop();
        }
        const logs = worker.output();
        expect(logs).toMatch(plugin.onStoreError === 'fail' ? /LineageStoreUnavailable/ : /record|outbox/);
        expect(logs).not.toContain(PASSWORD);
        expect(logs).not.toContain('p@ss');
      }),
    );
  });
});
