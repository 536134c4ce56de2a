import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { LineagePlugin } from '../../src/plugin';
import { getRun } from '../../src/query/get-run';
import { openStore } from '../../src/store/open-store';
import { startUiServer } from '../../src/ui/server';
import { lineage, useCliStore } from '../cli/run-cli';
import { fixtureActivities } from '../fixtures/activities';
import { DRIVERS } from '../support/stores';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';
import { launchChromium } from '../ui/ui-support';

/** What the run header shows: the activity's own message first, then the chain Temporal wrapped it in. */
const ROOT_FIRST =
  'key-7 always fails (ActivityFailure: Activity task failed → ApplicationFailure: key-7 always fails)';

describe.each(DRIVERS)('a failed run names its root cause first on %s', (driver) => {
  const cli = useCliStore(driver, `root_cause_${driver}`, async (store) => {
    const client = await testClient();
    const taskQueue = uniqueQueue('root-cause');
    const plugin = new LineagePlugin({ store });
    const workflowId = uniqueQueue('failsAlways');
    const failure: unknown = await withWorker(
      { plugin, taskQueue, activities: fixtureActivities().activities },
      () =>
        client.workflow
          .execute('failsAlways', { taskQueue, workflowId, args: ['key-7'] })
          .catch((e: unknown) => e),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    await client.connection.close();
    return { run: workflowId, recorded: (await getRun(store, workflowId)).error };
  });

  it('records the run error innermost message first, then the chain', () => {
    expect(cli.filled().recorded).toBe(ROOT_FIRST);
  });

  it('`show` prints it in the run header', async () => {
    const { code, stdout } = await lineage(['--db', cli.db(), 'show', cli.filled().run]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^\\s*error\\s+${ROOT_FIRST.replace(/[()[\]]/g, '\\$&')}$`, 'm'));
  });

  it('the run header of the web page shows it', async () => {
    const store = await openStore(driver === 'postgres' ? { url: cli.db() } : { dir: cli.db() });
    const ui = await startUiServer({ store, port: 0 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${ui.url}#/run/${encodeURIComponent(cli.filled().run)}`);
      const box = page.locator('.error-box');
      await box.waitFor({ timeout: 20_000 });
      expect(await box.locator('p').textContent()).toBe(ROOT_FIRST);
    } finally {
      await browser.close();
      await ui.close();
      await store.close();
    }
  });
});
