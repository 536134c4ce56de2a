/**
 * Bad input: values near Temporal's 2 MB payload limit, binary data, NUL and lone surrogates in
 * strings and keys (jsonb rejects both), thousands of levels of nesting, very wide objects, huge
 * numbers, NaN and Infinity, class instances, Maps, Sets and Errors, hostile URIs and keys, hostile
 * error messages, values a custom payload converter produced, and workflow arguments that are not
 * JSON at all. Capture records each faithfully or with an explicit marker, never fails the
 * activity, and leaves the pipeline's results exactly as they would be without it.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { valueDigest } from '../../src/artifacts/digest';
import { decodeValue, encodeValue, lossyMarker, type EncodedValue } from '../../src/artifacts/encode';
import { LineagePlugin } from '../../src/plugin';
import { getRunExecutions } from '../../src/query/run-detail';
import { DRIVERS, useStore } from '../support/stores';
import { testClient, uniqueQueue } from '../support/temporal';
import { producedValue, reliabilityActivities } from './support/activities';
import { TAGGED_CONVERTER } from './support/bundle';
import { withReliabilityWorker } from './support/harness';
import type { echoValue, failOddly, produceValue } from './support/workflows';

function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** What the default payload converter hands the other side: JSON's idea of the value. */
const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

const NEAR_LIMIT = 1_900_000;

/** Values passed through `echo`: the argument goes in as a payload and comes back as one. */
const ECHOED: Array<[string, unknown]> = [
  [`a string of ${NEAR_LIMIT} bytes (Temporal's limit is 2 MB)`, 'x'.repeat(NEAR_LIMIT)],
  [
    'NUL and lone surrogates in strings and keys',
    { 'k\u0000ey': 'v\u0000l', '\ud800': ['\udc00x', 'a\ud83d'] },
  ],
  // Much deeper, JSON.stringify in Temporal's client (and deep equality here) can overflow the
  // stack; capture itself has no such limit (capture-properties.test.ts walks 100,000 levels).
  ['2,000 levels of nesting', nested(2_000)],
  ['an object with 20,000 keys', Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))],
  [
    'huge and tiny numbers',
    { max: Number.MAX_VALUE, min: Number.MIN_VALUE, unsafe: 2 ** 53 + 2, negative: -1e308, tiny: -5e-324 },
  ],
  ['a Dataset with a 100 kB URI', { kind: 'Dataset', uri: `s3://bucket/${'k'.repeat(100_000)}` }],
  ['a Dataset whose URI holds NUL', { kind: 'Dataset', uri: 'file:///tmp/a\u0000b.csv' }],
  ['a Dataset under a 5,000-character key', { ['k'.repeat(5_000)]: { kind: 'Dataset', uri: 's3://b/x' } }],
  ['binary data', new Uint8Array([0, 255, 1, 254, 0, 0])],
];

/** Values built on the worker side by `produce`, which no payload converter decoded. */
const PRODUCED = ['map', 'class', 'error', 'nan', 'float32'];

