import { InvalidArgumentError, type Command } from 'commander';
import { LineageOptionsError } from '../../errors';
import { formatDuration } from '../../query/preview';
import { durationMs } from '../../query/rows';
import { listRuns, type RunQuery } from '../../query/runs';
import { RUN_STATUSES, type RunStatus } from '../../store/schema';
import { wholeNumber, type CliContext } from '../context';
import { runJson } from '../json';
import { formatTime, paintState, shortRunName } from '../output';
import { collect, parseInstant } from '../parse-options';
import { parseRunWhere, type RunWhere } from '../run-where';
import { checkWhereTypes } from '../where-filter';

interface RunsOptions {
  pipeline?: string;
  status?: RunStatus[];
  since?: Date;
  until?: Date;
  where?: RunWhere[];
  roots?: boolean;
  all?: boolean;
  limit: number;
  cursor?: string;
}

function parseStatus(text: string): RunStatus {
  const status = text.toUpperCase();
  if (!(RUN_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidArgumentError(`'${text}' is not a run status (${RUN_STATUSES.join(', ')})`);
  }
  return status as RunStatus;
}

/** `lineage runs`: recorded runs, newest first, filtered and paged. */
export function registerRuns(program: Command, ctx: CliContext): void {
  program
    .command('runs')
    .description('list recorded runs, newest first')
    .option('--pipeline <type>', 'only runs of this workflow type')
    .option(
      '--status <status>',
      `only runs in this status; repeat for any of several (${RUN_STATUSES.join(', ')})`,
      collect(parseStatus),
    )
    .option(
      '--since <time>',
      'started at or after: ISO 8601 time or an age (30m, 2h, 7d)',
      parseInstant(() => new Date()),
    )
    .option(
      '--until <time>',
      'started before: ISO 8601 time or an age',
      parseInstant(() => new Date()),
    )
    .option(
      '--where <filter>',
      'read or wrote an artifact matching [input:|output:]Type.field OP value (Metrics.accuracy>0.9), has a tag (tag.reviewed=yes, tag.stage!=prod), or used the artifact an alias names (alias=production); repeat: all must hold',
      collect(parseRunWhere),
    )
    .option('--roots', 'leave out child runs')
    .option(
      '--all',
      "also list the internal runs that reran single activities (workflow type 'lineageRerunActivity')",
    )
    .option('--limit <n>', 'runs per page', wholeNumber('--limit'), 20)
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (options: RunsOptions, command: Command) => {
      await ctx.withStore(command, async (store, out) => {
        const conditions = options.where ?? [];
        const artifactWheres = conditions.flatMap((c) => (c.kind === 'artifact' ? [c.where] : []));
        const tags = conditions.flatMap((c) => (c.kind === 'tag' ? [c.tag] : []));
        const aliases = conditions.flatMap((c) => (c.kind === 'alias' ? [c.alias] : []));
        if (aliases.length > 1) {
          throw new LineageOptionsError('--where', ['give at most one alias= condition']);
        }
        const notes = await checkWhereTypes(store, artifactWheres);
        const query: RunQuery = {
          limit: options.limit,
          ...(options.pipeline ? { workflowType: options.pipeline } : {}),
          ...(options.status ? { status: options.status } : {}),
          ...(options.since ? { startedAfter: options.since } : {}),
          ...(options.until ? { startedBefore: options.until } : {}),
          ...(artifactWheres.length > 0 ? { artifact: artifactWheres.map((w) => w.filter) } : {}),
          ...(tags.length > 0 ? { tag: tags } : {}),
          ...(aliases[0] !== undefined ? { alias: aliases[0] } : {}),
          ...(options.all ? { includeInternal: true } : {}),
          ...(options.roots ? { rootsOnly: true } : {}),
          ...(options.cursor ? { cursor: options.cursor } : {}),
        };
        const { runs, nextCursor } = await listRuns(store, query);
        if (out.json) return out.data({ runs: runs.map(runJson), nextCursor });
        if (runs.length === 0) return out.note(['No runs match.', ...notes].join(' '));
        out.table(
          ['RUN', 'PIPELINE', 'STATUS', 'STARTED', 'DURATION', 'PARENT'],
          runs.map((run) => {
            const ms = durationMs(run.startedAt, run.endedAt);
            return [
              shortRunName(run.name),
              run.workflowType ?? '—',
              paintState(out.c, run.status),
              formatTime(run.startedAt),
              ms === null ? '—' : formatDuration(ms),
              run.parentRun ? shortRunName(run.parentRun) : '',
            ];
          }),
          ['left', 'left', 'left', 'left', 'right', 'left'],
        );
        if (nextCursor) out.note(out.c.dim(`more: lineage runs … --cursor ${nextCursor}`));
      });
    });
}
