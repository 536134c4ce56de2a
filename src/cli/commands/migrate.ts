import type { Command } from 'commander';
import { sql } from 'drizzle-orm';
import type { CliContext } from '../context';

/** `lineage migrate`: create the store or bring its schema up to date (the store migrates on every open; this does only that). */
export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('create the lineage store, or apply pending schema migrations to it')
    .action(async (_options: unknown, command: Command) => {
      await ctx.withStore(
        command,
        async (store, out) => {
          // Drizzle's own bookkeeping table, the same on both drivers.
          const [row] = await store.rows<{ n: string | number }>(
            sql`select count(*) as n from drizzle.__drizzle_migrations`,
          );
          const migrations = Number(row?.n ?? 0);
          if (out.json) out.data({ target: store.target, driver: store.driver, migrations });
          else out.line(`lineage store at ${store.target} is up to date (${migrations} migrations applied)`);
        },
        { create: true, allowEmpty: true },
      );
    });
}
