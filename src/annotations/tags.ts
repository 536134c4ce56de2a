import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from '../query/rows';
import type { LineageStore } from '../store/open-store';
import { tags } from '../store/schema';
import { defaultAuthor } from './author';
import { resolveSubject, SubjectSchema, type Subject, type SubjectKey } from './subjects';

/** Tag keys read like identifiers (`team`, `dataset.version`) so that `--where tag.<key>` can name them. */
export const TagKeySchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/,
    'a tag key starts with a letter or _ and has at most 64 of A-Z a-z 0-9 _ . -',
  );
const TagValueSchema = z.string().max(500);

const SetTagSchema = z.strictObject({
  subject: SubjectSchema.refine((s) => !('executionId' in s), 'tags are on runs and artifacts'),
  key: TagKeySchema,
  value: TagValueSchema,
  author: z.string().min(1).max(200).optional(),
});

/** A tag as stored: who set it and when. */
export interface Tag {
  readonly key: string;
  readonly value: string;
  readonly author: string;
  readonly createdAt: Date;
}

function subjectCondition(key: SubjectKey) {
  if ('contextId' in key) return eq(tags.contextId, key.contextId);
  if ('artifactId' in key) return eq(tags.artifactId, key.artifactId);
  throw new Error('tags are on runs and artifacts');
}

/**
 * Sets `key=value` on a run or an artifact, replacing the key's earlier value; concurrent setters
 * of different keys never overwrite each other (one upsert per key, no read-modify-write).
 *
 * @example
 * await setTag(store, { run: 'iris-training' }, 'reviewed', 'yes', { author: 'ana' });
 */
export async function setTag(
  store: LineageStore,
  subject: Subject,
  key: string,
  value: string,
  options: { author?: string } = {},
): Promise<Tag> {
  const input = parseInput('tag', SetTagSchema, { subject, key, value, ...options });
  const target = await resolveSubject(store, input.subject);
  const author = input.author ?? defaultAuthor();
  const values = {
    key: input.key,
    value: input.value,
    author,
    ...('contextId' in target ? { contextId: target.contextId } : {}),
    ...('artifactId' in target ? { artifactId: target.artifactId } : {}),
  };
  const [row] = await store.db
    .insert(tags)
    .values(values)
    .onConflictDoUpdate({
      target: 'contextId' in target ? [tags.contextId, tags.key] : [tags.artifactId, tags.key],
      targetWhere:
        'contextId' in target ? sql`${tags.contextId} is not null` : sql`${tags.artifactId} is not null`,
      set: { value: input.value, author, createdAt: sql`now()` },
    })
    .returning();
  return { key: row!.key, value: row!.value, author: row!.author, createdAt: row!.createdAt };
}

/** Removes a tag; returns whether there was one. */
export async function removeTag(store: LineageStore, subject: Subject, key: string): Promise<boolean> {
  const input = parseInput('tag', z.strictObject({ subject: SubjectSchema, key: TagKeySchema }), {
    subject,
    key,
  });
  const target = await resolveSubject(store, input.subject);
  const removed = await store.db
    .delete(tags)
    .where(and(subjectCondition(target), eq(tags.key, input.key)))
    .returning({ id: tags.id });
  return removed.length > 0;
}

/** The tags of a run or an artifact, by key. */
export async function listTags(store: LineageStore, subject: Subject): Promise<Tag[]> {
  const target = await resolveSubject(store, parseInput('tag subject', SubjectSchema, subject));
  return store.db
    .select({ key: tags.key, value: tags.value, author: tags.author, createdAt: tags.createdAt })
    .from(tags)
    .where(subjectCondition(target))
    .orderBy(asc(tags.key));
}
