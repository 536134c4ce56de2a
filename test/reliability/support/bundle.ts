import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { LineagePlugin } from '../../../src/plugin';

const WORKFLOWS = join(__dirname, 'workflows.ts');
const SOURCES = [
  WORKFLOWS,
  join(__dirname, '../../../src/capture/workflow-interceptors.ts'),
  join(__dirname, '../../../src/capture/lineage-header.ts'),
];

/** The custom payload converter some tests use (see tagged-payload-converter.js). */
export const TAGGED_CONVERTER = join(__dirname, 'tagged-payload-converter.js');

const bundling = new Map<string, Promise<string>>();

/**
 * The reliability workflows bundled with the plugin's workflow interceptors, as a file that
 * in-process and spawned workers load (`workflowBundle: { codePath }`): bundling costs seconds,
 * so the file is shared by every test file and worker process of a run, keyed by the sources' hash.
 */
export function bundlePath(payloadConverterPath?: string): Promise<string> {
  const key = payloadConverterPath ?? '';
  const known = bundling.get(key);
  if (known) return known;
  const made = (async () => {
    const hash = createHash('sha256');
    for (const source of [...SOURCES, ...(payloadConverterPath ? [payloadConverterPath] : [])])
      hash.update(readFileSync(source));
    const path = join(tmpdir(), `lineage-reliability-${hash.digest('hex').slice(0, 16)}.js`);
    if (existsSync(path)) return path;
    const { code } = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS,
      ...(payloadConverterPath ? { payloadConverterPath } : {}),
      plugins: [new LineagePlugin({ dataDir: '/nonexistent' })],
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    // Written aside and renamed: two test files bundling at once must not read half a file.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, path);
    return path;
  })();
  bundling.set(key, made);
  return made;
}

/** Worker options loading the bundle (and, with a payload converter, using it). */
export async function bundleOptions(
  payloadConverterPath?: string,
): Promise<Pick<WorkerOptions, 'workflowBundle' | 'dataConverter'>> {
  return {
    workflowBundle: { codePath: await bundlePath(payloadConverterPath) },
    ...(payloadConverterPath ? { dataConverter: { payloadConverterPath } } : {}),
  };
}
