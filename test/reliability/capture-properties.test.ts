/**
 * Property-based: for generated values of every kind capture meets (NUL and lone surrogates in
 * strings and keys, keys that look like lineage's own tag or secrets, Maps, Sets, typed arrays,
 * bigints, dates, boxed and null-prototype objects, sparse arrays, typed-artifact shapes), capture
 * never throws, never changes the value, stores only what jsonb accepts, and gives the same digest
 * every time. The second half sends generated values through a real worker into Postgres: the
 * activity's result is unchanged and the recorded digest is the one computed here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureValue, type CaptureSettings } from '../../src/artifacts/capture';
import { canonicalJson, valueDigest } from '../../src/artifacts/digest';
import {
  decodeValue,
  encodeValue,
  isReplayable,
  MAX_DEPTH,
  type EncodedValue,
} from '../../src/artifacts/encode';
import { FileDigester } from '../../src/artifacts/file-digest';
import { createRedaction, DEFAULT_REDACT_KEYS } from '../../src/artifacts/redact';
import { UNSAFE_TEXT } from '../../src/artifacts/safe-text';
import { builtInArtifactTypes } from '../../src/artifacts/types';
import { LineagePlugin } from '../../src/plugin';
import { getRunExecutions } from '../../src/query/run-detail';
import { useStore } from '../support/stores';
import { testClient, uniqueQueue } from '../support/temporal';
import { reliabilityActivities } from './support/activities';
import { withReliabilityWorker } from './support/harness';
import type { echoValue } from './support/workflows';

/** Characters that break naive storage, mixed with any other code point. */
const hostileUnit = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udc00', '\udbff', '"', '\\', '$lineage') },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const hostileString = fc.string({ unit: hostileUnit, maxLength: 12 });
const hostileKey = fc.oneof(
  hostileString,
  fc.constantFrom('$lineage', 'kind', 'uri', 'password', 'apiKey', 'toJSON'),
);
const typedShape = fc.record({
  kind: fc.constantFrom('Dataset', 'Model', 'Metrics'),
  uri: fc.oneof(hostileString, fc.constant('s3://bucket/key'), fc.constant('postgres://u:pw@h/db')),
  rows: fc.integer(),
});
const anyValue = fc.oneof(
  fc.anything({
    key: hostileKey,
    values: [
      hostileString,
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      typedShape,
    ],
    maxDepth: 4,
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withBigInt: true,
    withDate: true,
    withTypedArray: true,
    withSparseArray: true,
    withNullPrototype: true,
  }),
  typedShape,
);

const settings: CaptureSettings = {
  types: builtInArtifactTypes,
  maxInlineBytes: 4096,
  files: new FileDigester(1024),
  redaction: createRedaction(DEFAULT_REDACT_KEYS),
};

/** Whether jsonb would accept every string and key of an encoded tree. */
function storable(value: EncodedValue): boolean {
  if (typeof value === 'string') return !UNSAFE_TEXT.test(value);
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(storable);
  return Object.entries(value).every(([k, v]) => !UNSAFE_TEXT.test(k) && storable(v));
}

describe('capture of generated values', () => {
  it('never throws or mutates, stores only jsonb-safe text, and digests the same value the same way', async () => {
    await fc.assert(
      fc.asyncProperty(anyValue, async (value) => {
        const before = canonicalJson(encodeValue(value));
        const first = await captureValue('args[0]', value, settings);
        const second = await captureValue('args[0]', value, settings);
        expect(canonicalJson(encodeValue(value))).toBe(before);
        expect(second.map((c) => c.artifact.identity)).toEqual(first.map((c) => c.artifact.identity));
        for (const { path, artifact } of first) {
          expect(UNSAFE_TEXT.test(path) || (artifact.uri !== null && UNSAFE_TEXT.test(artifact.uri))).toBe(
            false,
          );
          expect(storable(artifact.properties as EncodedValue)).toBe(true);
          if (artifact.valueJson !== null)
            expect(storable(JSON.parse(artifact.valueJson) as EncodedValue)).toBe(true);
        }
        // Plain JSON is canonicalised without its encoded copy: the text and digest must be the encoder's.
        const reference = canonicalJson(encodeValue(value, settings.redaction, 'args[0]'));
        const root = first[0]!.artifact;
        expect(root.valueDigest).toBe(valueDigest(encodeValue(value, settings.redaction, 'args[0]')).digest);
        if (root.inline) expect(root.valueJson).toBe(reference);
        // Recorded inputs are enough to rerun: decoding and re-encoding gives the recorded digest.
        const encoded = encodeValue(value, settings.redaction);
        if (isReplayable(encoded)) {
          expect(valueDigest(encodeValue(decodeValue(encoded))).digest).toBe(valueDigest(encoded).digest);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('marks what it cannot walk instead of throwing: 100,000 levels, cycles, throwing getters, revoked proxies', async () => {
    let deepArray: unknown = 'bottom';
    let deepObject: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) {
      deepArray = [deepArray];
      deepObject = { next: deepObject };
    }
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const throwing = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter throws');
      },
    });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const roomy = { ...settings, maxInlineBytes: 1024 * 1024 };
    for (const value of [deepArray, deepObject, cyclic, throwing, proxy, { wrapped: proxy }]) {
      const [root] = await captureValue('result', value, roomy);
      const text = root!.artifact.valueJson!;
      expect(text).toMatch(/"\$lineage":"(too-deep|cycle|uncapturable)"/);
      expect(isReplayable(JSON.parse(text) as EncodedValue)).toBe(false);
      expect((await captureValue('result', value, settings))[0]!.artifact.identity).toBe(
        root!.artifact.identity,
      );
    }
    expect(JSON.stringify(encodeValue(deepArray))).toContain(`"limit":${MAX_DEPTH}`);
  });
});

describe('generated values through a real worker into Postgres', () => {
  const ctx = useStore('postgres', 'capture_properties');

  it("records each value's digest as computed here, the same run after run, and the activity result is unchanged", async () => {
    const { activities } = reliabilityActivities();
    const taskQueue = uniqueQueue('properties');
    const client = await testClient();
    const plugin = new LineagePlugin({ store: ctx.store() });
    // What Temporal's default converter carries: JSON values, with hostile strings and keys.
    const jsonish = fc.jsonValue({ maxDepth: 4 }).chain((base) =>
      fc.dictionary(hostileKey, fc.oneof(hostileString, fc.double({ noNaN: true }), fc.constant(base)), {
        maxKeys: 6,
      }),
    );
    await withReliabilityWorker({ plugin, taskQueue, activities }, () =>
      fc.assert(
        fc.asyncProperty(jsonish, async (value) => {
          const sent = JSON.parse(JSON.stringify(value)) as unknown;
          const digests: string[] = [];
          for (let round = 0; round < 2; round++) {
            const handle = await client.workflow.start<typeof echoValue>('echoValue', {
              taskQueue,
              workflowId: uniqueQueue('property'),
              args: [value],
            });
            expect(await handle.result()).toEqual(sent);
            const [execution] = await getRunExecutions(
              ctx.store(),
              `${handle.workflowId}/${handle.firstExecutionRunId}`,
            );
            expect(execution!.state).toBe('COMPLETE');
            const input = execution!.inputs.find((i) => i.path === 'args[0]')!.artifact;
            expect(input.valueDigest).toBe(valueDigest(encodeValue(sent, settings.redaction)).digest);
            digests.push(`${input.id}:${input.valueDigest}`);
          }
          // The second run reuses the first run's artifact row: same digest, same identity.
          expect(digests[1]).toBe(digests[0]);
        }),
        { numRuns: 15 },
      ),
    );
  });
});
