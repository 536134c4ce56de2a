import { sha256Hex } from './digest';

/**
 * Paths name where a value sat: `args[0]`, `result.model`, `args[1]["odd key"]`. They are stored
 * in the indexed `events.path` column, whose btree entries must stay under ~2.7 kB, so a hostile
 * key (megabytes long, or thousands of levels of them) is abbreviated with an explicit marker
 * rather than making the write fail.
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Keys longer than this are abbreviated in paths. */
const MAX_KEY_CHARS = 128;
/** Paths longer than this are abbreviated as a whole. */
const MAX_PATH_CHARS = 1024;

function abbreviate(text: string, keep: number): string {
  const digest = sha256Hex(text).slice(0, 16);
  // Array.from splits by code point, so a surrogate pair is never cut in half.
  return `${Array.from(text).slice(0, keep).join('')}…(${text.length} chars, sha256 ${digest})`;
}

/** The path of `key` inside the value at `parent`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return boundedPath(`${parent}[${key}]`);
  if (IDENTIFIER.test(key) && key.length <= MAX_KEY_CHARS) return boundedPath(`${parent}.${key}`);
  // JSON.stringify escapes NUL and lone surrogates, so the path is always storable text.
  const shown = key.length <= MAX_KEY_CHARS ? key : abbreviate(key, 32);
  return boundedPath(`${parent}[${JSON.stringify(shown)}]`);
}

function boundedPath(path: string): string {
  return path.length <= MAX_PATH_CHARS ? path : abbreviate(path, 256);
}
