import { inArray } from 'drizzle-orm';
import type { CapturedArtifact } from '../artifacts/capture';
import type { LineageDb } from './open-store';
import { artifacts, attributions, events } from './schema';

type Tx = Parameters<Parameters<LineageDb['transaction']>[0]>[0];

/**
 * Upserts captured artifacts and returns their ids by identity. Two statements on purpose: a
 * concurrent writer may insert the same artifact between our INSERT's snapshot and a CTE's read,
 * so the ids of rows we did not insert are read by a second statement that sees its commit.
 */
async function upsertArtifacts(tx: Tx, captured: readonly CapturedArtifact[]): Promise<Map<string, number>> {
  const unique = new Map(captured.map(({ artifact }) => [artifact.identity, artifact]));
  if (unique.size === 0) return new Map();
  // Sorted so that concurrent transactions take their locks in the same order (no deadlock).
  const rows = [...unique.values()]
    .sort((a, b) => (a.identity < b.identity ? -1 : 1))
    .map((a) => ({
      identity: a.identity,
      type: a.type,
      uri: a.uri,
      digest: a.digest,
      valueDigest: a.valueDigest,
      value: a.value,
      inline: a.inline,
      sizeBytes: a.sizeBytes,
      properties: a.properties,
    }));
  const inserted = await tx
    .insert(artifacts)
    .values(rows)
    .onConflictDoNothing({ target: artifacts.identity })
    .returning({ id: artifacts.id, identity: artifacts.identity });
  const ids = new Map(inserted.map((row) => [row.identity, row.id]));
  const missing = [...unique.keys()].filter((identity) => !ids.has(identity));
  if (missing.length > 0) {
    const existing = await tx
      .select({ id: artifacts.id, identity: artifacts.identity })
      .from(artifacts)
      .where(inArray(artifacts.identity, missing));
    for (const row of existing) ids.set(row.identity, row.id);
  }
  return ids;
}

/** Writes the artifacts of one side of an execution, its events, and their run attribution. */
export async function writeEvents(
  tx: Tx,
  executionId: number,
  runContextId: number,
  type: 'INPUT' | 'OUTPUT',
  captured: readonly CapturedArtifact[],
): Promise<void> {
  const ids = await upsertArtifacts(tx, captured);
  if (ids.size === 0) return;
  await tx
    .insert(events)
    .values(
      captured.map((c) => ({ executionId, artifactId: ids.get(c.artifact.identity)!, type, path: c.path })),
    )
    .onConflictDoNothing();
  await tx
    .insert(attributions)
    .values([...ids.values()].map((artifactId) => ({ contextId: runContextId, artifactId })))
    .onConflictDoNothing();
}
