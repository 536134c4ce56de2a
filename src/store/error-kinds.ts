import { LineageStoreError } from '../errors';

/**
 * What a failed store write means for the record being written:
 * - `unavailable`: the store could not be reached or is not accepting writes; the same write will
 *   succeed later (connection refused or reset, server shutting down, too many connections, failover);
 * - `conflict`: a deadlock or serialization failure; the write can be retried at once;
 * - `rejected`: the store refused this record itself (a data or program error); retrying it never helps.
 */
export type StoreErrorKind = 'unavailable' | 'conflict' | 'rejected';

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  // postgres.js
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** SQLSTATE classes and codes after which the same write succeeds once the server is back. */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58', '28']);
const UNAVAILABLE_CODES = new Set(['3D000', '25006', '55000']);
const CONFLICT_CODES = new Set(['40001', '40P01', '55P03']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Classifies a store error by the first code found along its `cause` chain. */
export function classifyStoreError(error: unknown): StoreErrorKind {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    // Opening or migrating the store is never about the record being written.
    if (e instanceof LineageStoreError && (e.operation === 'open' || e.operation === 'migration'))
      return 'unavailable';
    const code = codeOf(e);
    if (code === undefined) continue;
    if (SOCKET_CODES.has(code)) return 'unavailable';
    if (CONFLICT_CODES.has(code)) return 'conflict';
    if (/^[0-9A-Z]{5}$/.test(code)) {
      return UNAVAILABLE_CLASSES.has(code.slice(0, 2)) || UNAVAILABLE_CODES.has(code)
        ? 'unavailable'
        : 'rejected';
    }
  }
  // No code at all: a connection dropped mid-protocol shows up as a bare Error from the driver.
  const message = error instanceof Error ? error.message : String(error);
  return /connect|closed|terminat|socket|timeout/i.test(message) ? 'unavailable' : 'rejected';
}

/** The innermost error of a `cause` chain: the driver's own, below Drizzle's and ours. */
function innermost(error: unknown): unknown {
  let inner = error;
  for (let depth = 0; inner instanceof Error && inner.cause instanceof Error && depth < 10; depth++) {
    inner = inner.cause;
  }
  return inner;
}

/**
 * What went wrong, in one short line: the innermost cause's message (the driver's own words, e.g.
 * `connect ECONNREFUSED 127.0.0.1:5432`). Outer messages such as Drizzle's repeat the whole
 * statement with its parameters — captured values — which must not end up in logs or in the
 * failure Temporal stores.
 */
export function storeErrorSummary(error: unknown): string {
  const inner = innermost(error);
  const message = inner instanceof Error ? inner.message : String(inner);
  const line = message.split('\n')[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * A store error cut loose from its `cause` chain: the summary line, the innermost error's code (so
 * that it still classifies) and its stack frames. Temporal stores an error's whole chain in
 * history, messages and stacks included, and Drizzle's link quotes the statement with its
 * parameters: those are captured values, which must reach the store or nowhere.
 */
export function detachedStoreError(error: unknown): Error {
  const inner = innermost(error);
  const summary = new Error(storeErrorSummary(error));
  const code = (inner as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(summary, { code });
  const frames =
    inner instanceof Error ? (inner.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)) : [];
  summary.stack = [`Error: ${summary.message}`, ...frames].join('\n');
  return summary;
}
