import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

/** A dataset reference, as the ML examples pass them. */
export interface DatasetRef {
  readonly kind: 'Dataset';
  readonly uri: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Activities of the reliability tests. `calls` counts body executions per `workflowId/activityId` (in this
 * process), so a test can match the recorded executions against the bodies that really ran.
 */
export function reliabilityActivities() {
  const calls = new Map<string, number>();
  const count = () => {
    const { activityId, workflowExecution } = Context.current().info;
    const key = `${workflowExecution?.workflowId ?? '(standalone)'}/${activityId}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
  };
  return {
    calls,
    activities: {
      /** A pipeline step: takes a while, returns a value derived from its input. */
      async step(i: number, delayMs: number): Promise<number> {
        count();
        await sleep(delayMs);
        return i * 2;
      },
      /**
       * Attempt 1 heartbeats and never returns (its worker is to be killed; it gives up after a
       * minute so that nothing hangs if the kill never comes); later attempts return at once.
       */
      async holdUntilKilled(key: string): Promise<string> {
        count();
        const { attempt } = Context.current().info;
        if (attempt > 1) return `done:${key}:${attempt}`;
        const ctx = Context.current();
        for (let waited = 0; waited < 60_000; waited += 200) {
          ctx.heartbeat();
          await Promise.race([sleep(200), ctx.cancelled.catch(() => undefined)]);
          if (ctx.cancellationSignal.aborted) throw new CancelledFailure('cancelled');
        }
        throw new Error('holdUntilKilled was never killed');
      },
      /** Many activities read the same dataset and parameters; outputs repeat every 10. */
      useShared(
        dataset: DatasetRef,
        params: { lr: number; tag: string },
        i: number,
      ): Promise<{ kind: 'Metrics'; bucket: number; score: number; lr: number }> {
        count();
        return Promise.resolve({
          kind: 'Metrics',
          bucket: i % 10,
          score: (i % 10) / 10,
          lr: params.lr + (dataset.uri ? 0 : 1),
        });
      },
      /** Returns its argument: what the workflow gets back must be what it would be without lineage. */
      echo(value: unknown): Promise<unknown> {
        count();
        return Promise.resolve(value);
      },
      /** Returns a value built on the worker side (not decoded from a payload), e.g. non-JSON kinds. */
      produce(kind: string): Promise<unknown> {
        count();
        return Promise.resolve(producedValue(kind));
      },
      /** Fails its first `failures` attempts, then returns. */
      flaky(key: string, failures: number): Promise<string> {
        count();
        const { attempt } = Context.current().info;
        if (attempt <= failures) return Promise.reject(new Error(`attempt ${attempt} of ${key} fails`));
        return Promise.resolve(`${key} ok after ${attempt}`);
      },
      /** Fails with an error message holding characters jsonb rejects. */
      async failsOddly(message: string): Promise<never> {
        count();
        return Promise.reject(Object.assign(new Error(message), { name: 'Odd\u0000Error' }));
      },
    },
  };
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Values an activity may return that are not JSON: the plugin must record them and pass them on. */
export function producedValue(kind: string): unknown {
  switch (kind) {
    case 'map':
      return new Map<unknown, unknown>([
        ['a', 1],
        [2, { nested: new Set([1, 2]) }],
      ]);
    case 'class':
      return { point: new Point(1, 2), when: new Date('2026-01-01T00:00:00Z') };
    case 'error':
      return new TypeError('returned, not thrown');
    case 'nan':
      return { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, negZero: -0, big: 1e308 };
    case 'throwing-getter':
      return Object.defineProperty({ ok: 1 }, 'bad', {
        enumerable: true,
        get() {
          throw new Error('getter throws');
        },
      });
    case 'float32':
      return new Float32Array([1.5, -2.25]);
    default:
      return kind;
  }
}

export type ReliabilityActivities = ReturnType<typeof reliabilityActivities>['activities'];
