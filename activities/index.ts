import path from 'node:path';

import { datasetActivities } from './dataset.js';
import { registryActivities } from './registry.js';
import { trainingActivities } from './training.js';

export type * from './types.js';

export interface MlActivitiesOptions {
  /** Where datasets, models and the registry are written; resolved to an absolute path. */
  dataDir: string;
}

/**
 * The example pipeline's activities, ready for `Worker.create({ activities })`.
 *
 * @example
 * const worker = await Worker.create({
 *   workflowsPath: require.resolve('../workflows'),
 *   activities: createMlActivities({ dataDir: '.demo-data' }),
 *   taskQueue: 'ml',
 * });
 */
export function createMlActivities(options: MlActivitiesOptions) {
  // Artifact URIs must be absolute to mean the same thing to every reader of the lineage store.
  const dataDir = path.resolve(options.dataDir);
  return {
    ...datasetActivities(dataDir),
    ...trainingActivities(dataDir),
    ...registryActivities(dataDir),
  };
}

/** The activity interface, for `proxyActivities<MlActivities>()` in workflows. */
export type MlActivities = ReturnType<typeof createMlActivities>;
