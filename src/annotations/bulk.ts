import { sql } from 'drizzle-orm';
import { idArray, toNumber } from '../query/rows';
import type { LineageStore } from '../store/open-store';

/** The tags and aliases of many runs and artifacts at once, for exports and reports. */
export interface AnnotationIndex {
  runTags(contextId: number): Record<string, string>;
  artifactTags(artifactId: number): Record<string, string>;
  artifactAliases(artifactId: number): string[];
}

/** One query per kind, however many runs and artifacts (an export would otherwise ask per event). */
export async function loadAnnotations(
  store: LineageStore,
  contextIds: readonly number[],
  artifactIds: readonly number[],
): Promise<AnnotationIndex> {
  const [tagRows, aliasRows] = await Promise.all([
    contextIds.length + artifactIds.length === 0
      ? []
      : store.rows<{
          context_id: string | number | null;
          artifact_id: string | number | null;
          key: string;
          value: string;
        }>(sql`
          select context_id, artifact_id, key, value from tags
          where context_id = any(${idArray(contextIds)}) or artifact_id = any(${idArray(artifactIds)})
          order by key`),
    artifactIds.length === 0
      ? []
      : store.rows<{ artifact_id: string | number; name: string }>(
          sql`select artifact_id, name from aliases where artifact_id = any(${idArray(artifactIds)}) order by name`,
        ),
  ]);
  const runTags = new Map<number, Record<string, string>>();
  const artifactTags = new Map<number, Record<string, string>>();
  for (const row of tagRows) {
    const [index, id] =
      row.context_id !== null ? [runTags, row.context_id] : [artifactTags, row.artifact_id!];
    const key = toNumber(id);
    index.set(key, { ...index.get(key), [row.key]: row.value });
  }
  const aliases = new Map<number, string[]>();
  for (const row of aliasRows) {
    const key = toNumber(row.artifact_id);
    aliases.set(key, [...(aliases.get(key) ?? []), row.name]);
  }
  return {
    runTags: (id) => runTags.get(id) ?? {},
    artifactTags: (id) => artifactTags.get(id) ?? {},
    artifactAliases: (id) => aliases.get(id) ?? [],
  };
}
