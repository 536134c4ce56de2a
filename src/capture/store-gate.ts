import { resolve } from 'node:path';
import { Runtime } from '@temporalio/worker';
import { LineageStoreError, redactUrl } from '../errors';
import type { ResolvedLineageOptions } from '../options';
import { classifyStoreError, detachedStoreError } from '../store/error-kinds';
import { openStore, type LineageStore } from '../store/open-store';
import { Outbox } from '../store/outbox';
import { applyRecord, type WriteRecord } from '../store/write-records';
import { createWriters, type StoreWriters } from '../store/writers';
import { MemoryQueue, OutboxQueue, type DeferredQueue } from './deferred-queue';

/** The open store and its writers. */
export type OpenedStore = { readonly store: LineageStore } & StoreWriters;

/** A write in flight, as the watchdog sees it. */
interface WatchedWrite {
  readonly since: number;
  /** The pool it was started on (see `StoreGate.generation`). */
  readonly generation: number;
  /** Fails the write's promise at once, when the watchdog drops its pool. */
  readonly fail: (error: Error) => void;
}

/** How a write through the gate went. */
export type GateResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: LineageStoreError; readonly unavailable: boolean };

/** After the store fails, writes skip it for this long (doubling up to the max) instead of each waiting on it. */
const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 2_000;
/** How long {@link StoreGate.flush} waits by default. */
export const FLUSH_MS = 5_000;
const CONFLICT_RETRIES = 3;

const logger = () => Runtime.instance().logger;

/** Where the plugin's store is, safe to print. */
function targetOf(options: ResolvedLineageOptions): string {
  if (options.store) return options.store.target;
  return options.databaseUrl ? redactUrl(options.databaseUrl) : `pglite:${resolve(options.dataDir)}`;
}

/**
 * A store failure as logs and Temporal see it: a short message naming the store (never its
 * password) and the driver's own words, never the statement and its parameters (captured values),
 * and no `cause` chain below that, which would carry them (see {@link detachedStoreError}).
 */
function asStoreError(operation: string, target: string, cause: unknown): LineageStoreError {
  // An open that failed keeps saying so: `classifyStoreError` reads 'open' as unavailable.
  const op = cause instanceof LineageStoreError ? cause.operation : operation;
  return new LineageStoreError(op, target, { cause: detachedStoreError(cause) });
}

/**
 * Every store write of a plugin goes through here. Owns the connection (opened lazily, so creating
 * the plugin does no I/O), a circuit breaker (while the store is known to be down, writes fail at
 * once instead of each waiting on a connection), and the queue where writes wait for the store:
 * the durable outbox (`onStoreError: 'outbox'`) or the in-memory retry queue (`'fail'`). While
 * records wait, later writes drain them first, so each process writes in the order it captured.
 */
export class StoreGate {
  private opening: Promise<OpenedStore> | undefined;
  /** The store once open: what {@link ready} hands out without waiting. */
  private opened: OpenedStore | undefined;
  private readonly queue: DeferredQueue | undefined;
  private retryAt = 0;
  private backoffMs = MIN_BACKOFF_MS;
  private lastError: LineageStoreError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<boolean> | undefined;
  private closed = false;
  /** Counts connection pools dropped after a write went unanswered (see {@link watched}). */
  private generation = 0;
  /** Writes in flight on a Postgres pool this gate opened, for the watchdog. */
  private readonly inFlight = new Set<WatchedWrite>();
  private watchdog: NodeJS.Timeout | undefined;
  private readonly target: string;

  constructor(private readonly options: ResolvedLineageOptions) {
    this.target = targetOf(options);
    if (options.onStoreError === 'outbox')
      this.queue = new OutboxQueue(new Outbox(resolve(options.outboxDir)));
    else if (options.onStoreError === 'fail') this.queue = new MemoryQueue();
  }

  open(): Promise<OpenedStore> {
    const generation = this.generation;
    this.opening ??= (async () => {
      const { options } = this;
      const store =
        options.store ??
        (await openStore(
          options.databaseUrl
            ? {
                url: options.databaseUrl,
                poolSize: options.poolSize,
                connectTimeoutMs: options.connectTimeoutMs,
              }
            : { dir: options.dataDir },
        ));
      const lingerMs = options.commit === 'batched' ? options.batchWindowMs : undefined;
      const opened = { store, ...createWriters(store, lingerMs) };
      // An open that outlived a dropped pool hands its store to its callers only; it gets closed.
      if (generation === this.generation) this.opened = opened;
      return opened;
    })();
    // A failed open is forgotten so that the next write tries again (the store may be back).
    const opening = this.opening;
    opening.catch(() => {
      if (this.opening === opening) this.opening = undefined;
    });
    return opening;
  }

