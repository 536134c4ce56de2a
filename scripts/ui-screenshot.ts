/**
 * Takes the README's picture of the web page: the newest `trainingPipeline` run of a store (by
 * default the demo's `.lineage/`; run `npm run demo` first), its hyper-parameter search child run
 * expanded and a training step selected, saved to docs/img/ui-run.png.
 *
 *   npx tsx scripts/ui-screenshot.ts [--db <url|dir>] [--out docs/img/ui-run.png]
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { describeRun, listRuns, openStore, startUiServer } from '../src';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: '.lineage' },
    out: { type: 'string', default: join(__dirname, '..', 'docs', 'img', 'ui-run.png') },
  },
});

async function main(): Promise<void> {
  const db = values.db;
  const store = await openStore(db.startsWith('postgres') ? { url: db } : { dir: db });
  const ui = await startUiServer({ store, port: 0 });
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const { runs } = await listRuns(store, { workflowType: 'trainingPipeline', limit: 1 });
    const run = runs[0];
    if (!run) throw new Error(`no trainingPipeline run in ${db}: run \`npm run demo\` first`);
    const { childRuns } = await describeRun(store, run.name);
    const search = childRuns[0] ? await describeRun(store, childRuns[0].name) : undefined;
    const train = search?.executions.find((execution) => execution.activityType === 'trainModel');

    const page = await browser.newPage({ viewport: { width: 1440, height: 860 }, deviceScaleFactor: 1 });
    await page.goto(`${ui.url}#/run/${encodeURIComponent(run.name)}?expand=hyperparameterSearch`);
    await page.waitForSelector('main[data-view="run"][data-ready="true"]');
    await page.click('[aria-label="Fit to view"]');
    if (train) {
      await page.click(`.node[data-key="execution:${train.id}"]`);
      await page.waitForSelector('.side-panel h3');
    }
    mkdirSync(dirname(values.out), { recursive: true });
    await page.screenshot({ path: values.out });
    console.log(`saved ${values.out} (run ${run.name})`);
  } finally {
    await browser.close();
    await ui.close();
    await store.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
