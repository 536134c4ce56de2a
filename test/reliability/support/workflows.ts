/** Workflows of the reliability tests (bundled by support/bundle.ts). Sandbox code: no Node built-ins. */
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { DatasetRef, ReliabilityActivities } from './activities';

const acts = proxyActivities<ReliabilityActivities>({
  startToCloseTimeout: '30 seconds',
  // Retried quickly and without limit: store outages make attempts fail until the store is back.
  retry: {
    initialInterval: '100 milliseconds',
    backoffCoefficient: 1.5,
    maximumInterval: '500 milliseconds',
  },
});

/** `n` steps, two at a time, each taking `delayMs`: a pipeline with work in flight most of the time. */
export async function steadySteps(n: number, delayMs: number): Promise<number[]> {
  const results: number[] = [];
  for (let i = 0; i < n; i += 2) {
    const pair = [acts.step(i, delayMs), ...(i + 1 < n ? [acts.step(i + 1, delayMs)] : [])];
    results.push(...(await Promise.all(pair)));
  }
  return results;
}

/** One activity whose first attempt blocks (its worker gets killed), with the given retry limit. */
export async function killableStep(
  key: string,
  maximumAttempts: number,
  heartbeatMs: number,
): Promise<string> {
  const { holdUntilKilled } = proxyActivities<ReliabilityActivities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: heartbeatMs,
    // 0: unlimited, as Temporal counts it (the SDK wants the field left out for that).
    retry: { initialInterval: '100 milliseconds', ...(maximumAttempts > 0 ? { maximumAttempts } : {}) },
  });
  return holdUntilKilled(key);
}

/** `count` activities at once, all reading the same dataset and parameters. */
export async function sharedInputs(count: number, dataset: DatasetRef, tag: string): Promise<number> {
  const params = { lr: 0.1, tag };
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => acts.useShared(dataset, params, i)),
  );
  return results.reduce((sum, r) => sum + r.bucket, 0);
}

/**
 * Fails its workflow tasks (a plain Error fails the task, not the workflow) until the workflow
 * clock passes `failUntil`; Temporal retries the task, so the run-start sink is delivered again.
 */
export async function flakyWorkflowTask(failUntil: number, n: number): Promise<number[]> {
  if (Date.now() < failUntil) throw new Error('this workflow task fails on purpose');
  return steadySteps(n, 10);
}

export const release = defineSignal('release');

/** A step, then a wait for a signal (its worker is restarted meanwhile), then another step. */
export async function stepsAcrossRestart(): Promise<number[]> {
  let released = false;
  setHandler(release, () => void (released = true));
  const first = await acts.step(1, 10);
  await condition(() => released);
  const second = await acts.step(2, 10);
  return [first, second];
}

/** Passes a value through an activity. */
export async function echoValue(value: unknown): Promise<unknown> {
  return acts.echo(value);
}

/** Returns what the activity produced on the worker side. */
export async function produceValue(kind: string): Promise<unknown> {
  return acts.produce(kind);
}

/** Fails with a hostile error message. */
export async function failOddly(message: string): Promise<void> {
  const { failsOddly } = proxyActivities<ReliabilityActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 1 },
  });
  await failsOddly(message);
}

/** An activity that fails twice before it succeeds. */
export async function retriedTwice(key: string): Promise<string> {
  return acts.flaky(key, 2);
}