  /**
   * Opens the store and starts applying what a previous process left in the outbox; resolves once
   * the open succeeded or failed (a failure is logged: the writes report it under the policy).
   */
  async warmUp(): Promise<void> {
    this.schedule();
    await this.open().then(
      () => {},
      (error: unknown) => {
        logger().warn('temporal-lineage: lineage store not reachable yet', { error: String(error) });
      },
    );
  }

  /**
   * Writes through the store now: first whatever waits in the queue (or nothing at all while the
   * breaker is open). A deadlock or serialization failure is retried at once.
   */
  async write<T>(operation: string, write: (opened: OpenedStore) => Promise<T>): Promise<GateResult<T>> {
    if (this.queue?.hasPending() ? !(await this.drain(false)) : Date.now() < this.retryAt) {
      return {
        ok: false,
        error: this.lastError ?? asStoreError(operation, this.target, 'store unreachable'),
        unavailable: true,
      };
    }
    const again = async () => write(await this.open());
    return this.outcome(operation, again(), again);
  }

  /**
   * The open store when a write can start on it at once: it is open, the breaker is closed and
   * nothing waits in the queue (which must be written first). The caller starts the write and
   * hands its promise to {@link settle}.
   */
  ready(): OpenedStore | undefined {
    if (this.closed || this.queue?.hasPending() || Date.now() < this.retryAt) return undefined;
    return this.opened;
  }

  /** How a write started on {@link ready}'s store went, under the same policy as {@link write}. */
  settle<T>(
    operation: string,
    started: Promise<T>,
    again: (opened: OpenedStore) => Promise<T>,
  ): Promise<GateResult<T>> {
    return this.outcome(operation, started, async () => again(await this.open()));
  }

  private async outcome<T>(
    operation: string,
    first: Promise<T>,
    again: () => Promise<T>,
  ): Promise<GateResult<T>> {
    let attempt = first;
    for (let conflicts = 0; ; conflicts++) {
      try {
        const value = await this.watched(attempt);
        this.recovered();
        return { ok: true, value };
      } catch (cause) {
        const kind = classifyStoreError(cause);
        if (kind === 'conflict' && conflicts < CONFLICT_RETRIES) {
          attempt = again();
          continue;
        }
        const error = asStoreError(operation, this.target, cause);
        if (kind === 'rejected') return { ok: false, error, unavailable: false };
        this.tripped(error);
        return { ok: false, error, unavailable: true };
      }
    }
  }

  /** Queues records for when the store is back; false when this policy keeps no queue or it is full. */
  async defer(records: readonly WriteRecord[]): Promise<boolean> {
    if (!this.queue) return false;
    try {
      await this.queue.append(records);
    } catch (error) {
      logger().warn(`temporal-lineage: records lost: could not queue them in ${this.queue.label}`, {
        error: String(error),
      });
      return false;
    }
    this.schedule();
    return true;
  }

