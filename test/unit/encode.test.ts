import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue, isReplayable, MAX_DEPTH, TAG } from '../../src/artifacts/encode';
import { canonicalJson, valueDigest } from '../../src/artifacts/digest';

const roundTrips: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['bigint', 12345678901234567890n],
  ['bytes', new Uint8Array([0, 1, 2, 255])],
  ['date', new Date('2026-01-02T03:04:05.678Z')],
  [
    'map',
    new Map<unknown, unknown>([
      ['b', 1],
      [2, 'x'],
    ]),
  ],
  ['set', new Set(['z', 'a'])],
  ['string with NUL', 'a\u0000b'],
  ['lone surrogate', 'x\ud800y'],
  ['key with NUL', { 'k\u0000': 1 }],
  ['key named like the tag', { [TAG]: 'not a tag', other: [1, 2] }],
  ['nested', { a: [1, { b: 'c' }], d: true }],
];

describe('encodeValue / decodeValue', () => {
  it.each(roundTrips)('round-trips %s and re-encodes to the same digest', (_name, value) => {
    const encoded = encodeValue(value);
    const decoded = decodeValue(encoded);
    if (typeof value === 'number' && Number.isNaN(value)) expect(Number.isNaN(decoded)).toBe(true);
    else expect(decoded).toEqual(value);
    expect(valueDigest(encodeValue(decoded)).digest).toBe(valueDigest(encoded).digest);
  });

  it('produces JSON that Postgres jsonb accepts: no NUL and no lone surrogate anywhere', () => {
    const json = canonicalJson(encodeValue({ 'a\u0000': ['\ud800', 'b\u0000'] }));
    expect(json.includes('\u0000')).toBe(false);
    expect(json).not.toMatch(/[\ud800-\udfff]/);
  });

  it('is independent of key, Map and Set insertion order', () => {
    const a = encodeValue({
      x: 1,
      y: new Map([
        [1, 'a'],
        [2, 'b'],
      ]),
      z: new Set([3, 1]),
    });
    const b = encodeValue({
      z: new Set([1, 3]),
      y: new Map([
        [2, 'b'],
        [1, 'a'],
      ]),
      x: 1,
    });
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('drops undefined object properties like the JSON payload converter does', () => {
    expect(encodeValue({ a: 1, b: undefined })).toEqual({ a: 1 });
  });

  it('marks cycles and excessive depth instead of throwing, and says they cannot be replayed', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(encodeValue(cyclic)).toEqual({ a: 1, self: { [TAG]: 'cycle' } });
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_DEPTH + 50; i++) deep = [deep];
    const encoded = encodeValue(deep);
    expect(canonicalJson(encoded)).toContain('too-deep');
    expect(isReplayable(encoded)).toBe(false);
    expect(isReplayable(encodeValue({ a: [1, new Date(0)] }))).toBe(true);
  });

  it('uses toJSON where a class defines it and own fields otherwise', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    class Money {
      toJSON() {
        return '3 EUR';
      }
    }
    expect(encodeValue([new Point(1, 2), new Money()])).toEqual([{ x: 1, y: 2 }, '3 EUR']);
  });

  it('gives different digests to values JSON would confuse', () => {
    const digests = [undefined, null, 'NaN', Number.NaN, '1', 1, 1n, [], {}].map(
      (v) => valueDigest(encodeValue(v)).digest,
    );
    expect(new Set(digests).size).toBe(digests.length);
  });
});
