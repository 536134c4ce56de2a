import { z } from 'zod';
import { getArtifact } from '../query/artifacts';
import { getRun } from '../query/get-run';
import { getExecution } from '../query/run-detail';
import type { LineageStore } from '../store/open-store';

/** What a tag or a note is about: a run (any reference `getRun` accepts), an execution or an artifact. */
export const SubjectSchema = z.union([
  z.strictObject({ run: z.string().min(1) }),
  z.strictObject({ executionId: z.number().int().positive() }),
  z.strictObject({ artifactId: z.number().int().positive() }),
]);
export type Subject = z.input<typeof SubjectSchema>;

/** A subject resolved to the row it names, as the annotation tables reference it. */
export type SubjectKey =
  | { readonly contextId: number; readonly label: string }
  | { readonly executionId: number; readonly label: string }
  | { readonly artifactId: number; readonly label: string };

/** Looks the subject up, so that annotating something the store does not hold is a typed not-found error. */
export async function resolveSubject(
  store: LineageStore,
  subject: z.output<typeof SubjectSchema>,
): Promise<SubjectKey> {
  if ('run' in subject) {
    const run = await getRun(store, subject.run);
    return { contextId: run.id, label: run.name };
  }
  if ('executionId' in subject) {
    await getExecution(store, subject.executionId);
    return { executionId: subject.executionId, label: `e${subject.executionId}` };
  }
  await getArtifact(store, subject.artifactId);
  return { artifactId: subject.artifactId, label: `a${subject.artifactId}` };
}
