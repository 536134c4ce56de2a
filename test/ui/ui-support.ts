import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { createMlActivities } from '../../activities';
import { LineagePlugin } from '../../src/plugin';
import type { LineageStore } from '../../src/store/open-store';
import { fixtureActivities } from '../fixtures/activities';
import { fillStore, type Filled } from '../query/fill-store';
import { testClient, uniqueQueue, withWorker } from '../support/temporal';

/** What {@link fillUiStore} recorded, beyond {@link fillStore}'s runs. */
export interface UiFilled extends Filled {
  /** trainingPipeline, seed 7 again, with loadIris and splitDataset served from the execution cache. */
  readonly cached: string;
  /** retriedOnce: its only step fails on attempt 1 and completes on attempt 2. */
  readonly retried: string;
}

/**
 * {@link fillStore}'s runs (two pipeline runs, a failed run) plus the states the page colours
 * differently: CACHED steps (a third pipeline run on a worker with the execution cache on) and a
 * retried step (a FAILED attempt, then a COMPLETE one).
 */
export async function fillUiStore(store: LineageStore): Promise<UiFilled> {
  const filled = await fillStore(store);
  const dataDir = mkdtempSync(join(tmpdir(), 'lineage-ui-'));
  const activities = { ...createMlActivities({ dataDir }), ...fixtureActivities().activities };
  const taskQueue = uniqueQueue(`ui-${filled.tag}`);
  const client = await testClient();
  const plugin = new LineagePlugin({ store, cache: { loadIris: true, splitDataset: true } });
  const run = async (workflowType: string, workflowId: string, args: unknown[]): Promise<string> => {
    const handle = await client.workflow.start(workflowType, { taskQueue, workflowId, args });
    await handle.result().catch((error: unknown) => {
      if (!(error instanceof WorkflowFailedError)) throw error;
    });
    return `${handle.workflowId}/${handle.firstExecutionRunId}`;
  };
  return withWorker({ plugin, taskQueue, activities }, async () => {
    const cached = await run('trainingPipeline', `iris-${filled.tag}-c`, [{ seed: 7 }]);
    const retried = await run('retriedOnce', `retried-${filled.tag}`, ['ui']);
    return { ...filled, cached, retried };
  });
}

/** The API's error document. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: {
      readonly issues?: string[];
      readonly kind?: string;
      readonly key?: string;
      readonly suggestions?: string[];
      readonly candidates?: string[];
    };
  };
}

/** A response of the UI server, its body parsed when it is JSON (typed as the caller expects). */
export interface Answer<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: T;
}

/** Sends a request to the UI server. */
export async function request<T = ErrorBody>(
  base: string,
  path: string,
  init: RequestInit = {},
): Promise<Answer<T>> {
  const response = await fetch(`${base.replace(/\/$/, '')}${path}`, init);
  const text = await response.text();
  let body: unknown = undefined;
  if (text !== '' && response.headers.get('content-type')?.includes('application/json'))
    body = JSON.parse(text);
  return { status: response.status, headers: response.headers, text, body: body as T };
}

/**
 * GETs `path` byte for byte, with any headers: fetch would resolve `..` and `%2e%2e` before
 * sending, and it will not send a Host header of our choosing.
 */
export function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The encoded path segment of a run name (it holds a slash). */
export const seg = (name: string) => encodeURIComponent(name);

/** Debian's Chromium (installed by `npm run setup`), headless; Playwright's own download cannot work here. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** Where screenshots go (gitignored). */
export const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'ui');
