import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder of temporal-lineage's own package.json. Files shipped beside the code (the
 * `drizzle/` migrations, the project-local Temporal CLI) are found from here, whether the code
 * runs from `src/` through tsx or from `dist/` after a build.
 */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'temporal-lineage'
    ) {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`temporal-lineage's package.json not found above ${from}`);
  }
}
