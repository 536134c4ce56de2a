import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { InvalidArgumentError, type Command } from 'commander';
import { LineageError } from '../../errors';
import { temporalClient, temporalWorker } from '../../lazy-temporal';
import type * as RerunDataConverter from '../../rerun/data-converter';
import { parseOverride } from '../../rerun/overrides';
import type * as RerunExecution from '../../rerun/rerun-execution';
import type { ExecutionRerunResult } from '../../rerun/rerun-execution';
import type * as RerunRun from '../../rerun/rerun-run';
import type { RunRerunResult } from '../../rerun/rerun-run';
import { formatPlan, type RerunPlan } from '../../rerun/plan';
import { formatRunVerdict } from '../../rerun/run-verdict';
import { formatVerdict, type RerunVerdict } from '../../rerun/verdict';
import type { CliContext } from '../context';
import { EXIT_CODES } from '../exit-codes';
import { executionJson, runJson } from '../json';
import { paintState, type Output } from '../output';
import { collect } from '../parse-options';

/*
 * The rerun modules, built on Temporal's client and worker, load when a rerun command runs, not
 * at start-up (see lazy-temporal.ts). `require`, not `import()`: tsx's CommonJS hook does not
 * resolve a dynamic import of a .ts module.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const rerunExecutionModule = () => require('../../rerun/rerun-execution') as typeof RerunExecution;
const rerunRunModule = () => require('../../rerun/rerun-run') as typeof RerunRun;
const dataConverterModule = () => require('../../rerun/data-converter') as typeof RerunDataConverter;
/* eslint-enable @typescript-eslint/no-require-imports */

interface TemporalOptions {
  readonly address?: string;
  readonly namespace?: string;
  readonly converter?: string;
}

/** `e12`, `execution:12` or `12`, as `lineage show` prints execution ids. */
const EXECUTION_ID = /^(?:e|execution:)?(\d+)$/;

function executionId(text: string): number {
  const match = EXECUTION_ID.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`'${text}' is not an execution id (e.g. e12 or 12)`);
  return Number(match[1]);
}

function override(text: string): [string, unknown] {
  try {
    return parseOverride(text);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof LineageError ? error.message : String(error));
  }
}

function positiveNumber(name: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a positive number, got '${text}'`);
    return n;
  };
}

/** The data converter of `--converter <module>`, if given: reruns must encode as the recording Worker did. */
function converterOption(command: Command, ctx: CliContext): { dataConverter?: DataConverter } {
  const path = command.optsWithGlobals<TemporalOptions>().converter;
  return path === undefined
    ? {}
    : { dataConverter: dataConverterModule().dataConverterFromModule(path, ctx.io.cwd) };
}

/** Connects to Temporal for one command: `--address`, else `$TEMPORAL_ADDRESS`, else localhost:7233. */
async function withClient<T>(
  command: Command,
  ctx: CliContext,
  body: (client: Client) => Promise<T>,
): Promise<T> {
  const options = command.optsWithGlobals<TemporalOptions>();
  const address = options.address ?? ctx.io.env['TEMPORAL_ADDRESS'] ?? 'localhost:7233';
  const namespace = options.namespace ?? ctx.io.env['TEMPORAL_NAMESPACE'] ?? 'default';
  const { Client, Connection } = temporalClient();
  const connection = await Connection.connect({ address });
  try {
    return await body(new Client({ connection, namespace }));
  } finally {
    await connection.close();
  }
}

/**
 * `rerun execution` runs a short-lived worker in this process; its state changes would be logged
 * to stderr at INFO. A command prints only its result, so the SDK logs errors only (unless
 * LINEAGE_DEBUG is set, or an embedder already installed a runtime of its own).
 */
function quietWorkerLogs(ctx: CliContext): void {
  if (ctx.io.env['LINEAGE_DEBUG']) return;
  const { DefaultLogger, Runtime } = temporalWorker();
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // A runtime exists already: its owner chose its logging.
  }
}

function printVerdict(out: Output, verdict: RerunVerdict, text = formatVerdict(verdict)): void {
  const [headline, ...rest] = text.split('\n');
  const paint = verdict.status === 'reproduced' ? out.c.green : out.c.red;
  out.line(paint(headline));
  for (const line of rest) out.line(line);
}

function printExecution(out: Output, result: ExecutionRerunResult): void {
  const { original, rerun } = result;
  out.line(
    `Reran e${original.id} (${original.activityType}) on task queue ${original.taskQueue} as ` +
      `e${rerun.id} ${paintState(out.c, rerun.state)}`,
  );
  printVerdict(out, result.verdict);
}

function printRun(out: Output, result: RunRerunResult): void {
  const tally = new Map<string, number>();
  for (const step of result.steps) {
    const key = `${step.activityType} ${step.state}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  out.line(`Run ${result.rerun.name} ${paintState(out.c, result.rerun.status)}`);
  out.table(
    ['STEP', 'STATE', 'COUNT'],
    [...tally].map(([key, n]) => {
      const [type, state] = key.split(' ') as [string, string];
      return [type, paintState(out.c, state), String(n)];
    }),
    ['left', 'left', 'right'],
  );
  printVerdict(out, result.verdict, formatRunVerdict(result.verdict));
}

