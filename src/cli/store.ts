import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { LineageEmptyStoreError, LineageStoreError, redactUrl } from '../errors';
import { openStore, type LineageStore, type StoreLocation } from '../store/open-store';

/** The embedded store's folder when neither `--db` nor `DATABASE_URL` names a store. */
const DEFAULT_STORE_DIR = '.lineage';

/** Where the CLI's store is, and how to say so without a password. */
export interface CliStoreLocation {
  readonly location: StoreLocation;
  readonly target: string;
  /** The PGlite folder, for an embedded store. */
  readonly dir?: string;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** `--db`, else `DATABASE_URL`, else `.lineage`; a value that is not a postgres:// URL is a PGlite folder. */
export function locateStore(db: string | undefined, env: NodeJS.ProcessEnv, cwd: string): CliStoreLocation {
  const value = db ?? (env['DATABASE_URL'] || undefined) ?? DEFAULT_STORE_DIR;
  // One CLI command needs a connection or two, not the plugin's pool of ten.
  if (POSTGRES_URL.test(value)) return { location: { url: value, poolSize: 2 }, target: redactUrl(value) };
  const dir = resolve(cwd, value);
  return { location: { dir }, target: `pglite:${dir}`, dir };
}

/**
 * Opens the store for a command. A missing embedded folder is an empty store, not one to create
 * (only `lineage migrate` creates it), and a folder holding something else than a store is
 * refused rather than turned into one.
 */
export async function openCliStore(
  where: CliStoreLocation,
  options: { create?: boolean } = {},
): Promise<LineageStore> {
  if (where.dir !== undefined && !options.create) {
    if (!existsSync(where.dir)) throw new LineageEmptyStoreError(where.target);
    const entries = readdirSync(where.dir);
    if (entries.length > 0 && !existsSync(join(where.dir, 'PG_VERSION'))) {
      const cause = new Error(`${where.dir} is not an embedded lineage store (no PG_VERSION in it)`);
      throw new LineageStoreError('open', where.target, { cause });
    }
  }
  return openStore(where.location);
}

/** Whether any run has been recorded; one indexed probe. */
export async function hasRuns(store: LineageStore): Promise<boolean> {
  const [row] = await store.rows<{ any: boolean }>(
    sql`select exists (select 1 from contexts where type = 'run') as any`,
  );
  return row?.any === true;
}

/** Lookups on an empty store fail with how to record something, rather than "not found". */
export async function requireRuns(store: LineageStore): Promise<void> {
  if (!(await hasRuns(store))) throw new LineageEmptyStoreError(store.target);
}
