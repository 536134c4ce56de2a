import type { CapturedArtifact } from '../artifacts/capture';
import { canonicalJson, sha256Hex } from '../artifacts/digest';

/**
 * The key under which an attempt's output may be reused (execution cache, from-step reruns):
 * the activity type, the digest of its arguments, and the digest of every input artifact. The
 * last part is what makes "same `file://` URI, new bytes" a miss: a typed input's digest is the
 * content digest of its file, which the value digest alone does not see.
 *
 * Returns null when an input names a `file://` URI whose bytes were not hashed (missing, too
 * large, not a file): without its content the key could match a different computation.
 */
export function cacheKeyOf(
  activityType: string,
  inputDigest: string,
  inputs: readonly CapturedArtifact[],
): string | null {
  const unhashed = inputs.some(
    ({ artifact }) => artifact.uri?.startsWith('file://') && artifact.properties.contentNote !== undefined,
  );
  if (unhashed) return null;
  const parts = inputs
    .map(({ path, artifact }) => [path, artifact.type, artifact.digest])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  return `sha256:${sha256Hex(canonicalJson([activityType, inputDigest, parts]))}`;
}
