import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { UNSAFE_TEXT } from '../artifacts/safe-text';
import { LineageOptionsError } from '../errors';
import type { artifacts, contexts, executions } from '../store/schema';

/** A run context as the query API returns it. */
export type RunRow = typeof contexts.$inferSelect;
/** An execution row (one activity attempt). */
export type ExecutionRow = typeof executions.$inferSelect;
/** An artifact row. */
export type ArtifactRow = typeof artifacts.$inferSelect;

/** An artifact at the place (`args[0]`, `result.model`) where an execution read or wrote it. */
export interface EventArtifact {
  readonly path: string;
  readonly artifact: ArtifactRow;
  /**
   * Inputs only: the execution that produced the value consumed, or null for an external input of
   * the run (see DESIGN.md, "Identity is content; provenance is an occurrence").
   */
  readonly producerExecutionId?: number | null;
}

/** An execution with its input and output artifacts. */
export interface ExecutionWithArtifacts extends ExecutionRow {
  /** What the activity was given (`args[…]` and what is nested in them). */
  readonly inputs: EventArtifact[];
  readonly outputs: EventArtifact[];
  /** The `Code` artifact of the code that ran it (activity source digest, bundle, git commit); null before it was recorded. */
  readonly code: ArtifactRow | null;
  /** The `Environment` artifact of the Worker that ran it; null before it was recorded. */
  readonly environment: ArtifactRow | null;
}

/**
 * Raw SQL rows carry bigint columns as strings on postgres.js and as numbers on PGlite; every id
 * read through `store.rows` goes through here so both drivers give the same numbers.
 */
export function toNumber(value: string | number | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

/** Milliseconds between two instants, or null while the thing is still running. */
export function durationMs(start: Date | null, end: Date | null): number | null {
  return start && end ? end.getTime() - start.getTime() : null;
}

/**
 * Where a query string holds a NUL or a lone surrogate: no stored text does (capture escapes
 * them), and Postgres rejects them as parameters, so such a filter is a usage error rather than a
 * driver error. Walks the plain parts of an input only; `set` holds rerun overrides, which are
 * values for an activity, not filters.
 */
function unstorableText(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return UNSAFE_TEXT.test(value) ? path || '(root)' : undefined;
  if (depth > 4 || value === null || typeof value !== 'object') return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key === 'set' && depth === 0) continue;
    const found = unstorableText(item, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Validates query input with its zod schema; a bad input becomes a {@link LineageOptionsError}. */
export function parseInput<S extends z.ZodType>(what: string, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw LineageOptionsError.fromZod(what, parsed.error);
  const bad = unstorableText(parsed.data, '');
  if (bad) throw new LineageOptionsError(what, [`${bad}: holds a NUL character or a lone surrogate`]);
  return parsed.data;
}

/** Escapes LIKE's wildcards so that a user's prefix matches literally. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A Postgres bigint[] literal, bound as one text parameter however many ids. */
export const idArray = (ids: readonly number[]) => sql`${`{${ids.join(',')}}`}::bigint[]`;
