import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

/** Temporal's default blob size limit: `'oversized'` is just over it. */
const TWO_MIB = 2 * 1024 * 1024;

/**
 * What `make(kind)` returns: values Temporal's default payload converter refuses (`bigint`,
 * `circular`, `deep`), a result over the payload size limit (`oversized`), or `chars:<n>`, a
 * string of n characters.
 */
export function madeValue(kind: string): unknown {
  if (kind.startsWith('chars:')) return 'x'.repeat(Number(kind.slice('chars:'.length)));
  switch (kind) {
    case 'bigint':
      return { count: 10n };
    case 'circular': {
      const node: { name: string; self?: unknown } = { name: 'loop' };
      node.self = node;
      return node;
    }
    case 'deep': {
      let value: unknown = 'bottom';
      for (let i = 0; i < 5_000; i++) value = { inner: value };
      return value;
    }
    case 'oversized':
      return 'x'.repeat(TWO_MIB + 10);
    default:
      return { kind };
  }
}

/** Activities of the result-admission tests. */
export function admissionActivities() {
  return {
    make(kind: string): Promise<unknown> {
      return Promise.resolve(madeValue(kind));
    },
    /** Fails its first attempt, returns `kind`'s value on the next. */
    makeOnRetry(kind: string): Promise<unknown> {
      if (Context.current().info.attempt === 1) {
        return Promise.reject(ApplicationFailure.retryable('the first attempt fails', 'FirstAttempt'));
      }
      return Promise.resolve(madeValue(kind));
    },
  };
}

export type AdmissionActivities = ReturnType<typeof admissionActivities>;
