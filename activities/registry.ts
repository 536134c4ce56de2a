import path from 'node:path';

import { invalidInput, readUriText, writeContentAddressed } from './content-files.js';
import type { Metrics, Model, RegisteredModel } from './types.js';

// The name becomes part of a file name, so path separators and dot-dot must not get through.
const REGISTERED_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function registryActivities(dataDir: string) {
  const registryDir = path.join(dataDir, 'registry');

  return {
    /**
     * Copies the model into the registry as `<name>-<digest>.json`; registering the same model
     * twice is a no-op rather than a new version, which keeps reruns reproducible.
     */
    async registerModel(input: { model: Model; metrics: Metrics; name: string }): Promise<RegisteredModel> {
      const { model, metrics, name } = input;
      if (!REGISTERED_NAME.test(name)) throw invalidInput(`invalid registry name ${JSON.stringify(name)}`);
      const uri = await writeContentAddressed(registryDir, name, await readUriText(model.uri));
      return { ...model, uri, registeredName: name, accuracy: metrics.accuracy };
    },
  };
}
