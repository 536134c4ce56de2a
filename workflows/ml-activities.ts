import { proxyActivities } from '@temporalio/workflow';

import type { MlActivities } from '../activities/index.js';

/**
 * Each activity trains or reads a few hundred kilobytes at most, so a minute flags a stuck
 * attempt quickly; bad arguments are thrown as non-retryable by the activities themselves.
 */
export const ml = proxyActivities<MlActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 3,
  },
});
