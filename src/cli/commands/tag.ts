import type { Command } from 'commander';
import { listTags, removeTag, setTag } from '../../annotations/tags';
import { LineageOptionsError } from '../../errors';
import type { CliContext } from '../context';
import { formatTime } from '../output';
import { resolveSubjectText } from '../targets';

interface TagOptions {
  remove?: string[];
  author?: string;
}

/** `key=value` as typed; the key's own rules are checked by the API. */
function parseAssignment(text: string): { key: string; value: string } {
  const at = text.indexOf('=');
  if (at <= 0) throw new LineageOptionsError('tag', [`'${text}' is not key=value`]);
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}

/** `lineage tag`: sets, removes and lists `key=value` tags on a run or an artifact. */
export function registerTag(program: Command, ctx: CliContext): void {
  program
    .command('tag')
    .description('set (key=value), remove (--remove key) or list the tags of a run or an artifact')
    .argument('<subject>', 'a run reference, an artifact (a12) or an alias (@production)')
    .argument('[assignments...]', 'key=value pairs to set')
    .option('--remove <key>', 'remove this tag (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--author <name>', 'who makes the change (default: $LINEAGE_AUTHOR, else the OS user)')
    .action(async (subjectText: string, assignments: string[], options: TagOptions, command: Command) => {
      const pairs = assignments.map(parseAssignment);
      await ctx.withStore(command, async (store, out) => {
        const subject = await resolveSubjectText(store, subjectText);
        const author = options.author ? { author: options.author } : {};
        for (const { key, value } of pairs) await setTag(store, subject, key, value, author);
        for (const key of options.remove ?? []) {
          if (!(await removeTag(store, subject, key))) out.note(`${subjectText} had no tag '${key}'`);
        }
        const current = await listTags(store, subject);
        if (out.json) return out.data({ tags: current });
        if (current.length === 0) return out.note(`${subjectText} has no tags.`);
        out.table(
          ['KEY', 'VALUE', 'BY', 'SET'],
          current.map((t) => [t.key, t.value, t.author, formatTime(t.createdAt)]),
        );
      });
    });
}