describe.each(DRIVERS)('hostile payloads on %s', (driver) => {
  const ctx = useStore(driver, `hostile_${driver}`);
  const { activities } = reliabilityActivities();

  async function run<T>(
    workflowType: string,
    args: unknown[],
    client?: Client,
    payloadConverterPath?: string,
  ) {
    const taskQueue = uniqueQueue(`hostile-${driver}`);
    const plugin = new LineagePlugin({ store: ctx.store() });
    const temporal = client ?? (await testClient());
    return withReliabilityWorker(
      { plugin, taskQueue, activities, ...(payloadConverterPath ? { payloadConverterPath } : {}) },
      async () => {
        const handle = await temporal.workflow.start(workflowType, {
          taskQueue,
          workflowId: uniqueQueue(workflowType),
          args,
        });
        const result = (await handle.result()) as T;
        const [execution] = await getRunExecutions(
          ctx.store(),
          `${handle.workflowId}/${handle.firstExecutionRunId}`,
        );
        return { result, execution: execution!, workflowId: handle.workflowId };
      },
    );
  }

  /** The artifact is stored in full and decodes to `seen`, or is marked, never silently cut. */
  function expectFaithful(
    artifact: { value: unknown; inline: boolean; valueDigest: string; properties: unknown },
    seen: unknown,
  ) {
    // The digest is that of the value itself, whatever was stored: stable across runs and workers.
    expect(artifact.valueDigest).toBe(valueDigest(encodeValue(seen)).digest);
    if (!artifact.inline) {
      expect((artifact.properties as { notInline?: string }).notInline).toMatch(/exceeds maxInlineBytes/);
      expect(artifact.value).toBeNull();
      return;
    }
    const stored = artifact.value as EncodedValue;
    if (lossyMarker(stored) === undefined) expect(decodeValue(stored)).toEqual(seen);
    else expect(JSON.stringify(stored)).toContain('"$lineage":"too-deep"');
  }

  it.each(ECHOED)('records %s and passes it on unchanged', async (_name, value) => {
    const { result, execution } = await run<unknown>('echoValue', [value] satisfies Parameters<
      typeof echoValue
    >);
    const seen = value instanceof Uint8Array ? value : viaJson(value);
    expect(result).toEqual(seen);
    expect(execution.state).toBe('COMPLETE');
    const input = execution.inputs.find((i) => i.path === 'args[0]')!.artifact;
    expectFaithful(input, seen);
    const output = execution.outputs.find((o) => o.path === 'result')!.artifact;
    expect(output.valueDigest).toBe(input.valueDigest);
  });

  it('keeps hostile URIs and keys storable: long ones are marked, NUL is escaped, paths are bounded', async () => {
    const store = ctx.store();
    const rows = await store.rows<{ uri: string | null; properties: { uriNote?: string } }>(sql`
      select uri, properties from artifacts where type = 'Dataset' order by id`);
    expect(rows.some((r) => r.uri === null && r.properties.uriNote?.includes('too long to store'))).toBe(
      true,
    );
    expect(rows.some((r) => r.uri === 'file:///tmp/a\\u0000b.csv')).toBe(true);
    const [longest] = await store.rows<{ n: number }>(sql`select max(length(path)) as n from events`);
    expect(Number(longest!.n)).toBeLessThanOrEqual(1_500);
  });

  it.each(PRODUCED)(
    'records a %s an activity returned, and Temporal still gets what it would',
    async (kind) => {
      const { result, execution } = await run<unknown>('produceValue', [kind] satisfies Parameters<
        typeof produceValue
      >);
      const produced = producedValue(kind);
      expect(result).toEqual(viaJson(produced));
      const output = execution.outputs.find((o) => o.path === 'result')!.artifact;
      expect(execution.state).toBe('COMPLETE');
      expect(output.valueDigest).toBe(valueDigest(encodeValue(produced)).digest);
      const decoded = decodeValue(output.value as EncodedValue);
      // Class instances are recorded by their own fields (as JSON sends them); everything else is itself.
      expect(decoded).toEqual(
        kind === 'class' ? { point: { x: 1, y: 2 }, when: new Date('2026-01-01T00:00:00Z') } : produced,
      );
    },
  );

  it('records a failure whose message and error name hold NUL', async () => {
    // (A lone surrogate in an error message makes the Temporal SDK itself crash the worker, lineage or not.)
    const args: Parameters<typeof failOddly> = ['bad \u0000 here'];
    const failure = await run('failOddly', args).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const [row] = await ctx.store().rows<{ state: string; error: { type: string; message: string } }>(sql`
      select state, error from executions where activity_type = 'failsOddly'`);
    expect(row!.state).toBe('FAILED');
    expect(row!.error.message).toContain('bad \\u0000 here');
    expect(row!.error.type).toBe('Odd\\u0000Error');
  });

  it('records workflow arguments that are not JSON: bytes, and a custom converter’s bigint, Date, Map and Set', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const { result: echoedBytes, workflowId: bytesRun } = await run<Uint8Array>('echoValue', [bytes]);
    expect(echoedBytes).toEqual(bytes);

    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, dataConverter: { payloadConverterPath: TAGGED_CONVERTER } });
      const value = {
        big: 2n ** 70n,
        when: new Date('2026-02-03T04:05:06Z'),
        tags: new Map([['a', new Set([1, 2])]]),
      };
      const { result, execution, workflowId } = await run<typeof value>(
        'echoValue',
        [value],
        client,
        TAGGED_CONVERTER,
      );
      expect(result).toEqual(value);
      expectFaithful(execution.inputs.find((i) => i.path === 'args[0]')!.artifact, value);
      for (const [id, args] of [
        [workflowId, [value]],
        [bytesRun, [bytes]],
      ] as const) {
        const [runRow] = await ctx.store().rows<{ args: EncodedValue; args_digest: string }>(sql`
          select args, args_digest from contexts where type = 'run' and workflow_id = ${id}`);
        expect(decodeValue(runRow!.args)).toEqual(args);
        expect(runRow!.args_digest).toBe(valueDigest(encodeValue(args)).digest);
      }
    } finally {
      await connection.close();
    }
  });
});
