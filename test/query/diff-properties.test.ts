import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeValue } from '../../src/artifacts/encode';
import { LineagePlugin } from '../../src/plugin';
import { diffRuns, type ParameterChange } from '../../src/query/diff';
import { leaves } from '../../src/query/flatten';
import { fixtureActivities } from '../fixtures/activities';
import { DRIVERS, useStore } from '../support/stores';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';

/** What one recorded run of `stepsOf` was given: an `echo` step of a value, a `square` step of a number. */
type Plan = { echo?: unknown; square?: number };

const RUNS = 24;

// Few keys and few values, so that random pairs share, change, add and remove leaves often.
const leaf = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.boolean(),
  fc.constantFrom('a', 'b', 'missing'),
  fc.constant(null),
);
const key = fc.constantFrom('a', 'b', 'c', 'd');
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.dictionary(key, tie('node'), { maxKeys: 3 }),
    fc.array(tie('node'), { maxLength: 3 }),
  ),
})).node;
const plan: fc.Arbitrary<Plan> = fc.record(
  { echo: value, square: fc.integer({ min: 0, max: 4 }) },
  { requiredKeys: [] },
);

type Leaves = Map<string, unknown>;

/** What a run holds, from what it was given (not from the store): every parameter and output leaf by step. */
function expected(p: Plan): { parameters: Leaves; outputs: Leaves } {
  const parameters: Leaves = new Map();
  const outputs: Leaves = new Map();
  const add = (into: Leaves, step: string, from: Leaves) => {
    for (const [path, v] of from) into.set(`${step}\0${path}`, v);
  };
  add(parameters, 'stepsOf', leaves(encodeValue([p]), 'args'));
  if ('echo' in p) {
    add(parameters, 'echo', leaves(encodeValue(p.echo), 'args[0]'));
    add(outputs, 'echo', leaves(encodeValue(p.echo), 'result'));
  }
  if (p.square !== undefined) {
    add(parameters, 'square', leaves(p.square, 'args[0]'));
    add(outputs, 'square', leaves(p.square * p.square, 'result'));
  }
  return { parameters, outputs };
}

/** A's leaves with the diff's changes applied: `removed` deletes, `changed` and `added` set B's value. */
function apply(a: Leaves, changes: readonly ParameterChange[]): Leaves {
  const out = new Map(a);
  for (const c of changes) {
    const k = `${c.step}\0${c.path}`;
    if (c.change === 'removed') {
      expect(out.has(k)).toBe(true);
      out.delete(k);
    } else {
      expect(out.has(k)).toBe(c.change === 'changed');
      out.set(k, c.b);
    }
  }
  return out;
}

describe.each(DRIVERS)('diff as an edit script on %s', (driver) => {
  const ctx = useStore(driver, `diff_props_${driver}`);
  const recorded: Array<{ name: string; plan: Plan }> = [];
  beforeAll(async () => {
    const plans = fc.sample(plan, { numRuns: RUNS, seed: driver === 'pglite' ? 1201 : 2203 });
    const client = await testClient();
    const taskQueue = uniqueQueue(`diff-props-${driver}`);
    const plugin = new LineagePlugin({ store: ctx.store() });
    await withWorker({ plugin, taskQueue, activities: fixtureActivities().activities }, async () => {
      for (let i = 0; i < plans.length; i += 6) {
        const batch = plans.slice(i, i + 6);
        const names = await Promise.all(
          batch.map(async (p) => {
            const handle = await client.workflow.start('stepsOf', {
              taskQueue,
              workflowId: uniqueQueue('steps-of'),
              args: [p],
            });
            await handle.result();
            return `${handle.workflowId}/${handle.firstExecutionRunId}`;
          }),
        );
        names.forEach((name, j) => recorded.push({ name, plan: batch[j]! }));
      }
    });
  }, 60_000);

  it('applying the diff of random pairs of recorded runs to A gives B, with changed/added/removed used exactly', async () => {
    const index = fc.integer({ min: 0, max: RUNS - 1 });
    await fc.assert(
      fc.asyncProperty(index, index, async (i, j) => {
        const [a, b] = [recorded[i]!, recorded[j]!];
        const diff = await diffRuns(ctx.store(), a.name, b.name);
        const [ea, eb] = [expected(a.plan), expected(b.plan)];
        expect(apply(ea.parameters, diff.parameters)).toEqual(eb.parameters);
        expect(apply(ea.outputs, diff.outputValues)).toEqual(eb.outputs);
        for (const c of [...diff.parameters, ...diff.outputValues]) {
          if (c.change === 'added') expect(c.a).toBe('missing');
          if (c.change === 'removed') expect(c.b).toBe('missing');
        }
        // Steps on one side only are listed as such, never paired with something else.
        const steps = (p: Plan) =>
          ['echo', 'square'].filter((s) => (s === 'echo' ? 'echo' in p : p.square !== undefined));
        const [sa, sb] = [steps(a.plan), steps(b.plan)];
        expect(diff.steps.map((s) => [s.step, s.change])).toEqual(
          [
            ...sa.filter((s) => !sb.includes(s)).map((s) => [s, 'removed']),
            ...sb.filter((s) => !sa.includes(s)).map((s) => [s, 'added']),
          ].sort((x, y) => x[0]!.localeCompare(y[0]!)),
        );
        expect(diff.identical).toBe(
          diff.parameters.length === 0 &&
            diff.outputValues.length === 0 &&
            diff.steps.length === 0 &&
            diff.code.length === 0,
        );
      }),
      { numRuns: 30, seed: 77 },
    );
  });
});
