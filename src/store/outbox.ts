import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { mkdir, open, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { classifyStoreError, storeErrorSummary } from './error-kinds';
import { takePidLock } from './pid-lock';
import { parseRecord, serialiseRecord, type WriteRecord } from './write-records';

/** How one pass over the outbox went. */
export interface DrainOutcome {
  /** Records written to the store and removed from the outbox. */
  readonly applied: number;
  /** Records the store rejected (moved to `failed/`, with the reason beside them). */
  readonly rejected: ReadonlyArray<{ readonly file: string; readonly error: string }>;
  /** Records still waiting. */
  readonly remaining: number;
  /** Set when the pass stopped because the store became unreachable. */
  readonly unavailable?: unknown;
  /** Set when another process holds the outbox's drain lock. */
  readonly busy?: boolean;
}

/** A lock older than this whose holder cannot be checked (another host) is taken over. */
const STALE_LOCK_MS = 10 * 60_000;
/** A deadlock or serialization failure is retried this often before the pass gives up for now. */
const CONFLICT_RETRIES = 3;
/** Passes per drain, so that a writer appending as fast as the drain applies cannot keep it forever. */
const MAX_PASSES = 20;

const errorText = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * A durable local outbox of store writes: one file per record, written (fsynced, then renamed
 * into place) before the caller goes on, and applied to the store in order when it is reachable
 * again. File names sort by writer process, then by sequence, so each process's records are
 * applied in the order it wrote them; records are upserts, so applying one twice (a crash between
 * applying and deleting it) changes nothing. One process drains a folder at a time (a lock file
 * holding its pid); records the store rejects outright go to `failed/` instead of blocking the rest.
 */
export class Outbox {
  private readonly stamp = `${Date.now().toString().padStart(14, '0')}-${process.pid
    .toString()
    .padStart(8, '0')}-${randomBytes(2).toString('hex')}`;
  private seq = 0;
  private ready: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  private ensureDir(): Promise<void> {
    this.ready ??= mkdir(join(this.dir, 'failed'), { recursive: true }).then(() => undefined);
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /** Writes records durably, in order. @throws when the folder cannot be written. */
  async append(records: readonly WriteRecord[]): Promise<void> {
    await this.ensureDir();
    for (const record of records) {
      const name = `${this.stamp}-${(this.seq++).toString().padStart(12, '0')}.json`;
      const tmp = join(this.dir, `.${name}.tmp`);
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(serialiseRecord(record));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, join(this.dir, name));
    }
  }

  /** The waiting records' file names, oldest first. */
  async files(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** Applies every waiting record in order, stopping when the store is unreachable. */
  async drain(apply: (record: WriteRecord) => Promise<void>): Promise<DrainOutcome> {
    if ((await this.files()).length === 0) return { applied: 0, rejected: [], remaining: 0 };
    await this.ensureDir();
    const lock = await takePidLock(join(this.dir, '.drain.lock'), { staleAfterMs: STALE_LOCK_MS });
    if ('holder' in lock)
      return { applied: 0, rejected: [], remaining: (await this.files()).length, busy: true };
    let applied = 0;
    const rejected: Array<{ file: string; error: string }> = [];
    try {
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        const files = await this.files();
        if (files.length === 0) break;
        for (const file of files) {
          const outcome = await this.applyFile(file, apply);
          if (outcome === 'applied') applied++;
          else if (outcome !== 'gone' && 'rejected' in outcome)
            rejected.push({ file, error: outcome.rejected });
          else if (outcome !== 'gone') {
            return {
              applied,
              rejected,
              remaining: (await this.files()).length,
              unavailable: outcome.unavailable,
            };
          }
          if (applied % 100 === 99) await lock.touch();
        }
      }
      return { applied, rejected, remaining: (await this.files()).length };
    } finally {
      await lock.release();
    }
  }

  private async applyFile(
    file: string,
    apply: (record: WriteRecord) => Promise<void>,
  ): Promise<'applied' | 'gone' | { rejected: string } | { unavailable: unknown }> {
    const path = join(this.dir, file);
    let record: WriteRecord;
    try {
      record = parseRecord(await readFile(path, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      return this.reject(file, error);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await apply(record);
        await unlink(path);
        return 'applied';
      } catch (error) {
        const kind = classifyStoreError(error);
        if (kind === 'conflict' && attempt < CONFLICT_RETRIES) continue;
        if (kind === 'rejected') return this.reject(file, error);
        return { unavailable: error };
      }
    }
  }

  private async reject(file: string, error: unknown): Promise<{ rejected: string }> {
    // The note beside the record may hold the whole failed statement; logs get the short form.
    await writeFile(join(this.dir, 'failed', `${file}.error.txt`), `${errorText(error)}\n`);
    await rename(join(this.dir, file), join(this.dir, 'failed', file));
    return { rejected: storeErrorSummary(error) };
  }
}
