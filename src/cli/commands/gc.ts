import { InvalidArgumentError, type Command } from 'commander';
import { collectGarbage, type GcReport } from '../../retention/gc';
import { parseAge, type GcOptions } from '../../retention/gc-options';
import { wholeNumber, type CliContext } from '../context';
import { formatTime } from '../output';
import { collect, parseInstant } from '../parse-options';

interface GcFlags {
  olderThan?: string;
  before?: Date;
  keepType?: string[];
  pin?: Array<number | string>;
  dryRun?: boolean;
  batchSize?: number;
}

/** `a12`, `artifact:12` or `12` is an artifact id, as `lineage artifacts` prints them; anything else a URI. */
function parsePin(text: string): number | string {
  const id = /^(?:a|artifact:)?(\d+)$/.exec(text.trim());
  return id ? Number(id[1]) : text;
}

function age(text: string): string {
  if (parseAge(text) === undefined)
    throw new InvalidArgumentError(`'${text}' is not an age (90d, 12h, 30m, 2w)`);
  return text.trim();
}

function summary(r: GcReport): string {
  const what = `${r.runs} runs, ${r.executions} executions, ${r.events} events and ${r.artifacts} artifacts`;
  return `${r.dryRun ? 'Would remove' : 'Removed'} ${what} (runs that ended before ${formatTime(r.cutoff)})`;
}

/** `lineage gc`: retention — remove old runs and what only they used, keeping pinned provenance. */
export function registerGc(program: Command, ctx: CliContext): void {
  program
    .command('gc')
    .description(
      'remove runs that ended long ago, with the executions and artifacts nothing else uses; pinned artifacts and everything upstream of them stay',
    )
    .option('--older-than <age>', 'remove runs that ended this long ago: 90d, 12h, 2w', age)
    .option(
      '--before <time>',
      'or: remove runs that ended before this ISO 8601 time',
      parseInstant(() => new Date()),
    )
    .option(
      '--keep-type <type>',
      'keep every artifact of this type and its provenance, e.g. Model (repeatable)',
      collect(String),
    )
    .option(
      '--pin <artifact>',
      'keep this artifact and its provenance: an id (a12) or a URI; a URI ending in * is a prefix (repeatable)',
      collect(parsePin),
    )
    .option('--dry-run', 'report what would be removed, remove nothing')
    .option('--batch-size <n>', 'run trees per transaction', wholeNumber('--batch-size'))
    .action(async (flags: GcFlags, command: Command) => {
      if (flags.olderThan === undefined && flags.before === undefined) {
        throw new InvalidArgumentError(
          'gc needs to know which runs are old enough to remove: give --older-than <age> (e.g. 90d) ' +
            'or --before <time> (e.g. 2025-01-31); add --dry-run to see what would go first',
        );
      }
      if (flags.olderThan !== undefined && flags.before !== undefined) {
        throw new InvalidArgumentError('give only one of --older-than and --before, not both');
      }
      const pins = flags.pin ?? [];
      const options: GcOptions = {
        ...(flags.olderThan !== undefined ? { olderThan: flags.olderThan } : {}),
        ...(flags.before !== undefined ? { before: flags.before } : {}),
        keepTypes: flags.keepType ?? [],
        pinArtifactIds: pins.filter((pin): pin is number => typeof pin === 'number'),
        pinUris: pins.filter((pin): pin is string => typeof pin === 'string'),
        dryRun: flags.dryRun === true,
        ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
      };
      await ctx.withStore(command, async (store, out) => {
        const report = await collectGarbage(store, options);
        if (out.json) return out.data({ ...report, cutoff: report.cutoff.toISOString() });
        out.line(summary(report));
        if (report.keptRuns > 0 || report.pinnedArtifacts > 0) {
          out.line(`Kept ${report.keptRuns} old runs upstream of ${report.pinnedArtifacts} pinned artifacts`);
        }
      });
    });
}
