import { createHook } from 'node:async_hooks';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { captureArgs, captureResult, captureValue, type CaptureSettings } from '../../src/artifacts/capture';
import { valueDigest } from '../../src/artifacts/digest';
import { encodeValue, encodeWithDepth, MAX_DEPTH, plainJsonDepth } from '../../src/artifacts/encode';
import { createRedaction, DEFAULT_REDACT_KEYS } from '../../src/artifacts/redact';
import { FileDigester } from '../../src/artifacts/file-digest';
import { builtInArtifactTypes } from '../../src/artifacts/types';
import { cacheKeyOf } from '../../src/rerun/cache-key';

const settings = (overrides: Partial<CaptureSettings> = {}): CaptureSettings => ({
  types: builtInArtifactTypes,
  maxInlineBytes: 1024,
  files: new FileDigester(1024 * 1024),
  ...overrides,
});

function tempFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lineage-capture-')), 'data.json');
  writeFileSync(path, content);
  return pathToFileURL(path).href;
}

describe('captureValue', () => {
  it('records a plain value as one Value artifact at its path', async () => {
    const [only, ...rest] = await captureValue('args[0]', { lr: 0.1 }, settings());
    expect(rest).toEqual([]);
    expect(only?.path).toBe('args[0]');
    expect(only?.artifact).toMatchObject({ type: 'Value', uri: null, inline: true, valueJson: '{"lr":0.1}' });
  });

  it('recognises typed artifacts at the root and nested, with their paths', async () => {
    const uri = tempFile('{"rows":[]}');
    const result = {
      model: { kind: 'Model', uri, algorithm: 'rf' },
      runs: [{ metrics: { kind: 'Metrics', accuracy: 0.9 } }],
    };
    const captured = await captureValue('result', result, settings());
    expect(captured.map((c) => [c.path, c.artifact.type])).toEqual([
      ['result', 'Value'],
      ['result.model', 'Model'],
      ['result.runs[0].metrics', 'Metrics'],
    ]);
    const root = await captureValue('args[1]', { kind: 'Dataset', uri }, settings());
    expect(root.map((c) => [c.path, c.artifact.type])).toEqual([['args[1]', 'Dataset']]);
  });

  it('identifies file artifacts by content: same URI with new bytes is a new artifact', async () => {
    const uri = tempFile('version 1');
    const before = (await captureValue('args[0]', { kind: 'Dataset', uri }, settings()))[0]!.artifact;
    writeFileSync(new URL(uri), 'version 2 is longer');
    const after = (await captureValue('args[0]', { kind: 'Dataset', uri }, settings()))[0]!.artifact;
    expect(before.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(before.digest).not.toBe(before.valueDigest);
    expect(after.digest).not.toBe(before.digest);
    expect(after.identity).not.toBe(before.identity);
    expect(after.properties.contentBytes).toBe(19);
  });

  it('does not hash files over the cap and says so', async () => {
    const uri = tempFile('x'.repeat(100));
    const [captured] = await captureValue(
      'args[0]',
      { kind: 'Dataset', uri },
      settings({ files: new FileDigester(10) }),
    );
    expect(captured!.artifact.digest).toBe(captured!.artifact.valueDigest);
    expect(captured!.artifact.properties.contentNote).toContain('maxFileDigestBytes');
  });

  it('keeps an artifact whose file cannot be read, with a note and no cache key', async () => {
    // Reading /proc/self/mem from offset 0 fails with EIO (even as root): a file stat accepts but read refuses.
    const uri = 'file:///proc/self/mem';
    const { inputs, inputDigest } = await captureArgs([{ kind: 'Dataset', uri }], settings());
    expect(inputs.map((c) => [c.path, c.artifact.type, c.artifact.uri])).toEqual([
      ['args[0]', 'Dataset', uri],
    ]);
    const { artifact } = inputs[0]!;
    expect(artifact.digest).toBe(artifact.valueDigest);
    expect(artifact.properties.contentNote).toBe('file could not be read when recorded (EIO)');
    expect(cacheKeyOf('read', inputDigest, inputs)).toBeNull();
  });

  it('waits on nothing when no value names a file: no promise per artifact', async () => {
    // Under Temporal's AsyncLocalStorage every promise costs the worker a hook call (see Unhashed).
    const promisesDuring = async (args: unknown[], artifacts: number) => {
      let promises = 0;
      // Only capture's own: the test runner makes promises of its own meanwhile.
      const ours = () => new Error().stack?.includes('/src/artifacts/') === true;
      const hook = createHook({ init: (_id, type) => void (type === 'PROMISE' && ours() && promises++) });
      hook.enable();
      try {
        expect((await captureArgs(args, settings())).inputs).toHaveLength(artifacts);
      } finally {
        hook.disable();
      }
      return promises;
    };
    const nested = { model: { kind: 'Model', uri: 's3://b/m' }, data: { kind: 'Dataset', uri: 's3://b/d' } };
    const many = await promisesDuring([{ lr: 0.1 }, nested, { kind: 'Dataset', uri: 's3://b/e' }], 5);
    expect(many).toBe(await promisesDuring([{ lr: 0.1 }], 1));
  });

  it('stores a value over maxInlineBytes as digest and size only, stating it', async () => {
    const [captured] = await captureValue('args[0]', 'y'.repeat(5000), settings());
    expect(captured!.artifact).toMatchObject({ inline: false, valueJson: null, sizeBytes: 5002 });
    expect(captured!.artifact.properties.notInline).toContain('maxInlineBytes');
  });

  it('tries user-defined types before the built-ins', async () => {
    const embedding = {
      name: 'Embedding',
      schema: z.looseObject({ kind: z.literal('Model'), dims: z.number() }),
    };
    const [captured] = await captureValue(
      'result',
      { kind: 'Model', uri: 's3://b/k', dims: 3 },
      settings({ types: [embedding, ...builtInArtifactTypes] }),
    );
    expect(captured!.artifact).toMatchObject({ type: 'Embedding', uri: 's3://b/k' });
  });

  it('never throws, even for a value whose getters throw', async () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );
    const [captured] = await captureValue('args[0]', hostile, settings());
    expect(JSON.parse(captured!.artifact.valueJson!)).toEqual({ $lineage: 'uncapturable', error: 'boom' });
  });
});

