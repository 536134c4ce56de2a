import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { ApplicationFailure } from '@temporalio/common';

/** Error type for bad arguments: retrying cannot fix them, so they fail the activity at once. */
export const INVALID_INPUT = 'InvalidInput';

export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, INVALID_INPUT);
}

/** JSON with a trailing newline; key order follows construction order, so equal values give equal bytes. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** First 16 hex digits of the sha256: short enough for a file name, long enough not to collide here. */
export function shortDigest(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

/**
 * Writes via a temp file and rename, so parallel or retried attempts writing the same content
 * never expose a half-written file at the final path.
 */
export async function writeFileAtomic(filePath: string, content: string): Promise<string> {
  await mkdir(path.dirname(filePath), { recursive: true });
  const tmp = `${filePath}.${randomUUID()}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, filePath);
  return pathToFileURL(filePath).href;
}

/**
 * Names the file after its content (`<prefix>-<digest>.json`): reruns with the same inputs land
 * on the same path, and different results never overwrite each other. Returns the file URI.
 */
export function writeContentAddressed(dir: string, prefix: string, content: string): Promise<string> {
  return writeFileAtomic(path.join(dir, `${prefix}-${shortDigest(content)}.json`), content);
}

export function readUriText(uri: string): Promise<string> {
  if (!uri.startsWith('file://')) throw invalidInput(`expected a file:// URI, got ${uri}`);
  return readFile(fileURLToPath(uri), 'utf8');
}
