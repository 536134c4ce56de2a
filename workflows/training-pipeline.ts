import { executeChild, workflowInfo } from '@temporalio/workflow';

import type { EvaluatedModel, GridEntry, RegisteredModel } from '../activities/types.js';
import { hyperparameterSearch } from './hyperparameter-search.js';
import { ml } from './ml-activities.js';

export interface TrainingPipelineInput {
  datasetName?: string;
  testFraction?: number;
  /** Seeds both the train/test split and training. */
  seed?: number;
  grid?: GridEntry[];
  /** Registry name for the winning model; defaults to `<datasetName>-classifier`. */
  modelName?: string;
}

export interface TrainingPipelineResult extends EvaluatedModel {
  registered: RegisteredModel;
}

const DEFAULT_GRID: GridEntry[] = [
  { nEstimators: 10, maxFeatures: 2 },
  { nEstimators: 25, maxFeatures: 3 },
  { nEstimators: 50 },
];

/** Load Iris, split it, pick the best random forest from a grid search, and register it. */
export async function trainingPipeline(input: TrainingPipelineInput = {}): Promise<TrainingPipelineResult> {
  const { datasetName = 'iris', testFraction = 0.3, seed = 42, grid = DEFAULT_GRID } = input;
  const dataset = await ml.loadIris({ name: datasetName });
  const { train, test } = await ml.splitDataset(dataset, { testFraction, seed });
  // An id derived from ours ties the search to this run and cannot collide with another
  // pipeline's search running at the same time.
  const { model, metrics } = await executeChild(hyperparameterSearch, {
    workflowId: `${workflowInfo().workflowId}-search`,
    args: [{ train, test, grid, seed }],
  });
  const registered = await ml.registerModel({
    model,
    metrics,
    name: input.modelName ?? `${datasetName}-classifier`,
  });
  return { model, metrics, registered };
}
