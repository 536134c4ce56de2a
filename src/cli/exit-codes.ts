import { CommanderError } from 'commander';
import {
  LineageAmbiguousError,
  LineageEmptyStoreError,
  LineageError,
  LineageFilterError,
  LineageNotFoundError,
  LineageOptionsError,
  LineageStoreError,
} from '../errors';

/**
 * The `lineage` command's exit codes (documented in the README's CLI section; scripts rely on
 * them, so never renumber — only add).
 */
export const EXIT_CODES = {
  /** Done. */
  ok: 0,
  /** Anything else: an unexpected failure (a bug: the stack is printed) or a lineage error without a code of its own. */
  failure: 1,
  /** Bad command line: unknown command or option, bad value, invalid filter or cursor. */
  usage: 2,
  /** The run, artifact or execution named is not in the store (closest matches are suggested). */
  notFound: 3,
  /** A prefix matched several runs (they are listed). */
  ambiguous: 4,
  /** The store could not be opened: database unreachable, authentication failed, not a store folder. */
  storeUnavailable: 5,
  /** The store holds nothing yet (or the embedded store's folder does not exist). */
  emptyStore: 6,
  /** A rerun finished, and its outputs differ from the original's (verdict `differs`). */
  differs: 7,
} as const;

/** The exit code for an error, and the name `--json` error documents carry. */
export function classify(error: unknown): { exitCode: number; code: string } {
  if (error instanceof CommanderError) return { exitCode: EXIT_CODES.usage, code: 'USAGE' };
  if (error instanceof LineageFilterError) return { exitCode: EXIT_CODES.usage, code: 'USAGE' };
  if (error instanceof LineageOptionsError) return { exitCode: EXIT_CODES.usage, code: 'USAGE' };
  if (error instanceof LineageNotFoundError) return { exitCode: EXIT_CODES.notFound, code: 'NOT_FOUND' };
  if (error instanceof LineageAmbiguousError) return { exitCode: EXIT_CODES.ambiguous, code: 'AMBIGUOUS' };
  if (error instanceof LineageStoreError)
    return { exitCode: EXIT_CODES.storeUnavailable, code: 'STORE_UNAVAILABLE' };
  if (error instanceof LineageEmptyStoreError)
    return { exitCode: EXIT_CODES.emptyStore, code: 'EMPTY_STORE' };
  if (error instanceof LineageError) return { exitCode: EXIT_CODES.failure, code: 'LINEAGE_ERROR' };
  return { exitCode: EXIT_CODES.failure, code: 'INTERNAL' };
}
