/**
 * One embedded store folder, every local process: the first opener runs PGlite and serves the
 * folder on a socket inside it; later openers — in this process or another, the CLI, the UI —
 * are its clients, and when the serving process closes the store or is killed, the next opener
 * takes the folder over with everything committed intact.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { BIN, lineage } from '../cli/run-cli';

const pipelines = async (store: LineageStore) =>
  (
    await store.rows<{ name: string }>(sql`select name from contexts where type = 'pipeline' order by name`)
  ).map((r) => r.name);

const addPipeline = (store: LineageStore, name: string) =>
  store.rows(sql`insert into contexts (type, name) values ('pipeline', ${name}) on conflict do nothing`);

const newFolder = () => join(mkdtempSync(join(tmpdir(), 'lineage-shared-')), 'store');

/** `lineage ui` on `dir`, once it prints where it serves. */
async function startUi(dir: string): Promise<{ child: ChildProcessWithoutNullStreams; url: URL }> {
  const child = spawn(process.execPath, [BIN, 'ui', '--port', '0', '--json', '--db', dir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // One JSON document, possibly over several chunks: resolve once it is complete.
      try {
        resolve(new URL((JSON.parse(out) as { url: string }).url));
      } catch {
        // not complete yet
      }
    });
    child.once('exit', (code) => reject(new Error(`lineage ui exited ${code}: ${err}`)));
  });
  return { child, url };
}

/** An API path of the UI, with the access token its printed URL carries. */
const api = (url: URL, path: string) => `${url.origin}/api/${path}${url.search}`;

describe('an embedded store folder shared by several openers', () => {
  it('serves a second opener in the same process, which takes over when the first closes', async () => {
    const dir = newFolder();
    const first = await openStore({ dir });
    const second = await openStore({ dir });
    await addPipeline(second, 'written-by-second');
    await addPipeline(first, 'written-by-first');
    expect(await pipelines(first)).toEqual(['written-by-first', 'written-by-second']);

    await first.close();
    // Nobody serves the folder now: the second opener's next statement takes it over.
    await addPipeline(second, 'after-takeover');
    expect(await pipelines(second)).toEqual(['after-takeover', 'written-by-first', 'written-by-second']);
    expect(readFileSync(join(dir, 'lineage.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid}@`));
    await second.close();
    expect(existsSync(join(dir, 'lineage.lock'))).toBe(false);

    const again = await openStore({ dir });
    expect(await pipelines(again)).toEqual(['after-takeover', 'written-by-first', 'written-by-second']);
    await again.close();
  });

  it('lets the CLI and this process read and write while `lineage ui` serves, and takes over when the UI is killed', async () => {
    const dir = newFolder();
    const setup = await openStore({ dir });
    await addPipeline(setup, 'before-ui');
    await setup.close();

    const { child: ui, url } = await startUi(dir);
    const exited = new Promise((resolve) => ui.once('exit', resolve));
    let client: LineageStore | undefined;
    try {
      expect(readFileSync(join(dir, 'lineage.lock'), 'utf8')).toMatch(new RegExp(`^${ui.pid}@`));
      client = await openStore({ dir });
      await addPipeline(client, 'from-client');

      // It reads the store (which holds no run yet) rather than being refused.
      const runs = await lineage(['runs', '--db', dir, '--json']);
      expect(JSON.parse(runs.stderr)).toMatchObject({ error: { code: 'EMPTY_STORE' } });

      const page = await fetch(api(url, 'store'));
      expect(page.status).toBe(200);
      expect(await page.json()).toMatchObject({ driver: 'pglite', empty: true });
    } finally {
      ui.kill('SIGKILL');
      await exited;
    }
    try {
      // Killed, the UI left its lock file and socket behind: this process's next statement finds
      // its process gone, takes the folder over, and sees everything committed.
      await addPipeline(client, 'after-kill');
      expect(await pipelines(client)).toEqual(['after-kill', 'before-ui', 'from-client']);
      expect(readFileSync(join(dir, 'lineage.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid}@`));
    } finally {
      await client.close();
    }
  });

  it('rolls back what a client process left inside an open transaction when it is killed', async () => {
    const dir = newFolder();
    const host = await openStore({ dir });
    // A client that writes inside a transaction and is killed before committing it.
    const script = `
      const { sql } = require('drizzle-orm');
      const { openStore } = require('./src/store/open-store.ts');
      openStore({ dir: process.argv[1] }).then((store) => store.db.transaction(async (tx) => {
        await tx.execute(sql\`insert into contexts (type, name) values ('pipeline', 'never-committed')\`);
        process.stdout.write('INSIDE\\n');
        await new Promise(() => {});
      }));`;
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script, dir], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('INSIDE') && resolve());
      child.once('exit', (code) => reject(new Error(`client exited ${code} before writing`)));
    });
    child.kill('SIGKILL');
    await exited;
    // The killed client held PGlite inside its transaction; the host's next write waits for the
    // rollback and goes through.
    await addPipeline(host, 'kept');
    expect(await pipelines(host)).toEqual(['kept']);
    await host.close();
  });
});
