import { describe, expect, it } from 'vitest';
import { TAG } from '../../src/artifacts/encode';
import { RerunOverrideError } from '../../src/errors';
import { getExecution } from '../../src/query/run-detail';
import { applyOverrides, parseOverride } from '../../src/rerun/overrides';
import { argsOfExecution, replayArgs } from '../../src/rerun/recorded-inputs';
import { DRIVERS, useStore } from '../support/stores';
import { recordExecution } from './rerun-support';

/** Every value kind capture accepts and can give back (see src/artifacts/encode.ts). */
const KINDS: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['NaN', Number.NaN],
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
  ['typed Dataset', { kind: 'Dataset', uri: 's3://bucket/iris.csv', rows: 150 }],
  ['typed value nested in a plain one', { params: { seed: 1 }, metrics: { kind: 'Metrics', accuracy: 0.5 } }],
  ['float', 0.1 + 0.2],
];

describe.each(DRIVERS)('recorded inputs on %s', (driver) => {
  const ctx = useStore(driver, `rerun_inputs_${driver}`);

  it.each(KINDS)(
    'replays %s exactly: the re-encoded arguments have the recorded input digest',
    async (_kind, value) => {
      const id = await recordExecution(ctx.store(), {
        activityType: 'echo',
        taskQueue: 'q',
        args: [value, 'second'],
      });
      const execution = await getExecution(ctx.store(), id);
      const args = replayArgs(`execution ${id}`, argsOfExecution(execution), {}, execution.inputDigest);
      if (typeof value === 'number' && Number.isNaN(value)) expect(Number.isNaN(args[0])).toBe(true);
      else expect(args[0]).toEqual(value);
      expect(args[1]).toBe('second');
    },
  );

  it('fills redacted fields one by one with overrides, and names the exact path of any left unfilled', async () => {
    const value = { db: { user: 'u', password: 'p1' }, hosts: [{ apiKey: 'k' }], seed: 1 };
    const id = await recordExecution(ctx.store(), {
      activityType: 'echo',
      taskQueue: 'q',
      args: [value],
      redact: true,
    });
    const recorded = argsOfExecution(await getExecution(ctx.store(), id));
    const replay = (set: Record<string, unknown>) => replayArgs(`execution ${id}`, recorded, set, null);
    expect(replay({ 'args[0].db.password': 'x', 'args[0].hosts[0].apiKey': 'y' })).toEqual([
      { db: { user: 'u', password: 'x' }, hosts: [{ apiKey: 'y' }], seed: 1 },
    ]);
    expect(() => replay({ 'args[0].db.password': 'x' })).toThrow(
      expect.objectContaining({
        name: 'RerunInputNotReplayableError',
        input: 'args[0].hosts[0].apiKey',
        message: expect.stringContaining('supply it with --set args[0].hosts[0].apiKey=<value>') as string,
      }),
    );
    expect(replay({ 'args[0]': { replaced: true } })).toEqual([{ replaced: true }]);
  });
});

describe('overrides', () => {
  it('parses path=value with JSON values, falling back to text', () => {
    expect(parseOverride('args[1].nEstimators=50')).toEqual(['args[1].nEstimators', 50]);
    expect(parseOverride('args[0].name=iris')).toEqual(['args[0].name', 'iris']);
    expect(parseOverride('args[0].name="07"')).toEqual(['args[0].name', '07']);
    expect(parseOverride('args[0]={"a":[1,2]}')).toEqual(['args[0]', { a: [1, 2] }]);
    expect(parseOverride('args[0].expr=a=b')).toEqual(['args[0].expr', 'a=b']);
    expect(() => parseOverride('no-equals-sign')).toThrow(RerunOverrideError);
  });

  it('sets existing places only, by the paths capture records', () => {
    const args: unknown[] = [{ grid: [{ n: 1 }, { n: 2 }], 'odd key': 1 }, 'x'];
    applyOverrides(args, { 'args[0].grid[1].n': 9, 'args[0]["odd key"]': 2, 'args[1]': 'y' });
    expect(args).toEqual([{ grid: [{ n: 1 }, { n: 9 }], 'odd key': 2 }, 'y']);
    const refused = (path: string) => () => applyOverrides([{ grid: [1] }], { [path]: 0 });
    expect(refused('args[0].grid[1]')).toThrow(/past the end/);
    expect(refused('args[0].gird')).toThrow(/no field 'gird' \(it has: grid\)/);
    expect(refused('args[0].grid[0].n')).toThrow(/cannot step into a number/);
    expect(refused('params.seed')).toThrow(/starts with args\[<index>\]/);
    expect(refused('args[0].grid[x]')).toThrow(/cannot read the path at '\[x\]'/);
  });
});
