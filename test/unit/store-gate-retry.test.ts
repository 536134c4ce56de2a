import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreGate } from '../../src/capture/store-gate';
import { parsePluginOptions } from '../../src/options';
import { waitFor } from '../reliability/support/harness';

/** A write that met a store it could not reach, as the driver reports it. */
const refused = () =>
  Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));

describe('StoreGate retries', () => {
  let gate: StoreGate | undefined;
  afterEach(async () => {
    await gate?.close();
    gate = undefined;
  });

  it('drains the outbox once the breaker allows, when a later trip moved the retry on after the timer was set', async () => {
    const outboxDir = mkdtempSync(join(tmpdir(), 'lineage-gate-outbox-'));
    gate = new StoreGate(
      parsePluginOptions({
        dataDir: mkdtempSync(join(tmpdir(), 'lineage-gate-store-')),
        onStoreError: 'outbox',
        outboxDir,
      }),
    );
    const workflowId = 'gate-retry';
    // The store is "down": the breaker opens for 200 ms, and a record waits in the outbox with a
    // retry timer set for then.
    expect((await gate.settle('write', refused(), refused)).ok).toBe(false);
    expect(
      await gate.defer([
        {
          kind: 'run-end',
          end: {
            run: { workflowId, runId: 'r1' },
            workflowType: 'pipeline',
            status: 'COMPLETED',
            endedAt: new Date(),
            result: 1,
            error: null,
          },
        },
      ]),
    ).toBe(true);
    // Another write fails meanwhile (as concurrent writes do in an outage): the breaker now
    // stays open for 400 ms, so the timer fires while it is still open. It must try again later,
    // not give up until some other write comes along (none does here).
    expect((await gate.settle('write', refused(), refused)).ok).toBe(false);

    const pending = () => readdirSync(outboxDir).filter((f) => f.endsWith('.json')).length;
    await waitFor('the outbox to drain', () => (pending() === 0 ? true : undefined), 15_000);
    const { store } = await gate.open();
    const rows = await store.rows<{ status: string }>(
      sql`select status from contexts where type = 'run' and workflow_id = ${workflowId}`,
    );
    expect(rows).toEqual([{ status: 'COMPLETED' }]);
  });
});
