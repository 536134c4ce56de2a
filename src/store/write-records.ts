import { sql } from 'drizzle-orm';
import { canonicalJson } from '../artifacts/digest';
import type { EncodedValue } from '../artifacts/encode';
import { LineageError } from '../errors';
import type { LineageStore } from './open-store';
import type { AttemptEnd, AttemptHandle, AttemptStart } from './write-attempts';
import type { RunEnd, RunStart } from './write-runs';
import type { StoreWriters } from './writers';

/** An activity attempt by its Temporal identity: what a deferred write finds its row by. */
export interface AttemptKey {
  readonly workflowId: string;
  readonly runId: string;
  readonly activityId: string;
  readonly attempt: number;
}

/**
 * One store write, as data: what the outbox and the in-memory retry queue hold while the store
 * is unreachable. Every kind is an upsert on the store's unique keys, so applying a record again
 * (after a crash between applying and deleting it) changes nothing.
 */
export type WriteRecord =
  | { readonly kind: 'attempt-start'; readonly start: AttemptStart }
  | { readonly kind: 'attempt-end'; readonly attempt: AttemptKey; readonly end: AttemptEnd }
  | {
      readonly kind: 'attempt-cached';
      readonly attempt: AttemptKey;
      readonly cached: { sourceExecutionId: number; outputDigest: string | null; endedAt: Date };
    }
  | { readonly kind: 'run-start'; readonly start: RunStart }
  | { readonly kind: 'run-end'; readonly end: RunEnd };

/** The start of an attempt a deferred end refers to is not in the store (it was rejected or lost). */
export class AttemptNotRecordedError extends LineageError {
  override readonly name = 'AttemptNotRecordedError';
  readonly attempt: AttemptKey;
  constructor(attempt: AttemptKey) {
    const { workflowId, runId, activityId, attempt: n } = attempt;
    super(`No recorded start for attempt ${n} of activity ${activityId} in ${workflowId}/${runId}`);
    this.attempt = attempt;
  }
}

/** The row ids of a recorded attempt, by its Temporal identity. */
export async function findAttemptHandle(
  store: LineageStore,
  key: AttemptKey,
): Promise<AttemptHandle | undefined> {
  const [row] = await store.rows<{ id: string | number }>(sql`
    select id from executions
    where workflow_id = ${key.workflowId} and run_id = ${key.runId}
      and activity_id = ${key.activityId} and attempt = ${key.attempt}`);
  return row ? { executionId: Number(row.id) } : undefined;
}

/** Applies one record through the store's writers. */
export async function applyRecord(
  store: LineageStore,
  writers: StoreWriters,
  record: WriteRecord,
): Promise<void> {
  switch (record.kind) {
    case 'attempt-start':
      await writers.attempts.start(record.start);
      return;
    case 'run-start':
      await writers.runs.start(record.start);
      return;
    case 'run-end':
      await writers.runs.end(record.end);
      return;
    case 'attempt-end':
    case 'attempt-cached': {
      const handle = await findAttemptHandle(store, record.attempt);
      if (!handle) throw new AttemptNotRecordedError(record.attempt);
      if (record.kind === 'attempt-end') await writers.attempts.end(handle, record.end);
      else await writers.attempts.endCached(handle, record.cached);
    }
  }
}

/** The format version written into every serialised record, so that old files are recognised. */
const FORMAT = 1;

/** A record as one line of JSON (dates as ISO strings). */
export function serialiseRecord(record: WriteRecord): string {
  return JSON.stringify({ format: FORMAT, record });
}

const DATE_FIELDS: Record<WriteRecord['kind'], [string, string]> = {
  'attempt-start': ['start', 'startedAt'],
  'attempt-end': ['end', 'endedAt'],
  'attempt-cached': ['cached', 'endedAt'],
  'run-start': ['start', 'startedAt'],
  'run-end': ['end', 'endedAt'],
};

/** Parses {@link serialiseRecord}'s output. @throws {@link LineageError} for anything else. */
export function parseRecord(text: string): WriteRecord {
  const parsed = JSON.parse(text) as { format?: unknown; record?: { kind?: unknown } };
  const kind = parsed.record?.kind;
  if (parsed.format !== FORMAT || typeof kind !== 'string' || !(kind in DATE_FIELDS)) {
    throw new LineageError(`not a lineage write record (format ${String(parsed.format)})`);
  }
  const record = parsed.record as Record<string, Record<string, unknown>>;
  const [part, field] = DATE_FIELDS[kind as WriteRecord['kind']];
  const holder = record[part];
  if (holder && typeof holder[field] === 'string') holder[field] = new Date(holder[field]);
  for (const list of [holder?.inputs, holder?.outputs])
    if (Array.isArray(list)) list.forEach(upgradeArtifact);
  return record as unknown as WriteRecord;
}

/** Records written before artifacts carried `valueJson` held the encoded value itself as `value`. */
function upgradeArtifact(captured: { artifact?: Record<string, unknown> }): void {
  const artifact = captured.artifact;
  if (!artifact || 'valueJson' in artifact) return;
  artifact.valueJson =
    artifact.value === null || artifact.value === undefined
      ? null
      : canonicalJson(artifact.value as EncodedValue);
  delete artifact.value;
}
