import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { failureLinks, formatFailure } from '../../src/failure-chain';

describe('failure chain', () => {
  it("tells an activity failure's root cause first, then the chain outermost first", () => {
    const root = ApplicationFailure.nonRetryable('disk full', 'IOError');
    const failure = new ActivityFailure(
      'Activity task failed',
      'writeModel',
      '1',
      RetryState.NON_RETRYABLE_FAILURE,
      'worker-1',
      root,
    );
    expect(formatFailure(failure)).toBe(
      'disk full (ActivityFailure: Activity task failed → ApplicationFailure: disk full)',
    );
  });

  it('gives a failure without causes as its message, and skips empty messages for the root', () => {
    expect(formatFailure(new TypeError('bad input'))).toBe('bad input');
    const wrapped = new Error('outer', { cause: Object.assign(new Error(''), { name: 'Empty' }) });
    expect(formatFailure(wrapped)).toBe('outer (Error: outer → Empty)');
    expect(formatFailure('plain text')).toBe('plain text');
  });

  it('stops at a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(failureLinks(a).map((l) => l.message)).toEqual(['a', 'b']);
  });
});
