/**
 * Secrets recognised by shape or by a common key spelling never reach the store: each one is
 * recorded as a run's argument, an activity's input and result, and an error message, and then
 * every row of every table is read back as text and searched for it — on both drivers.
 */
import { describe, expect, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { secretSamples } from '../support/secret-samples';
import { DRIVERS, useStore } from '../support/stores';
import { testClient, uniqueQueue } from '../support/temporal';
import { reliabilityActivities } from './support/activities';
import { storeText, withReliabilityWorker } from './support/harness';
import type { echoValue, failOddly } from './support/workflows';

/** Keys spelled as pipelines spell them, each holding a value with nothing secret-looking in it. */
const SECRET_KEYS = [
  'pwd',
  'pass',
  'passwd',
  'auth',
  'bearer',
  'credentials',
  'private_key',
  'session',
  'cookie',
];

describe.each(DRIVERS)('secrets by shape and by key, on %s', (driver) => {
  const ctx = useStore(driver, `secret_shapes_${driver}`);
  const { activities } = reliabilityActivities();

  it('are in no table after being recorded as run args, activity inputs, results and errors', async () => {
    const tag = `${driver === 'postgres' ? 'PG' : 'LITE'}${Date.now().toString(36).toUpperCase()}`;
    const samples = secretSamples(tag);
    const byKey = Object.fromEntries(SECRET_KEYS.map((key) => [key, `plainvalue-${key}-${tag}`]));
    const value = {
      // Innocent keys: only the values' shapes give them away.
      notes: samples.map((s) => s.text),
      header: samples[0]!.text,
      config: { connection: samples[3]!.text, keyFile: samples.find((s) => s.name.startsWith('PEM'))!.text },
      ...byKey,
      // Lookalikes that are not secrets stay readable.
      counters: { tokens: 1234, passes: 3, author: `ann-${tag}` },
    };
    const client = await testClient();
    const taskQueue = uniqueQueue('secret-shapes');
    const plugin = new LineagePlugin({ store: ctx.store() });
    await withReliabilityWorker({ plugin, taskQueue, activities }, async () => {
      const echoed = await client.workflow.execute<typeof echoValue>('echoValue', {
        taskQueue,
        workflowId: uniqueQueue('shapes-echo'),
        args: [value],
      });
      // The pipeline still sees every value: only the record leaves the secrets out.
      expect(echoed).toEqual(value);
      const failed = await client.workflow
        .execute<typeof failOddly>('failOddly', {
          taskQueue,
          workflowId: uniqueQueue('shapes-fail'),
          args: [`cannot reach ${samples[3]!.text} with ${samples[0]!.text}`],
        })
        .catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(Error);
    });

    const text = await storeText(ctx.store());
    const leaked = [
      ...samples.filter((s) => text.includes(s.secret)).map((s) => s.name),
      ...SECRET_KEYS.filter((key) => text.includes(byKey[key]!)).map((key) => `key ${key}`),
    ];
    expect(leaked).toEqual([]);
    // What was redacted says so, and the innocent parts are still there to read.
    expect(text).toMatch(/Bearer \*\*\*/);
    expect(text).toMatch(/password=\*\*\*/);
    expect(text).toContain(`ann-${tag}`);
    expect(text).toMatch(/tokens"+: 1234/);
  });
});
