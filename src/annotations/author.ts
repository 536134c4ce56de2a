import { userInfo } from 'node:os';

/**
 * Who made a change, when the caller does not say: `$LINEAGE_AUTHOR`, else the OS user. A team
 * reads this in histories ("who moved `production`?"), so it is never left empty.
 */
export function defaultAuthor(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['LINEAGE_AUTHOR']?.trim();
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username || 'unknown';
  } catch {
    // No passwd entry for this uid (some containers).
    return env['USER'] || 'unknown';
  }
}