describe('plain JSON values (canonicalised without an encoded copy)', () => {
  const secrets = createRedaction(DEFAULT_REDACT_KEYS);

  it('are exactly the values the encoder would copy as they are', () => {
    for (const value of [
      { a: [1, 'x', null, true, { b: [] }] },
      [[[[]]]],
      'text',
      Object.assign(Object.create(null), { a: 1 }) as unknown,
    ])
      expect(plainJsonDepth(value, secrets)).toBe(encodeWithDepth(value, secrets).deepest);
    const notPlain: unknown[] = [
      { a: undefined },
      [1, , 3], // eslint-disable-line no-sparse-arrays -- a hole encodes as an undefined marker
      { n: Number.NaN },
      { n: -0 },
      { big: 1n },
      { when: new Date(0) },
      { bytes: new Uint8Array(1) },
      { m: new Map() },
      { nul: 'a\u0000b' },
      { lone: '\ud800' },
      { ['k\u0000']: 1 },
      { $lineage: 'x' },
      { apiToken: 'x' },
      { db: 'postgres://user:pw@host/db' },
      { f: () => 1 },
      { toJSON: () => 1 },
      new (class Point {})(),
    ];
    notPlain.forEach((value, i) => expect(plainJsonDepth(value, secrets), `case ${i}`).toBe(-1));
    expect(
      plainJsonDepth(
        { a: 1 },
        createRedaction([], () => false),
      ),
    ).toBe(-1);
    const cyclic: Record<string, unknown> = {};
    cyclic.a = cyclic;
    cyclic.b = cyclic;
    expect(plainJsonDepth(cyclic, secrets)).toBe(-1);
  });

  it('keep the text they had when captured, whatever the activity does to the object afterwards', async () => {
    const params = { lr: 0.1, features: ['a'] };
    const { inputs } = await captureArgs([params], settings());
    params.features.push('b');
    params.lr = 0.2;
    expect(inputs[0]!.artifact.valueJson).toBe('{"features":["a"],"lr":0.1}');
  });
});

describe('argument and result digests', () => {
  const nested = (levels: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < levels; i++) value = { next: value };
    return value;
  };
  const cases: Array<[string, unknown[]]> = [
    ['plain values', [{ lr: 0.1, features: ['a', 'b'] }, 3, 'x']],
    ['no arguments', []],
    ['undefined, bytes, dates and maps', [undefined, new Uint8Array([1, 2]), new Date(0), new Map([[1, 2]])]],
    ['a typed artifact', [{ kind: 'Dataset', uri: 's3://b/d.csv' }]],
    ['nesting just below the depth limit', [nested(MAX_DEPTH - 2)]],
    ['nesting at the depth limit', [nested(MAX_DEPTH - 1), nested(MAX_DEPTH)]],
    ['nesting past the depth limit', [nested(MAX_DEPTH + 5)]],
  ];

  it.each(cases)(
    'the input digest of %s is the digest of the whole encoded argument list',
    async (_, args) => {
      const { inputDigest } = await captureArgs(args, settings());
      expect(inputDigest).toBe(valueDigest(encodeValue(args, undefined, 'args')).digest);
    },
  );

  it('follows the redact hook, for one argument or for the whole list', async () => {
    for (const hidden of ['args[1]', 'args']) {
      const redaction = createRedaction([], (_value, path) => path === hidden);
      const args = [{ a: 1 }, { b: 2 }];
      const { inputDigest } = await captureArgs(args, settings({ redaction }));
      expect(inputDigest, hidden).toBe(valueDigest(encodeValue(args, redaction, 'args')).digest);
    }
  });

  it('gives a result the digest of its encoded value', async () => {
    const result = { kind: 'Model', uri: 's3://b/m.bin', metrics: new Map([['acc', 0.9]]) };
    const { outputDigest, outputs } = await captureResult(result, settings());
    expect(outputDigest).toBe(valueDigest(encodeValue(result, undefined, 'result')).digest);
    expect(outputs[0]!.artifact.valueDigest).toBe(outputDigest);
  });
});
