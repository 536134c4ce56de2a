// The worker's `workflowsPath`: every workflow type the example pipeline registers.
export * from './hyperparameter-search.js';
export * from './training-pipeline.js';
