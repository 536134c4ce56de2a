import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import type { Driver } from '../support/stores';

/** The package's real bin, as `npx lineage` would run it. */
export const BIN = join(__dirname, '..', '..', 'bin', 'lineage.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command still running after this long is killed and the test fails with what it printed. */
export const CLI_DEADLINE_MS = 30_000;

/**
 * Runs `lineage …` as a child process. The environment is the test's minus anything that would
 * pick a store or force colour, and with CI set — colour must still stay off when not on a TTY.
 * No command may hang a test: one that outlives `deadlineMs` is killed and rejected with its
 * output so far.
 */
export function lineage(
  args: readonly string[],
  env: Record<string, string> = {},
  deadlineMs = CLI_DEADLINE_MS,
): Promise<CliResult> {
  const base = { ...process.env };
  for (const name of ['DATABASE_URL', 'FORCE_COLOR', 'NO_COLOR', 'LINEAGE_DEBUG']) delete base[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...base, CI: 'true', ...env },
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `lineage ${args.join(' ')} ran over ${deadlineMs} ms and was killed\n` +
            `stdout so far:\n${stdout}\nstderr so far:\n${stderr}`,
        ),
      );
    }, deadlineMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Parses a `--json` result, failing with the command's stderr when it is not JSON. */
export function json<T>(result: CliResult): T {
  if (result.code !== 0) throw new Error(`lineage exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/**
 * A store the CLI can open: a PGlite folder or a Postgres database of its own, filled through
 * the plugin by `fill` in beforeAll and then closed — PGlite allows one opener per folder, and the
 * CLI is another process.
 */
export function useCliStore<T>(
  driver: Driver,
  label: string,
  fill: (store: LineageStore) => Promise<T>,
): { db: () => string; filled: () => T } {
  let db: string | undefined;
  let filled: T | undefined;
  let database: TestDatabase | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    if (driver === 'postgres') {
      database = await createTestDatabase(inject('postgresAdminUrl'), label);
      db = database.url;
    } else {
      dir = mkdtempSync(join(tmpdir(), 'lineage-cli-'));
      db = join(dir, 'store');
    }
    const store = await openStore(driver === 'postgres' ? { url: db } : { dir: db });
    try {
      filled = await fill(store);
    } finally {
      await store.close();
    }
  });
  afterAll(async () => {
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const ready = <V>(value: V | undefined): V => {
    if (value === undefined) throw new Error('the CLI store is filled in beforeAll');
    return value;
  };
  return { db: () => ready(db), filled: () => ready(filled) };
}
