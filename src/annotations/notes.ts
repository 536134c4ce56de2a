import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from '../query/rows';
import type { LineageStore } from '../store/open-store';
import { notes } from '../store/schema';
import { defaultAuthor } from './author';
import { resolveSubject, SubjectSchema, type Subject, type SubjectKey } from './subjects';

const AddNoteSchema = z.strictObject({
  subject: SubjectSchema,
  body: z.string().trim().min(1, 'a note needs text').max(20_000),
  author: z.string().min(1).max(200).optional(),
});

/** A note as stored: markdown text, who wrote it and when. */
export interface Note {
  readonly id: number;
  readonly body: string;
  readonly author: string;
  readonly createdAt: Date;
}

function subjectCondition(key: SubjectKey) {
  if ('contextId' in key) return eq(notes.contextId, key.contextId);
  if ('executionId' in key) return eq(notes.executionId, key.executionId);
  return eq(notes.artifactId, key.artifactId);
}

const noteColumns = { id: notes.id, body: notes.body, author: notes.author, createdAt: notes.createdAt };

/**
 * Adds a markdown note to a run, an execution or an artifact. Notes are a conversation: each is
 * kept as written, with its author and time.
 *
 * @example
 * await addNote(store, { executionId: 42 }, 'Diverged after epoch 3: **learning rate too high**.');
 */
export async function addNote(
  store: LineageStore,
  subject: Subject,
  body: string,
  options: { author?: string } = {},
): Promise<Note> {
  const input = parseInput('note', AddNoteSchema, { subject, body, ...options });
  const target = await resolveSubject(store, input.subject);
  const [row] = await store.db
    .insert(notes)
    .values({
      body: input.body,
      author: input.author ?? defaultAuthor(),
      ...('contextId' in target ? { contextId: target.contextId } : {}),
      ...('executionId' in target ? { executionId: target.executionId } : {}),
      ...('artifactId' in target ? { artifactId: target.artifactId } : {}),
    })
    .returning(noteColumns);
  return row!;
}

/** The notes on a run, an execution or an artifact, oldest first. */
export async function listNotes(store: LineageStore, subject: Subject): Promise<Note[]> {
  const target = await resolveSubject(store, parseInput('note subject', SubjectSchema, subject));
  return store.db.select(noteColumns).from(notes).where(subjectCondition(target)).orderBy(asc(notes.id));
}
