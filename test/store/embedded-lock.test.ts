/**
 * The embedded store admits one process per folder: PGlite is Postgres running inside one
 * process, and two of them writing one folder would corrupt it. A second opener — in this process
 * or another — gets a typed error naming the holder, the CLI exits as for an unavailable store,
 * and the folder opens again, its data intact, once the holder closes it or dies.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { LineageStoreError, LineageStoreInUseError } from '../../src/errors';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { BIN, lineage } from '../cli/run-cli';

const pipelines = async (store: LineageStore) =>
  (await store.rows<{ name: string }>(sql`select name from contexts where type = 'pipeline'`)).map(
    (r) => r.name,
  );

/** The cause `openStore` rejects with, for a folder that is already open. */
async function refusal(dir: string): Promise<LineageStoreInUseError> {
  const error = await openStore({ dir }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LineageStoreError);
  expect((error as LineageStoreError).cause).toBeInstanceOf(LineageStoreInUseError);
  return (error as LineageStoreError).cause as LineageStoreInUseError;
}

describe('an embedded store folder', () => {
  it('refuses a second opener in the same process until the first closes it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lineage-lock-')), 'store');
    const first = await openStore({ dir });
    await first.rows(sql`insert into contexts (type, name) values ('pipeline', 'kept')`);
    const error = await refusal(dir);
    expect(error).toMatchObject({ dir, holder: { pid: process.pid } });
    expect(error.message).toContain('already open in this process');
    await first.close();

    const again = await openStore({ dir });
    expect(await pipelines(again)).toEqual(['kept']);
    await again.close();
  });

  it('refuses it while another process has it open, and opens once that process is killed', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lineage-lock-')), 'store');
    const setup = await openStore({ dir });
    await setup.rows(sql`insert into contexts (type, name) values ('pipeline', 'kept')`);
    await setup.close();

    // `lineage ui` keeps the store open for as long as it serves.
    const ui = spawn(process.execPath, [BIN, 'ui', '--port', '0', '--json', '--db', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => ui.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        ui.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('"url"')) resolve();
        });
        ui.once('exit', (code) => reject(new Error(`lineage ui exited ${code}`)));
      });
      const error = await refusal(dir);
      expect(error.holder.pid).toBe(ui.pid);
      expect(error.message).toContain(`already open in process ${ui.pid}`);

      const cli = await lineage(['runs', '--db', dir, '--json']);
      expect(cli.code).toBe(5);
      expect(JSON.parse(cli.stderr)).toMatchObject({ error: { code: 'STORE_UNAVAILABLE' } });
      expect(cli.stderr).toContain(`already open in process ${ui.pid}`);
    } finally {
      ui.kill('SIGKILL');
      await exited;
    }
    // Killed, it could not remove its lock file: the next opener sees its process is gone.
    expect(existsSync(join(dir, 'lineage.lock'))).toBe(true);
    const after = await openStore({ dir });
    expect(await pipelines(after)).toEqual(['kept']);
    await after.close();
    expect(existsSync(join(dir, 'lineage.lock'))).toBe(false);
  });
});
