import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as PgliteModule from '@electric-sql/pglite';
import type * as DrizzlePglite from 'drizzle-orm/pglite';
import type * as DrizzlePgliteMigrator from 'drizzle-orm/pglite/migrator';
import { userCacheDir } from '../user-cache-dir';
import { migrationsFolder } from './migrations';

/* eslint-disable @typescript-eslint/no-require-imports */
const pgliteModule = () => require('@electric-sql/pglite') as typeof PgliteModule;
const drizzlePgliteModule = () => require('drizzle-orm/pglite') as typeof DrizzlePglite;
const pgliteMigrator = () => require('drizzle-orm/pglite/migrator') as typeof DrizzlePgliteMigrator;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Whether `dir` already holds a PGlite database (rather than being new or empty). */
export function holdsDatabase(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/** Every file of the migrations folder, and PGlite's version: what a migrated template depends on. */
function templateKey(): string {
  const hash = createHash('sha256');
  const folder = migrationsFolder();
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else hash.update(`${prefix}${entry.name}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(folder, '');
  // Its package.json is not exported; it sits two folders above the entry point (dist/index.cjs).
  const entry = require.resolve('@electric-sql/pglite');
  const pglite = JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as {
    version: string;
  };
  hash.update(`pglite ${pglite.version}`);
  return hash.digest('hex').slice(0, 16);
}

/** Where the migrated template for the current migrations and PGlite version lives. */
export function templateDir(): string {
  return join(userCacheDir(), 'store-templates', templateKey());
}

/** Creates a PGlite database in `dir` and applies every migration to it. */
export async function createMigrated(dir: string): Promise<void> {
  const pg = await pgliteModule().PGlite.create(dir);
  try {
    await pgliteMigrator().migrate(drizzlePgliteModule().drizzle(pg), {
      migrationsFolder: migrationsFolder(),
    });
  } finally {
    await pg.close();
  }
}

/**
 * The migrated template, built once per machine (for each set of migrations): creating a PGlite
 * database (initdb) and migrating it takes seconds, copying a folder a fraction of one. Built in a
 * folder of its own and renamed into place, so that processes building it at once on a fresh
 * machine each either rename theirs in or find another's there; never half of one.
 */
export async function migratedTemplate(): Promise<string> {
  const final = templateDir();
  if (holdsDatabase(final)) return final;
  const building = `${final}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  mkdirSync(building, { recursive: true });
  try {
    await createMigrated(building);
    try {
      renameSync(building, final);
    } catch (error) {
      // Another process renamed its template in first: theirs is as good.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !holdsDatabase(final)) throw error;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return final;
}

/** Fills the new store folder `dir` with a copy of the migrated template. */
export async function seedFromTemplate(dir: string): Promise<void> {
  cpSync(await migratedTemplate(), dir, { recursive: true });
}
