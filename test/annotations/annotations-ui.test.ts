import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAliases } from '../../src/annotations/aliases';
import { listNotes } from '../../src/annotations/notes';
import { listTags } from '../../src/annotations/tags';
import { describeRun } from '../../src/query/run-detail';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { startUiServer, type UiServer } from '../../src/ui/server';
import { fillStore, type Filled } from '../query/fill-store';
import { launchChromium } from '../ui/ui-support';

/**
 * The web UI edits tags, notes and aliases — and only from its own pages: every change needs the
 * page's write token and this server's own Origin, so another site open in the same browser can
 * change nothing.
 */
describe('annotations in the web UI', () => {
  let store: LineageStore;
  let ui: UiServer;
  let browser: Browser;
  let filled: Filled;
  let modelId: number;
  /** Another site, on another port: its page tries to post to the UI. */
  let evil: Server;
  let evilUrl: string;

  beforeAll(async () => {
    store = await openStore({ memory: true });
    filled = await fillStore(store);
    const { executions } = await describeRun(store, filled.runA);
    modelId = executions.find((e) => e.activityType === 'registerModel')!.outputs[0]!.artifact.id;
    ui = await startUiServer({ store, port: 0 });
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => evil?.close(resolve));
    await ui?.close();
    await store?.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${ui.url}api/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('refuses a change without the write token, from another Origin, or not as JSON', async () => {
    const { writeToken } = (await (await fetch(`${ui.url}api/session`)).json()) as { writeToken: string };
    const path = `runs/${encodeURIComponent(filled.runA)}/tags`;
    const tag = { key: 'reviewed', value: 'yes', author: 'ana' };
    const own = new URL(ui.url).origin;
    const answers = await Promise.all([
      post(path, tag, { Origin: own }),
      post(path, tag, { Origin: own, 'X-Lineage-Token': 'guess' }),
      post(path, tag, { Origin: evilUrl.slice(0, -1), 'X-Lineage-Token': writeToken }),
      post(path, tag, { 'X-Lineage-Token': writeToken }),
      fetch(`${ui.url}api/${path}`, {
        method: 'POST',
        headers: { Origin: own, 'X-Lineage-Token': writeToken, 'Content-Type': 'text/plain' },
        body: JSON.stringify(tag),
      }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403, 415]);
    expect(await listTags(store, { run: filled.runA })).toEqual([]);
    const ok = await post(path, tag, { Origin: own, 'X-Lineage-Token': writeToken });
    expect(ok.status).toBe(200);
    const bad = await post(
      path,
      { ...tag, key: 'has space' },
      { Origin: own, 'X-Lineage-Token': writeToken },
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/key/);
    expect((await listTags(store, { run: filled.runA })).map((t) => `${t.key}=${t.value}`)).toEqual([
      'reviewed=yes',
    ]);
  });

  it('a cross-origin page in the browser cannot post a change', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(evilUrl);
      const target = `${ui.url}api/aliases/production`;
      const outcome = await page.evaluate(async (url) => {
        const tries = [
          // A simple request (no preflight): refused for its Origin and missing token.
          fetch(url, { method: 'POST', mode: 'no-cors', body: '{"artifactId":1,"author":"x"}' }),
          // A JSON request with a guessed token: the preflight is never approved.
          fetch(url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-Lineage-Token': 'guess' },
            body: '{"artifactId":1,"author":"x"}',
          }),
        ];
        return Promise.all(tries.map((t) => t.then((r) => `status ${r.status}`).catch((e: Error) => e.name)));
      }, target);
      expect(outcome[1]).toBe('TypeError');
      expect(await listAliases(store)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a person adds a tag and a note on the run page and sets an alias on the artifact page', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${ui.url}#/run/${encodeURIComponent(filled.runA)}`);
      const card = page.locator('section.annotations');
      await card.getByLabel('Your name').fill('ana');
      await card.getByLabel('New tag').fill('team=vision');
      await card.getByRole('button', { name: 'Add tag' }).click();
      await expect.poll(() => card.locator('[data-tag="team"]').count(), { timeout: 15_000 }).toBe(1);
      await card.getByLabel('New note').fill('Best so far: **ship it**');
      await card.getByRole('button', { name: 'Add note' }).click();
      await expect
        .poll(() => card.locator('.note-body').allTextContents(), { timeout: 15_000 })
        .toEqual(['Best so far: **ship it**']);
      await card.getByLabel('New tag').fill('no-equals');
      await card.getByRole('button', { name: 'Add tag' }).click();
      await expect
        .poll(() => card.getByRole('alert').textContent(), { timeout: 15_000 })
        .toContain('key=value');

      await page.goto(`${ui.url}#/artifact/${modelId}`);
      const artifactCard = page.locator('section.annotations');
      // The name was kept from the first page.
      expect(await artifactCard.getByLabel('Your name').inputValue()).toBe('ana');
      await artifactCard.getByLabel('Alias name').fill('production');
      await artifactCard.getByRole('button', { name: 'Point alias here' }).click();
      await expect
        .poll(() => artifactCard.locator('.chip.alias').allTextContents(), { timeout: 15_000 })
        .toEqual(['production']);
    } finally {
      await page.close();
    }
    expect((await listTags(store, { run: filled.runA })).map((t) => [t.key, t.author])).toContainEqual([
      'team',
      'ana',
    ]);
    expect((await listNotes(store, { run: filled.runA })).map((n) => n.author)).toEqual(['ana']);
    expect((await listAliases(store)).map((a) => [a.name, a.artifactId, a.author])).toEqual([
      ['production', modelId, 'ana'],
    ]);
  });
});
