import type { ZodError } from 'zod';

/**
 * Base class of every error temporal-lineage throws on purpose. Catch this to tell lineage
 * problems apart from the user's own errors; each subclass carries typed readonly fields, so
 * callers branch on data rather than on message text.
 */
export class LineageError extends Error {
  override readonly name: string = 'LineageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Options given to {@link LineagePlugin} or {@link openStore} did not validate. */
export class LineageOptionsError extends LineageError {
  override readonly name = 'LineageOptionsError';
  /** Each problem as `path: message`, e.g. `maxInlineBytes: Too small: expected number to be >0`. */
  readonly issues: readonly string[];
  constructor(what: string, issues: readonly string[], options?: { cause?: unknown }) {
    super(`Invalid ${what}: ${issues.join('; ')}`, options);
    this.issues = issues;
  }

  /** Wraps a ZodError so that zod's own type never leaks to users. */
  static fromZod(what: string, error: ZodError): LineageOptionsError {
    const issues = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return new LineageOptionsError(what, issues, { cause: error });
  }
}

/** The lineage store could not be opened, migrated or written. `target` never contains a password. */
export class LineageStoreError extends LineageError {
  override readonly name = 'LineageStoreError';
  readonly target: string;
  readonly operation: string;
  constructor(operation: string, target: string, options?: { cause?: unknown }) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`Lineage store ${operation} failed for ${target}${cause}`, options);
    this.operation = operation;
    this.target = target;
  }
}

/** A lookup named something the store does not hold (a run, an execution, an artifact). */
export class LineageNotFoundError extends LineageError {
  override readonly name = 'LineageNotFoundError';
  readonly kind: string;
  readonly key: string;
  constructor(kind: string, key: string) {
    super(`No ${kind} matches '${key}'`);
    this.kind = kind;
    this.key = key;
  }
}

/** Replaces the password of a connection URL so that it can be shown in logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
