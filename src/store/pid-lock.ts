import { hostname } from 'node:os';
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';

/** The process that holds a lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
}

/** A lock file this process holds. */
export interface HeldLock {
  /** Marks the lock as still in use, for holders on other hosts that judge it by age. */
  touch(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Takes the lock file at `path` for this process: created exclusively, holding `pid@host`. When
 * another live process holds it (this one included: a second holder in one process is as unsafe),
 * returns that holder instead. A holder on this host whose process is gone is taken over; one on
 * another host, whose process cannot be checked, only once the file is older than `staleAfterMs`
 * (never, without it).
 */
export async function takePidLock(
  path: string,
  options: { readonly staleAfterMs?: number } = {},
): Promise<HeldLock | { readonly holder: LockHolder }> {
  const owner = `${process.pid}@${hostname()}`;
  let holder: LockHolder = { pid: 0, host: '' };
  for (let tries = 0; tries < 2; tries++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(owner);
      } finally {
        await handle.close();
      }
      return {
        touch: async () => {
          const now = new Date();
          await utimes(path, now, now).catch(() => {});
        },
        release: () => unlink(path).catch(() => {}),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = await holderOf(path, options.staleAfterMs);
    if (found === 'gone') continue;
    if (found !== 'stale') {
      holder = found;
      break;
    }
    await unlink(path).catch(() => {});
  }
  return { holder };
}

async function holderOf(
  path: string,
  staleAfterMs: number | undefined,
): Promise<LockHolder | 'stale' | 'gone'> {
  let text: string;
  let modified: number;
  try {
    [text, modified] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mtimeMs)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    // Unreadable: someone holds it; whoever asks next looks again.
    return { pid: 0, host: '' };
  }
  const [pidText, host = ''] = text.split('@');
  const holder = { pid: Number(pidText) || 0, host };
  if (host === hostname() && holder.pid > 0) {
    if (holder.pid === process.pid) return holder;
    try {
      process.kill(holder.pid, 0);
      return holder;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'stale' : holder;
    }
  }
  // Half-written (the holder is between creating and writing it), or another host's.
  return staleAfterMs !== undefined && Date.now() - modified > staleAfterMs ? 'stale' : holder;
}
