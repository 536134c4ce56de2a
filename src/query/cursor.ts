import { LineageOptionsError } from '../errors';

/** One position in a keyset ordering: the sort key of the last row a page returned. */
export type CursorKey = ReadonlyArray<string | number | null>;

/**
 * Cursors are opaque to callers (base64url JSON) but tagged with the query they came from, so
 * passing a runs cursor to an artifacts query fails loudly instead of returning a wrong page.
 */
export function encodeCursor(kind: string, key: CursorKey): string {
  return Buffer.from(JSON.stringify({ k: kind, v: key })).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string, arity: number): CursorKey {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const { k, v } = (decoded ?? {}) as { k?: unknown; v?: unknown };
  const valid =
    k === kind &&
    Array.isArray(v) &&
    v.length === arity &&
    v.every((part) => part === null || typeof part === 'string' || typeof part === 'number');
  if (!valid) throw new LineageOptionsError(`${kind} cursor`, [`cursor: not a cursor of a ${kind} query`]);
  return v as CursorKey;
}
