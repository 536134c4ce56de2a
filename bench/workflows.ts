/**
 * The bench's workflow (runs in Temporal's sandbox: no Node built-ins, no I/O). Each chain runs
 * its steps one after another, so 50 chains keep exactly 50 activities in flight.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { BenchActivities, BenchParams } from './activities';

const { benchStep } = proxyActivities<BenchActivities>({
  startToCloseTimeout: '1 minute',
  // One attempt: a failure (a lost store write included) must fail the bench, not hide in a retry.
  retry: { maximumAttempts: 1 },
});

const DATASET = { kind: 'Dataset', uri: 's3://bucket/data.csv', name: 'data', rows: 10_000 } as const;

/**
 * Runs `steps` activities in sequence and returns each one's latency as the workflow sees it:
 * from the activation that scheduled it to the activation that got its result (workflow time
 * is the activation's timestamp, so this includes the server round trip and task dispatch).
 */
export async function benchChain(input: {
  chain: number;
  steps: number;
  params: BenchParams;
}): Promise<number[]> {
  const latencies: number[] = [];
  for (let step = 0; step < input.steps; step++) {
    const started = Date.now();
    await benchStep({ ...input.params, chain: input.chain, step }, DATASET);
    latencies.push(Date.now() - started);
  }
  return latencies;
}
