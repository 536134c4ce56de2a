/**
 * An attempt is recorded COMPLETE only if Temporal accepts its result: a result the Worker's
 * payload converter cannot convert, or one over the namespace's payload size limit, makes the
 * attempt FAILED with the reason, and Temporal's history is what it would be without the plugin.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { resultSize } from '../../src/capture/payload-size';
import { DEFAULT_BLOB_SIZE_LIMIT, PAYLOADS_TOO_LARGE } from '../../src/capture/result-admission';
import { LineagePlugin } from '../../src/plugin';
import { DRIVERS, useStore } from '../support/stores';
import { madeValue } from './activities';
import { CompressingCodec } from './compressing-codec';
import { attemptsOf, bundle, runWorkflow, type HistoryEvent, type Outcome } from './harness';

/**
 * A history as what it says happened: each event's type, and for activity events the attempt,
 * the failure (type, message, retryability) and the retry state. Ids and times differ between
 * runs; stack traces name the code that threw, which the plugin changes.
 */
function happened(events: HistoryEvent[]): unknown[] {
  return events.map((e) => {
    const failure =
      e.activityTaskFailedEventAttributes?.failure ??
      e.activityTaskStartedEventAttributes?.lastFailure ??
      e.workflowExecutionFailedEventAttributes?.failure?.cause;
    return {
      type: e.eventType,
      attempt: e.activityTaskStartedEventAttributes?.attempt ?? null,
      retryState: e.activityTaskFailedEventAttributes?.retryState ?? null,
      failure: failure
        ? {
            message: failure.message,
            type: failure.applicationFailureInfo?.type,
            nonRetryable: failure.applicationFailureInfo?.nonRetryable ?? false,
          }
        : null,
    };
  });
}

const baselines = new Map<string, Promise<Outcome>>();
/** The run of `makeValue(kind)` without the plugin, once per file (it does not depend on the driver). */
function withoutPlugin(kind: string): Promise<Outcome> {
  let made = baselines.get(kind);
  if (!made) {
    made = runWorkflow('makeValue', kind);
    baselines.set(kind, made);
  }
  return made;
}