function printPlan(out: Output, plan: RerunPlan): void {
  const [headline, ...rest] = formatPlan(plan).split('\n');
  out.line(out.c.bold(headline ?? ''));
  for (const line of rest) out.line(line);
}

/** `lineage rerun execution|run`: run recorded work again and say whether it reproduced. */
export function registerRerun(program: Command, ctx: CliContext): void {
  const rerun = program
    .command('rerun')
    .description('run a recorded execution or run again from its recorded inputs, and compare the outputs')
    .option('--address <host:port>', 'Temporal server (default: $TEMPORAL_ADDRESS, else localhost:7233)')
    .option('--namespace <namespace>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE, else default)')
    .option(
      '--converter <module>',
      "the recording Worker's data converter: a module exporting payloadConverter (and payloadCodecs), as a Worker's payloadConverterPath names",
    );

  rerun
    .command('execution')
    .description(
      'run one activity again with its recorded inputs on the task queue it ran on (your worker executes it)',
    )
    .argument('<id>', 'execution id, as `lineage show` prints it (e12 or 12)', executionId)
    .option(
      '--set <path=value>',
      'override an input, e.g. args[1].nEstimators=50 (repeatable)',
      collect(override),
    )
    .option(
      '--pickup-timeout <seconds>',
      'how long a worker may take to pick the activity up',
      positiveNumber('--pickup-timeout'),
      30,
    )
    .option('--attempts <n>', 'attempts before giving up', positiveNumber('--attempts'), 3)
    .action(
      async (
        id: number,
        options: { set?: Array<[string, unknown]>; pickupTimeout: number; attempts: number },
        command: Command,
      ) => {
        quietWorkerLogs(ctx);
        const { rerunExecution } = rerunExecutionModule();
        await ctx.withStore(command, (store, out) =>
          withClient(command, ctx, async (client) => {
            const result = await rerunExecution({
              store,
              client,
              ...converterOption(command, ctx),
              execution: id,
              set: Object.fromEntries(options.set ?? []),
              scheduleToStartTimeoutMs: Math.round(options.pickupTimeout * 1000),
              maximumAttempts: Math.floor(options.attempts),
            });
            if (out.json) {
              out.data({
                original: executionJson(result.original),
                rerun: executionJson(result.rerun),
                workflowId: result.workflowId,
                runId: result.runId,
                verdict: result.verdict,
              });
            } else printExecution(out, result);
            if (result.verdict.status === 'differs') ctx.exitCode = EXIT_CODES.differs;
          }),
        );
      },
    );

  rerun
    .command('run')
    .description(
      'start a new run with the recorded workflow arguments; --from reuses the steps before a step',
    )
    .argument('<run>', 'workflowId (latest run), workflowId/runId, or a unique prefix of either')
    .option(
      '--from <step>',
      'rerun from this activity type or execution id (e12); earlier steps return their recorded outputs',
    )
    .option(
      '--set <path=value>',
      'override a workflow argument, e.g. args[0].seed=7 (repeatable)',
      collect(override),
    )
    .option('--no-cache', 'bypass the execution cache in the new run')
    .option(
      '--pickup-timeout <seconds>',
      'how long a worker may take to pick the new run up',
      positiveNumber('--pickup-timeout'),
      30,
    )
    .option('--no-wait', 'print the new run and exit without waiting for the verdict')
    .option(
      '--dry-run',
      'print the plan (which steps reuse recorded outputs, which run and why) and start nothing',
    )
    .action(
      async (
        ref: string,
        options: {
          from?: string;
          set?: Array<[string, unknown]>;
          cache: boolean;
          wait: boolean;
          dryRun?: boolean;
          pickupTimeout: number;
        },
        command: Command,
      ) => {
        const { prepareRunRerun } = rerunRunModule();
        await ctx.withStore(command, (store, out) =>
          withClient(command, ctx, async (client) => {
            const prepared = await prepareRunRerun({
              store,
              client,
              ...converterOption(command, ctx),
              run: ref,
              ...(options.from === undefined ? {} : { from: options.from }),
              set: Object.fromEntries(options.set ?? []),
              noCache: !options.cache,
              pickupTimeoutMs: Math.round(options.pickupTimeout * 1000),
            });
            if (options.dryRun) {
              if (out.json) out.data({ original: runJson(prepared.original), plan: prepared.plan });
              else printPlan(out, prepared.plan);
              return;
            }
            if (!out.json) printPlan(out, prepared.plan);
            const handle = await prepared.start();
            if (!out.json) out.line(`Started ${handle.name} (rerun of ${handle.original.name})`);
            if (!options.wait) {
              if (out.json)
                out.data({
                  run: handle.name,
                  workflowId: handle.workflowId,
                  runId: handle.runId,
                  plan: handle.plan,
                });
              return;
            }
            const result = await handle.result();
            if (out.json) {
              out.data({
                original: runJson(result.original),
                rerun: runJson(result.rerun),
                from: result.rerun.rerunFrom,
                plan: result.plan,
                steps: result.steps,
                verdict: result.verdict,
              });
            } else printRun(out, result);
            if (result.verdict.status === 'differs') ctx.exitCode = EXIT_CODES.differs;
          }),
        );
      },
    );
}
