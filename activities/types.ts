/**
 * Value shapes exchanged by the example ML activities and workflows.
 * Lineage capture recognises Dataset, Model and Metrics from their `kind` (and `uri`), so these
 * shapes are a contract with the plugin: keep the field names stable.
 */

/** A table of numeric features with a class label per row, stored as JSON at `uri`. */
export interface Dataset {
  kind: 'Dataset';
  /** Absolute `file://` URI of the JSON file holding the rows. */
  uri: string;
  name: string;
  rows: number;
  features: string[];
}

/** Hyper-parameters as trained, with defaults resolved so equal models have equal params. */
export interface RandomForestParams {
  nEstimators: number;
  /** Fraction of features in (0, 1] (so `1` means all features), or an integer count above 1. */
  maxFeatures: number;
  seed: number;
}

/** A trained model serialised as JSON at `uri`. */
export interface Model {
  kind: 'Model';
  /** Absolute `file://` URI of the model's JSON. */
  uri: string;
  algorithm: string;
  params: RandomForestParams;
}

/** Evaluation results; kept inline, so no `uri`. */
export interface Metrics {
  kind: 'Metrics';
  /** Fraction of test rows classified correctly, in [0, 1]. */
  accuracy: number;
  testRows: number;
}

/** A model copied into the registry under a name. */
export interface RegisteredModel extends Model {
  registeredName: string;
  accuracy: number;
}

/** One point of a hyper-parameter grid. */
export interface GridEntry {
  nEstimators: number;
  maxFeatures?: number;
}

export interface TrainParams extends GridEntry {
  algorithm?: 'random-forest';
  /** 32-bit integer; fixes bootstrap sampling and feature selection. */
  seed: number;
}

export interface SplitOptions {
  /** Share of rows held out for testing, in (0, 1). */
  testFraction: number;
  seed: number;
}

/** A trained model together with how well it did. */
export interface EvaluatedModel {
  model: Model;
  metrics: Metrics;
}
