import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun } from '../../src/query/run-detail';
import { openStore } from '../../src/store/open-store';
import { startUiServer } from '../../src/ui/server';
import { BIN, useCliStore } from '../cli/run-cli';
import { fillUiStore, launchChromium, SCREENSHOTS } from './ui-support';

/** Started by `lineage ui`: the process, its URL and what it printed. */
interface UiProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

/** Runs the real `lineage ui --port 0 --json` and waits for the URL it prints. */
function startCli(args: string[]): Promise<UiProcess> {
  const child = spawn(process.execPath, [BIN, 'ui', '--port', '0', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        const { url } = JSON.parse(out) as { url: string };
        resolve({ child, url, output: () => out + err });
      } catch {
        // Not all of the JSON document yet.
      }
    });
    child.on('exit', (code) => reject(new Error(`lineage ui exited ${code}: ${out}${err}`)));
  });
}

/** Runs `lineage ui …` expecting it to fail fast. */
function failingCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'ui', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('web UI in Chromium', () => {
  const cli = useCliStore('pglite', 'ui_browser', async (store) => {
    const filled = await fillUiStore(store);
    const detail = async (ref: string) => (await describeRun(store, ref)).executions;
    const [a, cached, retried] = await Promise.all([
      detail(filled.runA),
      detail(filled.cached),
      detail(filled.retried),
    ]);
    const accuracies = async (ref: string) =>
      (await detail(`${ref.split('/')[0]!}-search`))
        .filter((e) => e.activityType === 'evaluateModel')
        .map((e) => (e.outputs[0]!.artifact.value as { accuracy: number }).accuracy);
    const searchA = await detail(`${filled.runA.split('/')[0]!}-search`);
    const states = (list: typeof a) => Object.fromEntries(list.map((e) => [`execution:${e.id}`, e.state]));
    return {
      ...filled,
      statesA: states(a),
      statesSearchA: states(searchA),
      statesCached: states(cached),
      statesRetried: states(retried),
      trainA: searchA.find((e) => e.activityType === 'trainModel')!.id,
      model: a.find((e) => e.activityType === 'registerModel')!.outputs[0]!.artifact.id,
      raw: a.find((e) => e.activityType === 'loadIris')!.outputs.find((o) => o.artifact.type === 'Dataset')!
        .artifact.id,
      accuracyA: (await accuracies(filled.runA)).sort(),
      accuracyB: (await accuracies(filled.runB)).sort(),
    };
  });
  let ui: UiProcess;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [ui, browser] = await Promise.all([startCli(['--db', cli.db()]), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      // Error pages are 404s on purpose; Chromium logs every failed fetch.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    if (ui && ui.child.exitCode === null) ui.child.kill('SIGKILL');
  });

  const ready = (view: string) => page.waitForSelector(`main[data-view="${view}"][data-ready="true"]`);
  const open = async (hash: string, view: string) => {
    // A real load each time, so that one view's "ready" cannot be mistaken for the next one's.
    await page.goto('about:blank');
    await page.goto(`${ui.url}${hash}`);
    await ready(view);
  };
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  /** An attribute of every element `selector` matches, in document order. */
  const attrs = async (selector: string, name: string) =>
    Promise.all((await page.locator(selector).all()).map((el) => el.getAttribute(name)));
  const keysAndStates = async (selector: string): Promise<Record<string, string | null>> => {
    const [keys, states] = await Promise.all([attrs(selector, 'data-key'), attrs(selector, 'data-state')]);
    return Object.fromEntries(keys.map((key, i) => [key ?? '', states[i] ?? null]));
  };

  it('lineage ui prints its loopback URL; a bad port is a usage error, a busy one says so', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const bad = await failingCli(['--port', 'http']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port must be 0 to 65535');
    const busy = await failingCli(['--port', new URL(ui.url).port, '--db', '/nonexistent-lineage-store']);
    expect(busy.code).toBe(6);
  });

  it('runs: every run newest first; filters by pipeline, status and workflow id; back undoes a filter', async () => {
    const { runA, runB, failed, cached, retried, tag } = cli.filled();
    await open('#/runs', 'runs');
    const names = () => attrs('tr[data-run]', 'data-run');
    const all = await names();
    expect(all.filter((n) => !n!.includes('-search'))).toEqual([retried, cached, failed, runB, runA]);
    expect(await page.locator(`tr[data-run="${failed}"] [data-state]`).textContent()).toBe('FAILED');
    expect(await page.locator(`tr[data-run="${runA}"] .chip[data-field="accuracy"]`).count()).toBe(1);
    await shot('runs');

    // Each filter is a new URL and a new render: wait for rows to go (or come), not for "ready",
    // which the previous render had set too.
    const gone = (name: string) => page.locator(`tr[data-run="${name}"]`).waitFor({ state: 'detached' });
    await page.selectOption('select[name="pipeline"]', 'trainingPipeline');
    await expect.poll(() => page.url()).toContain('pipeline=trainingPipeline');
    await gone(failed);
    await ready('runs');
    expect(await names()).toEqual([cached, runB, runA]);
    await page.check('.status-filter input[value="FAILED"]');
    await page.waitForSelector('.empty');
    expect(await page.textContent('.empty')).toContain('No runs match these filters');
    await page.goBack();
    await page.waitForSelector('tr[data-run]');
    expect(await names()).toEqual([cached, runB, runA]);
    await page.goBack();
    await expect.poll(() => page.url()).not.toContain('pipeline=');
    await page.waitForSelector(`tr[data-run="${failed}"]`);

    await page.fill('input[name="search"]', `${tag}-B`);
    await page.press('input[name="search"]', 'Enter');
    await expect.poll(() => page.url()).toContain('search=');
    await gone(failed);
    await ready('runs');
    expect((await names()).filter((n) => !n!.includes('-search'))).toEqual([runB]);
  });

  it('a run: one node per attempt in its state; the child run expands; a click shows the details', async () => {
    const { runA, statesA, statesSearchA, trainA } = cli.filled();
    await open('#/runs?pipeline=trainingPipeline', 'runs');
    await page.click(`tr[data-run="${runA}"] a.run-link`);
    await ready('run');
    expect(await keysAndStates('.node.execution')).toEqual(statesA);
    expect(await page.locator('.node.child').getAttribute('data-key')).toBe('child:hyperparameterSearch');
    await page.click('[aria-label="Fit to view"]');
    await page.click('.node.child .toggle');
    await expect.poll(() => page.url()).toContain('expand=hyperparameterSearch');
    expect(await keysAndStates('.node.execution')).toEqual({ ...statesA, ...statesSearchA });
    expect(await page.locator('.cluster').count()).toBe(1);
    expect(await page.locator('table.steps tbody tr').count()).toBe(
      Object.keys({ ...statesA, ...statesSearchA }).length,
    );

    await page.click('[aria-label="Fit to view"]');
    await page.click(`.node[data-key="execution:${trainA}"]`);
    await page.waitForSelector('.side-panel h3:has-text("Inputs (2)")');
    const panel = await page.textContent('.side-panel');
    expect(panel).toContain('trainModel');
    expect(panel).toContain('COMPLETE');
    expect(panel).toMatch(/sha256:[0-9a-f]{64}/);
    expect(panel).toMatch(/file:\/\/\/.*train-[0-9a-f]+\.json/);
    expect(await page.locator(`.node[data-key="execution:${trainA}"]`).getAttribute('class')).toContain(
      'selected',
    );
    // The URL holds the view: a reload shows the same selection, at the default, readable zoom.
    await page.reload();
    await ready('run');
    await page.waitForSelector('.side-panel h3:has-text("Inputs (2)")');
    await shot('run');
  });

  it('cached steps, a retried step and a failed run look the way they ended', async () => {
    const { cached, retried, failed, statesCached, statesRetried } = cli.filled();
    await open(`#/run/${encodeURIComponent(cached)}`, 'run');
    const shown = await keysAndStates('.node.execution');
    expect(shown).toEqual(statesCached);
    expect(Object.values(shown).filter((s) => s === 'CACHED')).toHaveLength(2);
    await shot('run-cached');

    await open(`#/run/${encodeURIComponent(retried)}`, 'run');
    expect(await keysAndStates('.node.execution')).toEqual(statesRetried);
    expect(Object.values(statesRetried).sort()).toEqual(['COMPLETE', 'FAILED']);
    expect(await page.locator('path.edge.retry').count()).toBe(1);
    expect(await page.textContent('.node.execution[data-state="COMPLETE"]')).toContain('attempt 2');
    await page.click('.node.execution[data-state="FAILED"]');
    await page.waitForSelector('.side-panel .error-box');
    expect(await page.textContent('.side-panel .error-box')).toContain('first attempt for ui fails');
    await shot('run-retried');

    await open(`#/run/${encodeURIComponent(failed)}`, 'run');
    expect(await page.textContent('.page-head .error-box')).toContain('the pipeline gave up');
  });

  it("a model's provenance reaches the raw dataset; the hop control bounds it; back restores it", async () => {
    const { runA, model, raw } = cli.filled();
    await open(`#/run/${encodeURIComponent(runA)}`, 'run');
    await page.click('table.steps tr:has-text("registerModel")');
    await page.click(`.side-panel a[href="#/artifact/${model}"]`);
    await ready('artifact');
    expect(await page.locator(`.node[data-key="artifact:${raw}"]`).count()).toBe(1);
    expect(await page.locator(`.node[data-key="artifact:${model}"]`).getAttribute('class')).toContain(
      'start',
    );
    expect(await page.locator(`.glance li[data-artifact="${raw}"]`).count()).toBe(1);
    expect(await page.textContent('.glance')).toContain('args[1].nEstimators');
    await shot('artifact');

    // Each click is a new URL; the hop box shows the new count once that view has drawn.
    const hopsShown = async (hops: number) => {
      await expect.poll(() => page.inputValue('input.hops')).toBe(String(hops));
      await ready('artifact');
    };
    for (let hops = 7; hops >= 2; hops--) {
      await page.click('[aria-label="Fewer hops"]');
      await hopsShown(hops);
    }
    expect(page.url()).toContain('hops=2');
    expect(await page.locator(`.node[data-key="artifact:${raw}"]`).count()).toBe(0);
    await page.goBack();
    await hopsShown(3);
    expect(page.url()).toContain('hops=3');
  });

  it('compare: picked runs side by side, with the metric values the store holds, and a chart', async () => {
    const { runA, runB, accuracyA, accuracyB } = cli.filled();
    await open('#/runs?pipeline=trainingPipeline', 'runs');
    await page.check(`tr[data-run="${runA}"] input[type="checkbox"]`);
    await page.check(`tr[data-run="${runB}"] input[type="checkbox"]`);
    await page.click('a.button:has-text("Compare 2 runs")');
    await ready('compare');
    // Baseline first: the older run.
    expect(await attrs('table.metrics th.run-col', 'data-run')).toEqual([runA, runB]);
    const column = async (i: number) =>
      (await attrs(`table.metrics tr[data-field="accuracy"] td:nth-child(${i + 3})`, 'data-value'))
        .filter((v) => v !== '')
        .map(Number);
    expect((await column(0)).sort()).toEqual(accuracyA);
    expect((await column(1)).sort()).toEqual(accuracyB);
    // The grids share no entry: each evaluation is a row of its own, absent in the other run —
    // never shown with the baseline's value.
    const rows = page.locator('table.metrics tr[data-field="accuracy"]');
    expect(await rows.count()).toBe(accuracyA.length + accuracyB.length);
    for (let i = 0; i < (await rows.count()); i++) {
      expect(await rows.nth(i).locator('td .absent').allTextContents()).toEqual(['absent']);
    }
    expect(await page.locator('table.params td .absent').count()).toBeGreaterThan(0);
    expect(await page.textContent('table.params')).toContain('args[0].seed');
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
    expect(await page.textContent('.chart')).toContain('accuracy across runs');
    await shot('compare');
  });

  it('shareable URLs restore the view; the back button walks the views; no script errors', async () => {
    const { runA, trainA } = cli.filled();
    // A link straight to an attempt inside a child run opens that child run in the graph.
    await open(`#/run/${encodeURIComponent(runA)}?node=execution:${trainA}`, 'run');
    await page.waitForSelector('.side-panel h3:has-text("Inputs (2)")');
    expect(page.url()).toContain('expand=hyperparameterSearch');
    await page.click('nav.nav a[data-nav="artifacts"]');
    await ready('artifacts');
    await shot('artifacts');
    await page.goBack();
    await ready('run');
    await page.waitForSelector('.side-panel h3:has-text("Inputs (2)")');
    expect(await page.locator(`.node[data-key="execution:${trainA}"].selected`).count()).toBe(1);

    // A large graph comes a page at a time: `limit` nodes, then "show more" adds the next page.
    await open(`#/run/${encodeURIComponent(runA)}?expand=all&limit=6`, 'run');
    const loaded = () => page.locator('.node.execution, .node.artifact').count();
    expect(await loaded()).toBe(6);
    await page.click('button:has-text("Show 6 more nodes")');
    await page.locator('.node.execution, .node.artifact').nth(11).waitFor();
    expect(await loaded()).toBe(12);
    expect(await page.textContent('.graph-footer')).toContain('the run has more');
    expect(problems).toEqual([]);
  });

  it('empty and unknown things say what to do next', async () => {
    await open('#/run/no-such-run-anywhere', 'run');
    expect(await page.textContent('.error-box')).toContain("No run matches 'no-such-run-anywhere'");
    await open('#/nowhere', 'nowhere');
    expect(await page.textContent('.error-box')).toContain('There is no "nowhere" page');
    const store = await openStore({ memory: true });
    const empty = await startUiServer({ store, port: 0 });
    try {
      await page.goto(`${empty.url}#/runs`);
      await ready('runs');
      expect(await page.textContent('.empty')).toContain('Nothing recorded yet');
      expect(await page.textContent('.empty')).toContain('plugins: [new LineagePlugin()]');
      expect(await page.textContent('.empty')).toContain(store.target);
      expect(await page.textContent('.empty')).not.toContain('npm run demo');
      await shot('empty');
      await page.goto(`${empty.url}#/compare`);
      await ready('compare');
      expect(await page.textContent('.empty')).toContain('Nothing to compare yet');
    } finally {
      await empty.close();
      await store.close();
    }
  });

  it('Ctrl+C (SIGTERM) stops the server and releases the store', async () => {
    const exited = new Promise<number | null>((resolve) => ui.child.on('exit', resolve));
    ui.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // PGlite allows one opener per folder: the folder opens again only if the server let go of it.
    const store = await openStore({ dir: cli.db() });
    await store.close();
  });
});
