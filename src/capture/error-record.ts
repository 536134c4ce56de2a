import { ApplicationFailure } from '@temporalio/common';
import type { LineageStoreError } from '../errors';
import type { AttemptEnd } from '../store/write-attempts';
import { maskSecrets } from '../artifacts/redact';
import { boundedText } from '../artifacts/safe-text';

/** The error type an attempt fails with when `onStoreError: 'fail'` and the store is unreachable. */
export const STORE_UNAVAILABLE = 'LineageStoreUnavailable';

/** What is stored instead of an error message when the worker encrypts payloads (digest-only mode). */
export const DIGEST_ONLY_TEXT = '(not stored: the worker encodes payloads with a payload codec)';

/** Error text is a diagnostic, not a value: it is bounded (with a note), never silently cut. */
const MAX_MESSAGE_CHARS = 16 * 1024;
const MAX_STACK_CHARS = 32 * 1024;

/**
 * An activity's error as the `executions.error` column stores it: type, message and stack, made
 * storable (NUL and lone surrogates escaped: jsonb rejects them), bounded, and with URL passwords
 * masked (a connection error quoting its URL is common). Messages are otherwise stored as thrown:
 * redaction by key does not apply to free text.
 */
export function describeError(
  error: unknown,
  digestOnly: boolean,
): { type: string; message: string; stack?: string } {
  let type: string;
  let message: string;
  let stack: string | undefined;
  if (error instanceof ApplicationFailure) {
    type = error.type ?? error.name;
    ({ message, stack } = error);
  } else if (error instanceof Error) {
    ({ name: type, message, stack } = error);
  } else {
    type = typeof error;
    try {
      message = String(error);
    } catch {
      message = '(unprintable)';
    }
  }
  const safeType = boundedText(String(type), 256);
  if (digestOnly) return { type: safeType, message: DIGEST_ONLY_TEXT };
  return {
    type: safeType,
    message: boundedText(maskSecrets(String(message)), MAX_MESSAGE_CHARS),
    ...(typeof stack === 'string' ? { stack: boundedText(maskSecrets(stack), MAX_STACK_CHARS) } : {}),
  };
}

const UNAVAILABLE_MESSAGES = {
  refused:
    'The lineage store was unreachable when this attempt started, so it failed before running its body ' +
    "(onStoreError: 'fail'); Temporal retries it.",
  unrecorded:
    'The activity returned, but its outputs could not be recorded because the lineage store was ' +
    "unreachable; the attempt was failed so that Temporal retries it (onStoreError: 'fail').",
};

/**
 * How an attempt that `onStoreError: 'fail'` failed is recorded once the store is back: FAILED,
 * without outputs (Temporal never got them), saying whether its body ran.
 */
export function unavailableEnd(why: keyof typeof UNAVAILABLE_MESSAGES): AttemptEnd {
  return {
    state: 'FAILED',
    endedAt: new Date(),
    outputDigest: null,
    outputs: [],
    error: { type: STORE_UNAVAILABLE, message: UNAVAILABLE_MESSAGES[why] },
  };
}

/** The retryable failure `onStoreError: 'fail'` gives Temporal; its message never holds a password. */
export function storeUnavailableFailure(error: LineageStoreError): ApplicationFailure {
  return ApplicationFailure.create({ message: error.message, type: STORE_UNAVAILABLE, cause: error });
}
