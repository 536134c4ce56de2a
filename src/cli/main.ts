import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import {
  LineageAmbiguousError,
  LineageFilterError,
  LineageNotFoundError,
  LineageStoreError,
} from '../errors';
import { packageRoot } from '../package-root';
import { registerAlias } from './commands/alias';
import { registerArtifacts } from './commands/artifacts';
import { registerDiff } from './commands/diff';
import { registerExport } from './commands/export';
import { registerGc } from './commands/gc';
import { registerGraph } from './commands/graph';
import { registerMigrate } from './commands/migrate';
import { registerNote } from './commands/note';
import { registerReconcile } from './commands/reconcile';
import { registerRerun } from './commands/rerun';
import { registerRuns } from './commands/runs';
import { registerShow } from './commands/show';
import { registerTag } from './commands/tag';
import { registerTrace } from './commands/trace';
import { registerUi } from './commands/ui';
import { CliContext, type CliIo } from './context';
import { classify, EXIT_CODES } from './exit-codes';
import { wantsColor } from './output';
import { deferWasmTierUp } from './wasm-tiering';

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}

/**
 * The `lineage` program with every command registered; exits are turned into CommanderErrors.
 * With `--json`, commander's own error text is held back (see {@link CliContext.usageText}) so
 * that the error reaches stderr as one JSON document, like every other error.
 */
export function buildProgram(ctx: CliContext, json = false): Command {
  const program = new Command('lineage')
    .description(
      'Inspect the lineage that temporal-lineage recorded: runs, artifacts, graphs, diffs, exports.',
    )
    .version(version())
    .option(
      '--db <url|dir>',
      'a postgres:// URL or an embedded store folder (default: $DATABASE_URL, else .lineage)',
    )
    .option('--json', 'print the result as JSON (the documented, stable shapes)')
    // Settings before the commands: subcommands inherit them when they are created.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void ctx.io.stdout.write(text),
      writeErr: (text) => {
        if (json) ctx.usageText += text;
        else ctx.io.stderr.write(text);
      },
      outputError: (text, write) => {
        ctx.usageErrorShown = true;
        write(text);
      },
    })
    .showSuggestionAfterError();
  registerRuns(program, ctx);
  registerShow(program, ctx);
  registerTrace(program, ctx);
  registerArtifacts(program, ctx);
  registerGraph(program, ctx);
  registerDiff(program, ctx);
  registerExport(program, ctx);
  registerTag(program, ctx);
  registerNote(program, ctx);
  registerAlias(program, ctx);
  registerGc(program, ctx);
  registerMigrate(program, ctx);
  registerReconcile(program, ctx);
  registerRerun(program, ctx);
  registerUi(program, ctx);
  return program;
}

/** The error as a person should read it: lists one per line, and what to do next. */
function humanMessage(error: unknown, message: string): string {
  const list = (items: readonly string[]) => items.map((item) => `\n  ${item}`).join('');
  if (error instanceof LineageAmbiguousError) {
    const more =
      error.total > error.candidates.length ? `\n  … and ${error.total - error.candidates.length} more` : '';
    return `'${error.key}' matches ${error.total} ${error.kind}s; give more of it:${list(error.candidates)}${more}`;
  }
  if (error instanceof LineageNotFoundError) {
    const hint = error.suggestions.length > 0 ? `; did you mean:${list(error.suggestions)}` : '';
    return `no ${error.kind} matches '${error.key}'${hint}`;
  }
  if (error instanceof LineageStoreError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `cannot open the lineage store at ${error.target}${cause}\n  (the store is --db, else $DATABASE_URL, else ./.lineage)`;
  }
  return message;
}

/** Commander's message without its `error: ` prefix; its help-as-error says only `(outputHelp)`. */
function commanderMessage(error: CommanderError): string {
  if (error.code === 'commander.help') return 'a command is required; the usage lists them';
  return error.message.replace(/^error: /, '');
}

/** Fields a `--json` error document carries beside code, exitCode and message. */
function jsonExtra(error: unknown, ctx: CliContext): Record<string, unknown> {
  if (error instanceof LineageNotFoundError) return { suggestions: error.suggestions };
  if (error instanceof LineageAmbiguousError) return { candidates: error.candidates, total: error.total };
  if (error instanceof LineageFilterError)
    return { filter: error.filter, position: error.position, expected: error.expected };
  if (error instanceof CommanderError) {
    return {
      reason: error.code.replace(/^commander\./, ''),
      ...(error.code === 'commander.help' ? { usage: ctx.usageText } : {}),
    };
  }
  return {};
}

/** Prints a failure the way its kind deserves and returns the exit code (see {@link EXIT_CODES}). */
function report(error: unknown, ctx: CliContext, json: boolean): number {
  const { io } = ctx;
  const { exitCode, code } = classify(error);
  // Commander says 0 for --help and --version (which end up here too).
  if (error instanceof CommanderError && error.exitCode === 0) return EXIT_CODES.ok;
  const message =
    error instanceof CommanderError
      ? commanderMessage(error)
      : error instanceof Error
        ? error.message
        : String(error);
  if (json) {
    io.stderr.write(`${JSON.stringify({ error: { code, exitCode, message, ...jsonExtra(error, ctx) } })}\n`);
    return exitCode;
  }
  // Commander printed its own usage errors, but not an InvalidArgumentError a command's action threw.
  if (error instanceof CommanderError) {
    if (!ctx.usageErrorShown && error.code !== 'commander.help') io.stderr.write(`error: ${message}\n`);
    return exitCode;
  }
  const red = wantsColor(io.stderr, io.env) ? (s: string) => `\u001b[31m${s}\u001b[39m` : (s: string) => s;
  io.stderr.write(`${red('error:')} ${humanMessage(error, message)}\n`);
  if (code === 'INTERNAL') {
    const stack = error instanceof Error ? error.stack : undefined;
    if (io.env['LINEAGE_DEBUG'] && stack) io.stderr.write(`${stack}\n`);
    else io.stderr.write('(an unexpected error; set LINEAGE_DEBUG=1 to see the stack trace)\n');
  }
  return exitCode;
}

/**
 * Runs the CLI on `argv` (as in `process.argv`) and resolves to the exit code; never throws and
 * never calls `process.exit`, so output is flushed and embedders keep control.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
): Promise<number> {
  const ctx = new CliContext(io);
  const json = argv.includes('--json');
  if (io.stdout === process.stdout) {
    // `lineage … | head` closes the pipe early: stop quietly, as other command-line tools do.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT_CODES.ok);
      throw error;
    });
  }
  try {
    await buildProgram(ctx, json).parseAsync([...argv]);
    return ctx.exitCode;
  } catch (error) {
    return report(error, ctx, json);
  }
}

/**
 * `lineage` as a process of its own (bin/lineage.js, or this file run directly): the process is
 * the command's, so it may be tuned for a short life, and the exit code is the command's.
 */
export function runCliProcess(): void {
  deferWasmTierUp();
  void runCli(process.argv).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runCliProcess();
