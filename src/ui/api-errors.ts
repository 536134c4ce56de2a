import {
  LineageAmbiguousError,
  LineageEmptyStoreError,
  LineageNotFoundError,
  LineageOptionsError,
  LineageStoreError,
} from '../errors';

/** The body of every API error: a stable `code` to branch on, a sentence, and typed details. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details: object };
}

/** An error as the API answers it. */
export interface ApiError {
  readonly status: number;
  readonly body: ApiErrorBody;
}

/** Thrown where a request is refused before any query runs (e.g. a body too large); carries the answer. */
export class ApiRefusal extends Error {
  constructor(readonly answer: ApiError) {
    super(answer.body.error.message);
  }
}

export function apiError(status: number, code: string, message: string, details: object = {}): ApiError {
  return { status, body: { error: { code, message, details } } };
}

/**
 * Maps the query layer's typed errors to HTTP: bad parameters are 400, unknown runs, artifacts
 * and executions 404 (with the closest recorded ones), an ambiguous prefix 409 (with the
 * candidates). Anything else is a 500 whose message says nothing about the internals.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof LineageOptionsError)
    return apiError(400, 'BAD_PARAMETER', error.message, { issues: error.issues });
  if (error instanceof LineageNotFoundError) {
    const { kind, key, suggestions } = error;
    return apiError(404, 'NOT_FOUND', error.message, { kind, key, suggestions });
  }
  if (error instanceof LineageAmbiguousError) {
    const { kind, key, candidates, total } = error;
    return apiError(409, 'AMBIGUOUS', error.message, { kind, key, candidates, total });
  }
  if (error instanceof LineageStoreError || error instanceof LineageEmptyStoreError)
    return apiError(503, 'STORE_UNAVAILABLE', error.message, {});
  return apiError(500, 'INTERNAL', 'An unexpected error; the server log has the details.');
}
