import { and, eq } from 'drizzle-orm';
import type { LineageDb } from './open-store';
import { contexts, parentContexts } from './schema';

/** Identifies a workflow run; its context is named `workflowId/runId`. */
export interface RunRef {
  readonly workflowId: string;
  readonly runId: string;
}

export function runName(run: RunRef): string {
  return `${run.workflowId}/${run.runId}`;
}

/** Inserts a context unless it exists and returns its id either way. */
async function ensureContext(
  db: LineageDb,
  values: typeof contexts.$inferInsert & { type: string; name: string },
): Promise<number> {
  const inserted = await db
    .insert(contexts)
    .values(values)
    .onConflictDoNothing({ target: [contexts.type, contexts.name] })
    .returning({ id: contexts.id });
  if (inserted[0]) return inserted[0].id;
  const existing = await db
    .select({ id: contexts.id })
    .from(contexts)
    .where(and(eq(contexts.type, values.type), eq(contexts.name, values.name)));
  return existing[0]!.id;
}

export function ensurePipeline(db: LineageDb, workflowType: string): Promise<number> {
  return ensureContext(db, { type: 'pipeline', name: workflowType, workflowType });
}

/** A run context with what is known so far; the run-start sink fills in the rest. */
export function ensureRun(
  db: LineageDb,
  run: RunRef & { workflowType?: string; taskQueue?: string; startedAt?: Date },
): Promise<number> {
  return ensureContext(db, {
    type: 'run',
    name: runName(run),
    workflowId: run.workflowId,
    runId: run.runId,
    workflowType: run.workflowType ?? null,
    taskQueue: run.taskQueue ?? null,
    status: 'RUNNING',
    startedAt: run.startedAt ?? null,
  });
}

export async function linkParent(db: LineageDb, childId: number, parentId: number): Promise<void> {
  await db.insert(parentContexts).values({ childId, parentId }).onConflictDoNothing();
}

/**
 * Remembers context ids this process has already ensured. Contexts are never deleted while a
 * worker runs, so the cache only saves round trips; it is cleared when it grows large.
 */
export class ContextCache {
  private readonly ids = new Map<string, number>();

  async get(key: string, ensure: () => Promise<number>): Promise<number> {
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = await ensure();
    if (this.ids.size >= 50_000) this.ids.clear();
    this.ids.set(key, id);
    return id;
  }
}
