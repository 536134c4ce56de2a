import { InvalidArgumentError, type Command } from 'commander';
import type { LineageStore } from '../store/open-store';
import { EXIT_CODES } from './exit-codes';
import { Output, type OutStream } from './output';
import { locateStore, openCliStore, requireRuns } from './store';

/** The process the CLI talks to; tests and embedders can pass their own. */
export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Options every command accepts (declared once, on the program). */
export interface GlobalOptions {
  readonly db?: string;
  readonly json?: boolean;
}

/** What a command module needs: output, and the store opened for the duration of its action. */
export class CliContext {
  /**
   * The exit code of a command that succeeded but has a verdict to report (e.g. a rerun whose
   * outputs differ), so that scripts can branch on it without parsing output.
   */
  exitCode: number = EXIT_CODES.ok;

  /** Whether commander has printed a usage error itself (it does for those it finds while parsing). */
  usageErrorShown = false;

  /** With `--json`: what commander would have written to stderr (usage text), held for the error document. */
  usageText = '';

  constructor(readonly io: CliIo) {}

  output(command: Command): Output {
    const { json } = command.optsWithGlobals<GlobalOptions>();
    return new Output(this.io.stdout, this.io.stderr, json === true, this.io.env);
  }

  /**
   * Runs `body` with the store open and closes it afterwards, also on failure (PGlite allows one
   * opener per folder, so a leaked handle would lock the next command out). By default the store
   * must hold at least one run, so that lookups on an empty store say how to record something.
   */
  async withStore(
    command: Command,
    body: (store: LineageStore, out: Output) => Promise<void>,
    options: { create?: boolean; allowEmpty?: boolean } = {},
  ): Promise<void> {
    const { db } = command.optsWithGlobals<GlobalOptions>();
    const where = locateStore(db, this.io.env, this.io.cwd);
    const store = await openCliStore(where, options.create ? { create: true } : {});
    try {
      if (!options.allowEmpty) await requireRuns(store);
      await body(store, this.output(command));
    } finally {
      await store.close();
    }
  }
}

/** Parses a whole-number option value, for commander's `argParser`; a bad one is a usage error. */
export function wholeNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a whole number, got '${value}'`);
    return n;
  };
}
