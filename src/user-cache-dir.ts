import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * temporal-lineage's folder in the user's cache: `$XDG_CACHE_HOME/temporal-lineage`, else
 * `~/.cache/temporal-lineage`. What lives here can always be rebuilt, so deleting it is safe;
 * whatever is put here must appear atomically (written elsewhere, then renamed into place), as
 * several processes may build the same entry at once.
 */
export function userCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  // The XDG spec says a relative value is invalid and must be ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return join(base, 'temporal-lineage');
}
