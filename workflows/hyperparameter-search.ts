import { ApplicationFailure } from '@temporalio/workflow';

import type { Dataset, EvaluatedModel, GridEntry } from '../activities/types.js';
import { ml } from './ml-activities.js';

export interface HyperparameterSearchInput {
  train: Dataset;
  test: Dataset;
  grid: GridEntry[];
  /** Training seed shared by every grid point, so they differ only in their hyper-parameters. */
  seed: number;
}

/** Trains and evaluates every grid point in parallel and returns the most accurate model. */
export async function hyperparameterSearch(input: HyperparameterSearchInput): Promise<EvaluatedModel> {
  const { train, test, grid, seed } = input;
  const [first, ...rest] = await Promise.all(
    grid.map(async (point) => {
      const model = await ml.trainModel(train, { ...point, seed });
      const metrics = await ml.evaluateModel(model, test);
      return { model, metrics };
    }),
  );
  if (first === undefined) throw ApplicationFailure.nonRetryable('the grid is empty', 'InvalidInput');
  // Strictly greater keeps the earliest grid point on ties, whatever order the activities finished in.
  return rest.reduce(
    (best, candidate) => (candidate.metrics.accuracy > best.metrics.accuracy ? candidate : best),
    first,
  );
}
