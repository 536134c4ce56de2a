/**
 * Sequence numbers taken in order and finished in any order, with the lowest unfinished one kept
 * up to date in O(1) amortised: only the numbers that finished ahead of it are remembered.
 */
class LowWater {
  private next = 0;
  /** Every number below this one has finished. */
  private low = 0;
  private readonly finishedAhead = new Set<number>();

  take(): number {
    return this.next++;
  }

  finish(seq: number): void {
    this.finishedAhead.add(seq);
    while (this.finishedAhead.delete(this.low)) this.low++;
  }

  /** What {@link passed} compares against to tell that every number taken so far has finished. */
  get mark(): number {
    return this.next;
  }

  passed(mark: number): boolean {
    return this.low >= mark;
  }
}

/**
 * The writes `commit: 'batched'` runs without the activity or the workflow waiting for them, and
 * what waits for them instead: a flush for every write started so far, a run's end for the
 * ordered writes (attempts, run starts) started before it.
 *
 * Counters rather than promise chains: chaining each write to the ones before it (two
 * `Promise.all` links per write) cost 14 promises per attempt, more than the rest of the
 * recorder, and each promise costs the worker a hook call under Temporal's AsyncLocalStorage.
 * Waiting stays O(1) per waiter whatever the backlog: a snapshot of the running writes per run
 * end grew with (runs ending) x (writes behind) and ran a worker with a slow store out of memory.
 */
export class BackgroundWrites {
  private readonly all = new LowWater();
  private readonly ordered = new LowWater();
  private waiters: Array<{ readonly track: LowWater; readonly mark: number; readonly resolve: () => void }> =
    [];
  private count = 0;

  /** Writes started and not finished. */
  get running(): number {
    return this.count;
  }

  /** Starts `write`; `failed` hears of its error (a background write has no caller to throw to). */
  start(write: () => Promise<void>, ordered: boolean, failed: (error: unknown) => void): void {
    const seq = this.all.take();
    const orderedSeq = ordered ? this.ordered.take() : undefined;
    this.count++;
    const done = () => {
      this.count--;
      this.all.finish(seq);
      if (orderedSeq !== undefined) this.ordered.finish(orderedSeq);
      this.wake();
    };
    write().then(done, (error: unknown) => {
      failed(error);
      done();
    });
  }

  /** Resolves once every write started so far has finished (not the ones started meanwhile). */
  settled(): Promise<void> {
    return this.after(this.all);
  }

  /** Resolves once every ordered write started so far has finished. */
  orderedSettled(): Promise<void> {
    return this.after(this.ordered);
  }

  private after(track: LowWater): Promise<void> {
    const { mark } = track;
    if (track.passed(mark)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ track, mark, resolve }));
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.track.passed(waiter.mark)) return true;
      waiter.resolve();
      return false;
    });
  }
}
