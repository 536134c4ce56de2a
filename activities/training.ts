import path from 'node:path';

import { RandomForestClassifier } from 'ml-random-forest';

import { invalidInput, readUriText, toJsonText, writeContentAddressed } from './content-files.js';
import { readDatasetFile } from './dataset.js';
import type { Dataset, Metrics, Model, RandomForestParams, TrainParams } from './types.js';

type RandomForestJson = Parameters<typeof RandomForestClassifier.load>[0];

const ALGORITHM = 'random-forest';

function resolveParams(params: TrainParams, featureCount: number): RandomForestParams {
  const { nEstimators, seed, maxFeatures = 1 } = params;
  if (params.algorithm !== undefined && params.algorithm !== ALGORITHM) {
    throw invalidInput(`unsupported algorithm ${String(params.algorithm)}`);
  }
  if (!Number.isInteger(nEstimators) || nEstimators < 1) {
    throw invalidInput(`nEstimators must be a positive integer, got ${nEstimators}`);
  }
  // The forest's Mersenne Twister keeps only `seed | 0`, so wider integers would alias other seeds.
  if ((seed | 0) !== seed) throw invalidInput(`seed must be a 32-bit integer, got ${seed}`);
  // The library reads values in (0, 1] as a fraction (so 1 means all) and larger integers as a
  // count; a fraction that rounds down to no features would train trees on nothing.
  const featuresUsed = maxFeatures <= 1 ? Math.floor(featureCount * maxFeatures) : maxFeatures;
  if (!Number.isInteger(featuresUsed) || featuresUsed < 1 || featuresUsed > featureCount) {
    throw invalidInput(`maxFeatures ${maxFeatures} must select between 1 and ${featureCount} features`);
  }
  return { nEstimators, maxFeatures, seed };
}

export function trainingActivities(dataDir: string) {
  const modelsDir = path.join(dataDir, 'models');

  return {
    /** Trains a seeded random forest; the same data and params always give the same model file. */
    async trainModel(train: Dataset, params: TrainParams): Promise<Model> {
      const data = await readDatasetFile(train);
      const resolved = resolveParams(params, data.features.length);
      const forest = new RandomForestClassifier({
        ...resolved,
        // Without replacement each tree sees distinct features; the library default may pick one twice.
        replacement: false,
        // Out-of-bag scores are not part of the saved model and cost a pass per tree.
        noOOB: true,
      });
      forest.train(
        data.samples.map((s) => s.x),
        data.samples.map((s) => s.y),
      );
      const uri = await writeContentAddressed(modelsDir, 'model', toJsonText(forest.toJSON()));
      return { kind: 'Model', uri, algorithm: ALGORITHM, params: resolved };
    },

    /** Accuracy of `model` on `test`. */
    async evaluateModel(model: Model, test: Dataset): Promise<Metrics> {
      if (model.algorithm !== ALGORITHM) throw invalidInput(`unsupported algorithm ${model.algorithm}`);
      const forest = RandomForestClassifier.load(
        JSON.parse(await readUriText(model.uri)) as RandomForestJson,
      );
      const data = await readDatasetFile(test);
      const predicted = forest.predict(data.samples.map((s) => s.x));
      const correct = data.samples.filter((s, i) => predicted[i] === s.y).length;
      return { kind: 'Metrics', accuracy: correct / data.samples.length, testRows: data.samples.length };
    },
  };
}
