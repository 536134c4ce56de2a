/**
 * New embedded stores are copies of a migrated template kept in the user's cache: the template's
 * schema must be exactly what applying the migrations gives (so the two cannot drift), its name
 * must change with every migration file, and processes building it at once on a fresh machine
 * must each end up with a whole one.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { createMigrated, migratedTemplate, templateDir } from '../../src/store/store-template';

/** Everything the migrations define, as rows that compare equal when the schemas are the same. */
async function schemaOf(dir: string): Promise<unknown> {
  const pg = await PGlite.create(dir);
  try {
    const read = async (text: string) => (await pg.query(text)).rows;
    return {
      columns:
        await read(`select table_schema, table_name, column_name, data_type, is_nullable, column_default
        from information_schema.columns where table_schema in ('public', 'drizzle')
        order by table_schema, table_name, column_name`),
      indexes: await read(`select schemaname, tablename, indexname, indexdef from pg_indexes
        where schemaname in ('public', 'drizzle') order by schemaname, indexname`),
      constraints:
        await read(`select conrelid::regclass::text as rel, conname, pg_get_constraintdef(oid) as def
        from pg_constraint where connamespace in ('public'::regnamespace, 'drizzle'::regnamespace)
        order by rel, conname`),
      views: await read(`select table_name, view_definition from information_schema.views
        where table_schema = 'public' order by table_name`),
      migrations: await read(`select hash, created_at from drizzle.__drizzle_migrations order by id`),
    };
  } finally {
    await pg.close();
  }
}

/** Each test creates one or two PGlite databases from scratch (initdb), seconds each on a busy machine. */
const INITDB_TIMEOUT_MS = 120_000;

describe('the migrated store template', () => {
  it(
    'has exactly the schema that applying the migrations gives',
    async () => {
      const template = await migratedTemplate();
      const fresh = join(mkdtempSync(join(tmpdir(), 'lineage-template-')), 'fresh');
      await createMigrated(fresh);
      expect(await schemaOf(template)).toEqual(await schemaOf(fresh));
    },
    INITDB_TIMEOUT_MS,
  );

  it('lives in the user cache folder, under a name taken from the migrations', () => {
    const before = process.env.XDG_CACHE_HOME;
    try {
      process.env.XDG_CACHE_HOME = '/somewhere/cache';
      expect(templateDir()).toMatch(/^\/somewhere\/cache\/temporal-lineage\/store-templates\/[0-9a-f]{16}$/);
    } finally {
      if (before === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = before;
    }
  });

  it(
    'is built whole when several processes build it at once in an empty cache',
    async () => {
      const cache = mkdtempSync(join(tmpdir(), 'lineage-cache-'));
      const script = `
      const { migratedTemplate } = require('./src/store/store-template.ts');
      migratedTemplate().then((dir) => process.stdout.write(dir));`;
      const build = () =>
        new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
            cwd: join(__dirname, '..', '..'),
            env: { ...process.env, XDG_CACHE_HOME: cache },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          let err = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
          child.once('exit', (code) => resolve({ code, out, err }));
        });
      const built = await Promise.all([build(), build()]);
      for (const { code, err } of built) expect(code, err).toBe(0);
      const dirs = new Set(built.map((b) => b.out));
      expect(dirs.size).toBe(1);
      const [dir] = [...dirs];
      expect(existsSync(join(dir!, 'PG_VERSION'))).toBe(true);
      // Only the template itself is left: no half-built folder of a process that lost the race.
      expect(readdirSync(join(cache, 'temporal-lineage', 'store-templates'))).toHaveLength(1);
      expect(await schemaOf(dir!)).toEqual(await schemaOf(await migratedTemplate()));
    },
    INITDB_TIMEOUT_MS,
  );
});
