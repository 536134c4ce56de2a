import type { Client, Connection } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { LineageError } from '../../errors';
import { temporalClient } from '../../lazy-temporal';
import { reconcile, type ReconcileResult } from '../../store/reconcile';
import type { CliContext } from '../context';
import type { Output } from '../output';

interface ReconcileCliOptions {
  readonly olderThan?: number;
  readonly outbox?: string;
  readonly address?: string;
  readonly namespace?: string;
  readonly temporal: boolean;
  readonly dryRun?: boolean;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--older-than`: a duration such as `90s`, `30m`, `2h`, `7d` (or `500ms`). */
function duration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`'${text}' is not a duration; write e.g. 90s, 30m, 2h or 7d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Temporal for the command, or none with `--no-temporal` (then only `--older-than` applies). */
async function withTemporal<T>(
  options: ReconcileCliOptions,
  ctx: CliContext,
  body: (client: Client | undefined) => Promise<T>,
): Promise<T> {
  if (!options.temporal) return body(undefined);
  const address = options.address ?? ctx.io.env['TEMPORAL_ADDRESS'] ?? 'localhost:7233';
  const namespace = options.namespace ?? ctx.io.env['TEMPORAL_NAMESPACE'] ?? 'default';
  const { Client, Connection } = temporalClient();
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 5_000 });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new LineageError(
      `cannot reach Temporal at ${address} (${message}); use --address, or --no-temporal with --older-than`,
      { cause },
    );
  }
  try {
    return await body(new Client({ connection, namespace }));
  } finally {
    await connection.close();
  }
}

function print(out: Output, result: ReconcileResult, askedTemporal: boolean): void {
  const verb = result.dryRun ? 'would mark' : 'marked';
  if (result.outbox) {
    const { applied, rejected, remaining } = result.outbox;
    out.line(
      `outbox: ${applied} records written, ${rejected} rejected (moved to failed/), ${remaining} left`,
    );
  }
  out.line(
    askedTemporal ? `checked ${result.checkedRuns} runs in Temporal` : 'Temporal not asked (--no-temporal)',
  );
  if (result.abandoned.length > 0) {
    out.table(
      ['EXECUTION', 'ACTIVITY', 'ATTEMPT', 'RUN', 'WHY'],
      result.abandoned.map((e) => [
        `e${e.id}`,
        e.activityType,
        String(e.attempt),
        `${e.workflowId}/${e.runId}`,
        e.reason,
      ]),
      ['left', 'left', 'right', 'left', 'left'],
    );
  }
  out.line(`${verb} ${result.abandoned.length} executions ABANDONED`);
  if (result.corrected.length > 0) {
    out.table(
      ['EXECUTION', 'ACTIVITY', 'ATTEMPT', 'RUN', 'NOW', 'WHY'],
      result.corrected.map((e) => [
        `e${e.id}`,
        e.activityType,
        String(e.attempt),
        `${e.workflowId}/${e.runId}`,
        e.state,
        e.reason,
      ]),
      ['left', 'left', 'right', 'left', 'left', 'left'],
    );
  }
  if (askedTemporal) {
    out.line(`${verb} ${result.corrected.length} COMPLETE executions as Temporal's history has them`);
  }
  for (const run of result.closedRuns) out.line(`${verb} run ${run.name} ${run.status}`);
  if (result.unknownRuns.length > 0) {
    out.note(
      `${result.unknownRuns.length} runs are unknown to Temporal (another namespace, or deleted); ` +
        'left as they are — --older-than abandons their executions by age',
    );
  }
}

/** `lineage reconcile`: record what is known of attempts and runs whose workers died (state ABANDONED). */
export function registerReconcile(program: Command, ctx: CliContext): void {
  program
    .command('reconcile')
    .description(
      "mark RUNNING executions ABANDONED when Temporal says their run or attempt is over (or they are older than --older-than), mark COMPLETE executions FAILED when Temporal's history shows their attempt failed or retried, record closed runs, and write a worker outbox into the store",
    )
    .option(
      '--older-than <duration>',
      'also abandon RUNNING executions started longer ago (90s, 30m, 2h, 7d)',
      duration,
    )
    .option(
      '--outbox <dir>',
      "first write the records waiting in this outbox folder (onStoreError: 'outbox')",
    )
    .option('--address <host:port>', 'Temporal frontend (default: $TEMPORAL_ADDRESS, else localhost:7233)')
    .option('--namespace <ns>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE, else default)')
    .option('--no-temporal', 'do not ask Temporal (only --older-than and --outbox apply)')
    .option('--dry-run', 'report what would change, change nothing')
    .action(async (options: ReconcileCliOptions, command: Command) => {
      await ctx.withStore(
        command,
        async (store, out) => {
          const result = await withTemporal(options, ctx, (client) =>
            reconcile({
              store,
              ...(client ? { client } : {}),
              ...(options.olderThan !== undefined ? { olderThanMs: options.olderThan } : {}),
              ...(options.outbox ? { outboxDir: options.outbox } : {}),
              dryRun: options.dryRun === true,
            }),
          );
          if (out.json) out.data(result);
          else print(out, result, options.temporal);
        },
        { allowEmpty: true },
      );
    });
}
