import { describe, expect, it } from 'vitest';
import { BackgroundWrites } from '../../src/capture/background-writes';

/** A write that finishes (or fails) when the test says so. */
function manualWrite() {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { write: () => promise, finish, fail };
}

/** Whether `promise` has settled once pending callbacks have run. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return settled;
}

describe('BackgroundWrites', () => {
  it('settles for the writes started before, whatever order they finish in, and not for later ones', async () => {
    const writes = new BackgroundWrites();
    const [a, b, c] = [manualWrite(), manualWrite(), manualWrite()];
    writes.start(a.write, true, () => {});
    writes.start(b.write, true, () => {});
    const both = writes.settled();
    writes.start(c.write, true, () => {});
    expect(writes.running).toBe(3);
    b.finish();
    expect(await isSettled(both)).toBe(false);
    a.finish();
    expect(await isSettled(both)).toBe(true);
    expect(writes.running).toBe(1);
    const all = writes.settled();
    expect(await isSettled(all)).toBe(false);
    c.finish();
    expect(await isSettled(all)).toBe(true);
  });

  it('lets a run end wait for the ordered writes only, and counts a failed write as finished', async () => {
    const writes = new BackgroundWrites();
    const [attempt, runEnd] = [manualWrite(), manualWrite()];
    const failures: unknown[] = [];
    writes.start(runEnd.write, false, (error) => failures.push(error));
    writes.start(attempt.write, true, (error) => failures.push(error));
    const attemptsBefore = writes.orderedSettled();
    attempt.fail(new Error('store down'));
    expect(await isSettled(attemptsBefore)).toBe(true);
    expect(failures).toEqual([new Error('store down')]);
    expect(await isSettled(writes.settled())).toBe(false);
    runEnd.finish();
    expect(await isSettled(writes.settled())).toBe(true);
    expect(writes.running).toBe(0);
  });

  it('settles at once when nothing runs', async () => {
    expect(await isSettled(new BackgroundWrites().settled())).toBe(true);
  });
});
