/** Workflows of the result-admission tests. Sandbox code: no Node built-ins. */
import { proxyActivities } from '@temporalio/workflow';
import type { AdmissionActivities } from './activities';

const acts = proxyActivities<AdmissionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '50 milliseconds', maximumAttempts: 2 },
});

/** Returns what the activity made of `kind`, which Temporal may refuse to carry. */
export async function makeValue(kind: string): Promise<unknown> {
  return acts.make(kind);
}

/** Its activity fails its first attempt and returns `kind`'s value on the second. */
export async function makeValueOnRetry(kind: string): Promise<unknown> {
  return acts.makeOnRetry(kind);
}
