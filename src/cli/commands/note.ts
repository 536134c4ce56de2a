import type { Command } from 'commander';
import { addNote, listNotes } from '../../annotations/notes';
import type { CliContext } from '../context';
import { formatTime } from '../output';
import { resolveSubjectText } from '../targets';

/** `lineage note`: adds a markdown note to a run, an execution or an artifact, or lists its notes. */
export function registerNote(program: Command, ctx: CliContext): void {
  program
    .command('note')
    .description('add a note (markdown) to a run, an execution or an artifact, or list its notes')
    .argument('<subject>', 'a run reference, an execution (e34), an artifact (a12) or an alias (@production)')
    .argument('[text]', 'the note; without it, the notes are listed')
    .option('--author <name>', 'who writes it (default: $LINEAGE_AUTHOR, else the OS user)')
    .action(
      async (
        subjectText: string,
        text: string | undefined,
        options: { author?: string },
        command: Command,
      ) => {
        await ctx.withStore(command, async (store, out) => {
          const subject = await resolveSubjectText(store, subjectText);
          if (text !== undefined) {
            const note = await addNote(
              store,
              subject,
              text,
              options.author ? { author: options.author } : {},
            );
            if (out.json) return out.data({ note });
            return out.note(`note n${note.id} added to ${subjectText}`);
          }
          const all = await listNotes(store, subject);
          if (out.json) return out.data({ notes: all });
          if (all.length === 0) return out.note(`${subjectText} has no notes.`);
          for (const note of all) {
            out.line(out.c.dim(`${note.author}, ${formatTime(note.createdAt)}`));
            out.line(note.body);
            out.line();
          }
        });
      },
    );
}
