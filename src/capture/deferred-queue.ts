import { LineageError } from '../errors';
import { classifyStoreError, storeErrorSummary } from '../store/error-kinds';
import type { DrainOutcome, Outbox } from '../store/outbox';
import { serialiseRecord, type WriteRecord } from '../store/write-records';

/** Where store writes wait while the store is unreachable, to be applied in order once it is back. */
export interface DeferredQueue {
  /** `outbox <dir>` or `memory`, for log messages. */
  readonly label: string;
  readonly durable: boolean;
  /** Whether records may be waiting (true until a durable queue has looked). */
  hasPending(): boolean;
  append(records: readonly WriteRecord[]): Promise<void>;
  drain(apply: (record: WriteRecord) => Promise<void>): Promise<DrainOutcome>;
  /** How many records are known to wait. */
  size(): number;
  /** Looks again at what waits (a durable queue may hold records from an earlier process). */
  refresh(): Promise<void>;
}

/** The retry queue of `onStoreError: 'fail'` is bounded: an outage must not exhaust the worker's memory. */
const MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;
const MEMORY_LIMIT_RECORDS = 100_000;

/** The in-memory queue is full; the record is lost (and logged as such). */
export class DeferredQueueFullError extends LineageError {
  override readonly name = 'DeferredQueueFullError';
}

/**
 * In-memory retry queue (`onStoreError: 'fail'`): records of attempts that failed because the
 * store was unreachable, written once it is back so that those attempts are not missing. Lost if
 * the worker process exits first (that is what `'outbox'` is for).
 */
export class MemoryQueue implements DeferredQueue {
  readonly label = 'memory';
  readonly durable = false;
  private records: Array<{ record: WriteRecord; bytes: number }> = [];
  private bytes = 0;

  hasPending(): boolean {
    return this.records.length > 0;
  }

  size(): number {
    return this.records.length;
  }

  refresh(): Promise<void> {
    return Promise.resolve();
  }

  append(records: readonly WriteRecord[]): Promise<void> {
    const sized = records.map((record) => ({ record, bytes: serialiseRecord(record).length }));
    const bytes = sized.reduce((sum, r) => sum + r.bytes, 0);
    if (
      this.records.length + sized.length > MEMORY_LIMIT_RECORDS ||
      this.bytes + bytes > MEMORY_LIMIT_BYTES
    ) {
      return Promise.reject(
        new DeferredQueueFullError('the in-memory retry queue of lineage records is full'),
      );
    }
    this.records.push(...sized);
    this.bytes += bytes;
    return Promise.resolve();
  }

  async drain(apply: (record: WriteRecord) => Promise<void>): Promise<DrainOutcome> {
    let applied = 0;
    const rejected: Array<{ file: string; error: string }> = [];
    let conflicts = 0;
    while (this.records.length > 0) {
      const head = this.records[0]!;
      try {
        await apply(head.record);
        applied++;
      } catch (error) {
        const kind = classifyStoreError(error);
        if (kind === 'conflict' && ++conflicts < 3) continue;
        if (kind !== 'rejected')
          return { applied, rejected, remaining: this.records.length, unavailable: error };
        rejected.push({ file: head.record.kind, error: storeErrorSummary(error) });
      }
      this.records.shift();
      this.bytes -= head.bytes;
      conflicts = 0;
    }
    return { applied, rejected, remaining: 0 };
  }
}

/** The durable outbox (`onStoreError: 'outbox'`), with what this process knows of its size. */
export class OutboxQueue implements DeferredQueue {
  readonly durable = true;
  /** Unknown (-1) until the first drain has looked: a previous process may have left records. */
  private pending = -1;
  /** Records this process has appended, ever: what a drain compares to see appends it overlapped. */
  private appended = 0;

  constructor(private readonly outbox: Outbox) {}

  get label(): string {
    return `outbox ${this.outbox.dir}`;
  }

  hasPending(): boolean {
    return this.pending !== 0;
  }

  size(): number {
    return Math.max(this.pending, 0);
  }

  async refresh(): Promise<void> {
    if (this.pending < 0) this.pending = (await this.outbox.files()).length;
  }

  async append(records: readonly WriteRecord[]): Promise<void> {
    await this.outbox.append(records);
    this.appended += records.length;
    this.pending = Math.max(this.pending, 0) + records.length;
  }

  async drain(apply: (record: WriteRecord) => Promise<void>): Promise<DrainOutcome> {
    const appendedBefore = this.appended;
    const outcome = await this.outbox.drain(apply);
    // An append that landed after the drain last listed the folder is not in `remaining`. Taking
    // `remaining` alone would forget it: nothing would drain it, and later writes would go
    // straight to the store ahead of it. Counting such appends again can only overcount, which
    // the next drain corrects when it finds the folder empty.
    this.pending = outcome.remaining + (this.appended - appendedBefore);
    return outcome;
  }
}
