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
 */
export class WriteBatcher<I, O> {
  private queue: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;

  constructor(
    /** Writes items as one statement; results in the items' order. */
    private readonly writeBatch: (items: I[]) => Promise<O[]>,
    /** Batches written at once; more items wait for one of them to finish. */
    private readonly maxInFlight = 2,
    private readonly maxBatch = 100,
  ) {}

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.inFlight < this.maxInFlight) this.flush();
    });
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.inFlight++;
    void this.write(batch).finally(() => {
      this.inFlight--;
      this.flush();
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
