import type { Command } from 'commander';
import { aliasHistory, listAliases, removeAlias, setAlias, type AliasMove } from '../../annotations/aliases';
import { LineageOptionsError } from '../../errors';
import type { CliContext } from '../context';
import { formatTime } from '../output';
import { resolveStart } from '../targets';

const where = (id: number | null) => (id === null ? '—' : `a${id}`);

function describeMove(move: AliasMove): string {
  if (move.to === null) return `${move.name} removed (was ${where(move.from)})`;
  return move.from === null
    ? `${move.name} → a${move.to}`
    : `${move.name} moved ${where(move.from)} → a${move.to}`;
}

/** `lineage alias`: names (`production`, `candidate`) that point at one artifact at a time, with their history. */
export function registerAlias(program: Command, ctx: CliContext): void {
  const alias = program
    .command('alias')
    .description('point names such as production at artifacts; list, move, remove, and show their history');
  alias
    .command('list', { isDefault: true })
    .description('every alias and the artifact it points at')
    .action(async (_options: unknown, command: Command) => {
      await ctx.withStore(command, async (store, out) => {
        const all = await listAliases(store);
        if (out.json) return out.data({ aliases: all });
        if (all.length === 0) return out.note('No aliases. Set one with: lineage alias set production a12');
        out.table(
          ['ALIAS', 'ARTIFACT', 'BY', 'SINCE'],
          all.map((a) => [a.name, `a${a.artifactId}`, a.author, formatTime(a.updatedAt)]),
        );
      });
    });
  alias
    .command('set')
    .description('point an alias at an artifact (creates it, or moves it and keeps the history)')
    .argument('<name>', 'the alias, e.g. production')
    .argument('<artifact>', 'a12, @another-alias or an artifact URI')
    .option('--author <name>', 'who moves it (default: $LINEAGE_AUTHOR, else the OS user)')
    .action(async (name: string, artifactText: string, options: { author?: string }, command: Command) => {
      await ctx.withStore(command, async (store, out) => {
        const start = await resolveStart(store, artifactText, out);
        if (!('artifactId' in start)) {
          throw new LineageOptionsError('alias target', [
            `'${artifactText}' is not an artifact: give a12, @alias or an artifact URI`,
          ]);
        }
        const move = await setAlias(
          store,
          name,
          start.artifactId,
          options.author ? { author: options.author } : {},
        );
        if (out.json) return out.data({ move });
        out.line(describeMove(move));
      });
    });
  alias
    .command('rm')
    .alias('remove')
    .description('remove an alias (its history stays)')
    .argument('<name>', 'the alias')
    .option('--author <name>', 'who removes it (default: $LINEAGE_AUTHOR, else the OS user)')
    .action(async (name: string, options: { author?: string }, command: Command) => {
      await ctx.withStore(command, async (store, out) => {
        const move = await removeAlias(store, name, options.author ? { author: options.author } : {});
        if (out.json) return out.data({ move });
        out.line(describeMove(move));
      });
    });
  alias
    .command('history')
    .description('every move of an alias, newest first: who, when, from, to')
    .argument('<name>', 'the alias')
    .action(async (name: string, _options: unknown, command: Command) => {
      await ctx.withStore(command, async (store, out) => {
        const moves = await aliasHistory(store, name);
        if (out.json) return out.data({ moves });
        out.table(
          ['WHEN', 'BY', 'FROM', 'TO'],
          moves.map((m) => [formatTime(m.at), m.author, where(m.from), where(m.to)]),
        );
      });
    });
}