/** The message Temporal's default payload converter throws for `kind`'s value. */
function converterMessage(kind: string): string {
  try {
    defaultPayloadConverter.toPayload(madeValue(kind));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${kind} converts`);
}

/** The length of an `x…` string whose result payload is exactly `limit` bytes as Temporal counts them. */
function charsAtLimit(limit: number): number {
  for (let n = limit; n > limit - 64; n--) {
    if (resultSize(defaultPayloadConverter.toPayload('x'.repeat(n))) === limit) return n;
  }
  throw new Error(`no string is exactly ${limit} bytes as a payload`);
}

// Bundling takes seconds, many on a loaded machine: done once, before any test's clock starts.
beforeAll(() => Promise.all([bundle(true), bundle(false)]));

describe.each(DRIVERS)('result admission on %s', (driver) => {
  const ctx = useStore(driver, `admission_${driver}`);
  const plugin = () => new LineagePlugin({ store: ctx.store() });

  it.each(['bigint', 'circular', 'deep'])(
    'a %s result the converter refuses: both attempts FAILED with its message, history as without the plugin',
    async (kind) => {
      const [baseline, run] = await Promise.all([
        withoutPlugin(kind),
        runWorkflow('makeValue', kind, { plugin: plugin() }),
      ]);
      expect('error' in run.result && run.result.error).toBeInstanceOf(WorkflowFailedError);
      const message = converterMessage(kind);
      expect(await attemptsOf(ctx.store(), run.workflowId)).toEqual(
        [1, 2].map((attempt) => ({
          attempt,
          state: 'FAILED',
          error: expect.objectContaining({ type: 'ValueError', message }) as unknown,
          outputs: 0,
        })),
      );
      expect(happened(run.events)).toEqual(happened(baseline.events));
      expect(JSON.stringify(happened(run.events))).toContain(message);
    },
  );

  it('a result over the payload size limit: both attempts FAILED saying so, history as without the plugin', async () => {
    const [baseline, run] = await Promise.all([
      withoutPlugin('oversized'),
      runWorkflow('makeValue', 'oversized', { plugin: plugin() }),
    ]);
    expect('error' in run.result && run.result.error).toBeInstanceOf(WorkflowFailedError);
    const size = resultSize(defaultPayloadConverter.toPayload(madeValue('oversized')));
    const attempts = await attemptsOf(ctx.store(), run.workflowId);
    expect(attempts.map((a) => [a.attempt, a.state, a.error?.type, a.outputs])).toEqual([
      [1, 'FAILED', PAYLOADS_TOO_LARGE, 0],
      [2, 'FAILED', PAYLOADS_TOO_LARGE, 0],
    ]);
    for (const a of attempts) {
      expect(a.error?.message).toContain(`${size} bytes`);
      expect(a.error?.message).toContain(`${DEFAULT_BLOB_SIZE_LIMIT} bytes`);
    }
    expect(happened(run.events)).toEqual(happened(baseline.events));
    expect(JSON.stringify(happened(run.events))).toContain(PAYLOADS_TOO_LARGE);
  });

  it('sizes a result as Temporal does: exactly at the limit completes, one byte over fails', async () => {
    const n = charsAtLimit(DEFAULT_BLOB_SIZE_LIMIT);
    const [atLimit, over] = await Promise.all([
      runWorkflow('makeValue', `chars:${n}`, { plugin: plugin(), history: false }),
      runWorkflow('makeValue', `chars:${n + 1}`, { plugin: plugin(), history: false }),
    ]);
    expect(atLimit.result).toEqual({ value: 'x'.repeat(n) });
    expect((await attemptsOf(ctx.store(), atLimit.workflowId)).map((a) => [a.state, a.outputs])).toEqual([
      ['COMPLETE', 1],
    ]);
    expect('error' in over.result).toBe(true);
    expect((await attemptsOf(ctx.store(), over.workflowId)).map((a) => [a.state, a.error?.type])).toEqual([
      ['FAILED', PAYLOADS_TOO_LARGE],
      ['FAILED', PAYLOADS_TOO_LARGE],
    ]);
  });

  it('sizes a result after the Worker’s codecs: a large result they compress completes', async () => {
    const codec = new CompressingCodec();
    const chars = 3 * DEFAULT_BLOB_SIZE_LIMIT;
    const run = await runWorkflow('makeValue', `chars:${chars}`, { plugin: plugin(), codec, history: false });
    expect(run.result).toEqual({ value: 'x'.repeat(chars) });
    expect((await attemptsOf(ctx.store(), run.workflowId)).map((a) => a.state)).toEqual(['COMPLETE']);
  });

  it('a failed attempt followed by an accepted one: FAILED then COMPLETE with its output', async () => {
    const run = await runWorkflow('makeValueOnRetry', 'chars:3', { plugin: plugin() });
    expect(run.result).toEqual({ value: 'xxx' });
    expect((await attemptsOf(ctx.store(), run.workflowId)).map((a) => [a.state, a.outputs])).toEqual([
      ['FAILED', 0],
      ['COMPLETE', 1],
    ]);
  });

  it('an activity interceptor outside the plugin’s sees the result itself, not the converted payload', async () => {
    const seen: unknown[] = [];
    const outer: ActivityInterceptorsFactory = () => ({
      inbound: {
        async execute(input, next) {
          const result = await next(input);
          seen.push(result);
          return result;
        },
      },
    });
    const run = await runWorkflow('makeValue', 'point', { plugin: plugin(), interceptors: [outer] });
    expect(run.result).toEqual({ value: { kind: 'point' } });
    expect(seen).toEqual([{ kind: 'point' }]);
    expect((await attemptsOf(ctx.store(), run.workflowId)).map((a) => a.state)).toEqual(['COMPLETE']);
  });
});
