import { LineageError } from '../errors';
import { classifyStoreError } from './error-kinds';

/**
 * Group commit for per-attempt writes: items pushed while earlier batches are in flight wait
 * and then go together, as one statement, while each caller still awaits the outcome of its
 * own item (DESIGN invariant 1 is unchanged: an attempt's write has committed when its promise
 * resolves). A lone item is written at once, so an idle worker gains no latency; under load,
 * batches grow by themselves and the database runs one statement and one commit per batch
 * instead of one per attempt.
 *
 * When a batch fails, its items are written one by one, so that a record the store refuses
 * fails only its own attempt; an unreachable store fails them all at once.
 *
 * With `deferFlush`, a lone item waits for the end of the current event-loop turn (setImmediate)
 * before it is sent, so that whatever else is pushed in the same turn goes with it, and an item
 * may still be amended (an attempt's end joined to its start) until it is sent. With `lingerMs`,
 * it waits that long instead (or until a batch is full), for callers that do not wait on the
 * outcome (`commit: 'batched'`): batches then grow with the rate, not with the store's latency.
 */
export class WriteBatcher<I, O> {
  private queue: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;
  private flushScheduled = false;

  constructor(
    /** Writes items as one statement; results in the items' order. Called synchronously at send. */
    private readonly writeBatch: (items: I[]) => Promise<O[]>,
    private readonly options: {
      /** Batches written at once; more items wait for one of them to finish. */
      readonly maxInFlight?: number;
      readonly maxBatch?: number;
      readonly deferFlush?: boolean;
      readonly lingerMs?: number;
    } = {},
  ) {}

  private get maxInFlight(): number {
    return this.options.maxInFlight ?? 2;
  }

  private get maxBatch(): number {
    return this.options.maxBatch ?? 100;
  }

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.kick();
    });
  }

  /** Sends a batch now, or schedules one, as the options say. */
  private kick(): void {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    const { deferFlush, lingerMs } = this.options;
    if (!deferFlush && !lingerMs) return this.flush();
    if (lingerMs && this.queue.length >= this.maxBatch) return this.flush();
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const scheduled = () => {
      this.flushScheduled = false;
      if (this.inFlight < this.maxInFlight) this.flush();
    };
    if (lingerMs) setTimeout(scheduled, lingerMs);
    else setImmediate(scheduled);
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.inFlight++;
    void this.write(batch).finally(() => {
      this.inFlight--;
      // Items that queued meanwhile go now, except with a linger: they wait for their batch to fill.
      if (this.options.lingerMs) this.kick();
      else this.flush();
    });
  }

  private async write(batch: typeof this.queue): Promise<void> {
    try {
      const results = await this.writeBatch(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(results[i]!));
      return;
    } catch (error) {
      if (batch.length === 1 || classifyStoreError(error) === 'unavailable') {
        for (const entry of batch) entry.reject(error);
        return;
      }
    }
    await Promise.all(
      batch.map(async (entry) => {
        try {
          entry.resolve((await this.writeBatch([entry.item]))[0]!);
        } catch (error) {
          entry.reject(error);
        }
      }),
    );
  }
}

/** Batcher options for `commit: 'batched'` (a linger, and larger batches); none otherwise. */
export function lingerOptions(lingerMs: number | undefined): { lingerMs?: number; maxBatch?: number } {
  return lingerMs ? { lingerMs, maxBatch: 500 } : {};
}

/**
 * A batch statement's `[index, id]` pairs as ids in the items' order; an item the statement
 * returned no row for is an error (named `what`), never a silently missing id.
 */
export function idsInBatchOrder(
  count: number,
  pairs: ReadonlyArray<readonly [number | string, number | string]> | null | undefined,
  what: string,
): number[] {
  const ids = new Map((pairs ?? []).map(([i, id]) => [Number(i), Number(id)]));
  return Array.from({ length: count }, (_, i) => {
    const id = ids.get(i);
    if (id === undefined) throw new LineageError(`${what} ${i} of a batch of ${count} returned no row`);
    return id;
  });
}