  /** Writes what waits in the queue; resolves to whether nothing is left. */
  async flush(timeoutMs = FLUSH_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue?.hasPending()) {
      if (await this.drain(true)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, Math.min(MIN_BACKOFF_MS, deadline - Date.now())));
    }
    return true;
  }

  private drain(force: boolean): Promise<boolean> {
    const { queue } = this;
    if (!queue) return Promise.resolve(true);
    if (!force && Date.now() < this.retryAt) return Promise.resolve(false);
    this.draining ??= (async () => {
      try {
        // Nothing to write (e.g. an empty outbox at startup) must not wait for the store.
        await queue.refresh();
        if (!queue.hasPending()) return true;
        const { store, ...writers } = await this.open();
        const outcome = await queue.drain((record) => this.watched(applyRecord(store, writers, record)));
        for (const { file, error } of outcome.rejected) {
          logger().warn(`temporal-lineage: record lost: the store rejected it (${file})`, { error });
        }
        if (outcome.unavailable !== undefined) {
          this.tripped(asStoreError('write', this.target, outcome.unavailable));
          return false;
        }
        if (outcome.applied > 0) {
          logger().info(`temporal-lineage: wrote ${outcome.applied} waiting records from ${queue.label}`);
        }
        if (outcome.busy || outcome.remaining > 0) return false;
        this.recovered();
        return true;
      } catch (cause) {
        this.tripped(asStoreError('open', this.target, cause));
        return false;
      } finally {
        this.draining = undefined;
        this.schedule();
      }
    })();
    return this.draining;
  }

  /**
   * `write`, watched: on a Postgres pool this gate opened, a write that goes unanswered for
   * `writeTimeoutMs` is stuck on a connection that died without a reset (a partition, a frozen
   * server), which postgres.js notices only when TCP keepalive gives up, minutes later; the pool's
   * other connections are likely stuck the same way. The watchdog then fails every write on that
   * pool with an `ETIMEDOUT` error and closes the pool; the next write reconnects. One interval for
   * all writes, not a timer per write: a timer and a race per write cost the worker measurable CPU
   * at concurrency 50. PGlite runs in this process, and a store the caller opened is theirs to close.
   */
  private watched<T>(write: Promise<T>): Promise<T> {
    if (!this.options.databaseUrl || this.options.store || this.closed) return write;
    if (!this.watchdog) {
      const every = Math.max(50, Math.min(1_000, this.options.writeTimeoutMs / 4));
      this.watchdog = setInterval(() => this.checkWrites(), every);
      this.watchdog.unref();
    }
    return new Promise<T>((resolve, reject) => {
      const watched: WatchedWrite = { since: Date.now(), generation: this.generation, fail: reject };
      this.inFlight.add(watched);
      write.then(
        (value) => {
          this.inFlight.delete(watched);
          resolve(value);
        },
        (error: Error) => {
          this.inFlight.delete(watched);
          reject(error);
        },
      );
    });
  }

  private checkWrites(): void {
    const deadline = Date.now() - this.options.writeTimeoutMs;
    for (const watched of this.inFlight) {
      if (watched.since <= deadline) this.dropConnections(watched.generation);
    }
  }

  /** Fails every write on the pool a write went unanswered on, and closes that pool; once per pool. */
  private dropConnections(generation: number): void {
    if (generation !== this.generation) return;
    this.generation++;
    // Every write on that pool fails now, saying why, rather than later as the pool closes (as
    // the driver's error, which may quote the statement with captured values).
    const message = `no answer from the store within writeTimeoutMs (${this.options.writeTimeoutMs} ms)`;
    for (const watched of this.inFlight) {
      if (watched.generation !== generation) continue;
      this.inFlight.delete(watched);
      watched.fail(Object.assign(new Error(message), { code: 'ETIMEDOUT' }));
    }
    const opening = this.opening;
    this.opening = undefined;
    this.opened = undefined;
    logger().warn('temporal-lineage: a store write went unanswered; reconnecting', { store: this.target });
    void opening?.then(({ store }) => store.close()).catch(() => {});
  }

  private tripped(error: LineageStoreError): void {
    this.lastError = error;
    this.retryAt = Date.now() + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.schedule();
  }

  private recovered(): void {
    this.retryAt = 0;
    this.backoffMs = MIN_BACKOFF_MS;
  }

  /** Retries the queue in the background once the breaker allows, until it is empty. */
  private schedule(): void {
    if (this.closed || this.timer || this.draining || !this.queue?.hasPending()) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        // Too early: a trip moved retryAt on after this timer was set, or the timer ran on the
        // event loop's cached clock, which lags Date.now() after a long loop turn. drain(false)
        // would then return at once and nothing would try again until the next write: wait more.
        if (Date.now() < this.retryAt) this.schedule();
        else void this.drain(false);
      },
      Math.max(this.retryAt - Date.now(), 0),
    );
    // Waiting records must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  /** Tries once more to write what waits, then closes the store if the gate opened it. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    this.timer = undefined;
    const { queue } = this;
    // One more try, not a retry loop: a store that is still down would only delay shutdown.
    if (queue?.hasPending() && !(await this.drain(true))) {
      const fate = queue.durable
        ? `left in ${queue.label}; a worker using it writes them when the store is back, as does \`lineage reconcile --outbox\``
        : 'lost (onStoreError "outbox" keeps them on disk)';
      logger().warn(`temporal-lineage: ${queue.size()} lineage records not written at shutdown: ${fate}`, {
        error: String(this.lastError?.message ?? 'store unreachable'),
      });
    }
    const opening = this.opening;
    this.opening = undefined;
    this.opened = undefined;
    if (!opening || this.options.store) return;
    await (await opening.catch(() => undefined))?.store.close();
  }
}
