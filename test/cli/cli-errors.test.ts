/**
 * The CLI explains every failure: each usage mistake of every command, with and without --json,
 * is reported (one JSON document on stderr with --json) with the usage exit code; --where
 * mistakes name their column; and what it prints reads as a person would write it.
 */
import { createServer, type Socket } from 'node:net';
import type { Argument, Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { captureValue } from '../../src/artifacts/capture';
import { encodeValue } from '../../src/artifacts/encode';
import { FileDigester } from '../../src/artifacts/file-digest';
import { builtInArtifactTypes } from '../../src/artifacts/types';
import { CliContext, type CliIo } from '../../src/cli/context';
import { EXIT_CODES } from '../../src/cli/exit-codes';
import { buildProgram, runCli } from '../../src/cli/main';
import { INTERNAL_WORKFLOW_TYPES } from '../../src/query/runs';
import type { LineageStore } from '../../src/store/open-store';
import { createWriters } from '../../src/store/writers';
import { bareAttemptStart, bareRunStart } from '../support/records';
import { DRIVERS } from '../support/stores';
import { json, lineage, useCliStore } from './run-cli';

const settings = { types: builtInArtifactTypes, maxInlineBytes: 65_536, files: new FileDigester(1 << 20) };

/**
 * Runs recorded straight through the store's writers: one that wrote Metrics, one with
 * `undefined` as its argument and as an activity's input and output, one to diff it with, and one
 * of the workflow type that `lineage rerun execution` starts internally.
 */
async function recordRuns(store: LineageStore) {
  const { runs, attempts } = createWriters(store);
  const attempt = async (workflowId: string, input: unknown, output: unknown) => {
    const handle = await attempts.start(
      bareAttemptStart(workflowId, '1', await captureValue('args[0]', input, settings)),
    );
    await attempts.end(handle, {
      state: 'COMPLETE',
      endedAt: new Date(),
      outputDigest: `sha256:${workflowId}`,
      outputs: await captureValue('result', output, settings),
      error: null,
    });
  };
  await runs.start(bareRunStart('scored', 'scoring'));
  await attempt('scored', { kind: 'Dataset', uri: 's3://b/in.csv' }, { kind: 'Metrics', accuracy: 0.93 });
  await runs.start({ ...bareRunStart('undef', 'undefPipeline'), args: encodeValue([undefined, { n: 1 }]) });
  await attempt('undef', undefined, undefined);
  await runs.start({ ...bareRunStart('undef2', 'undefPipeline'), args: encodeValue([7, { n: 1 }]) });
  await runs.start(bareRunStart('internal-rerun', INTERNAL_WORKFLOW_TYPES[0]!));
}

describe.each(DRIVERS)('lineage CLI output on %s', (driver) => {
  const cli = useCliStore(driver, `cli_errors_${driver}`, recordRuns);
  // One at a time: an embedded store is served by whichever process opened it first.
  const run = (...args: string[]) => lineage(['--db', cli.db(), ...args]);

  it('--where: a value that does not fit the stored field is a usage error naming its column', async () => {
    const mismatch = await run('runs', '--where', 'Metrics.accuracy>high');
    expect(mismatch.code).toBe(EXIT_CODES.usage);
    expect(mismatch.stderr).toContain(
      `--where 'Metrics.accuracy>high': Metrics.accuracy holds numbers, not the string "high" at column 18; expected a number`,
    );
    const asJson = await run('runs', '--json', '--where', 'Metrics.accuracy = "0.9"');
    expect(asJson.code).toBe(EXIT_CODES.usage);
    expect(JSON.parse(asJson.stderr)).toMatchObject({
      error: {
        code: 'USAGE',
        exitCode: 2,
        filter: 'Metrics.accuracy = "0.9"',
        position: 20,
        expected: 'a number',
      },
    });
    const unknownField = await run('runs', '--where', 'Metrics.acuracy>0.5');
    expect(unknownField.code).toBe(0);
    expect(unknownField.stderr).toContain(
      "No runs match. No stored Metrics artifact has the field 'acuracy'.",
    );
  });

  it('show and diff print undefined as undefined', async () => {
    const shown = await run('show', 'undef');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^ {2}args\[0\] +undefined$/m);
    expect(shown.stdout).toMatch(/args\[0\] Value undefined a\d+\s+result Value undefined a\d+$/m);
    const diffed = await run('diff', 'undef', 'undef2');
    expect(diffed.code).toBe(0);
    expect(diffed.stdout).toMatch(/^ {2}undefPipeline\s+args\[0\]\s+undefined\s+7\s+changed$/m);
    expect(`${shown.stdout}${diffed.stdout}`).not.toContain('$lineage');
  });

  it('runs: the workflows that rerun single activities are listed only with --all', async () => {
    const names = async (...extra: string[]) =>
      json<{ runs: Array<{ workflowId: string }> }>(await run('runs', '--json', ...extra)).runs.map(
        (r) => r.workflowId,
      );
    expect((await names()).sort()).toEqual(['scored', 'undef', 'undef2']);
    expect((await names('--all')).sort()).toEqual(['internal-rerun', 'scored', 'undef', 'undef2']);
  });
});

/** Runs the program in this process, exactly as bin/lineage.js does, capturing what it prints. */
async function inProcess(args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: '/nonexistent-lineage-test-dir',
  };
  const code = await runCli(['node', 'lineage', '--db', '/nonexistent-lineage-test-dir/store', ...args], io);
  return { code, stdout, stderr, args };
}

/** What a command line needs before its options: the command path and a value for each argument. */
interface CommandCase {
  readonly path: string[];
  readonly args: readonly Argument[];
  readonly options: readonly Option[];
}

function commands(program: Command, path: string[] = []): CommandCase[] {
  return program.commands.flatMap((command) => {
    const here = [...path, command.name()];
    const own =
      command.commands.length > 0
        ? []
        : [{ path: here, args: command.registeredArguments, options: command.options }];
    return [...own, ...commands(command, here)];
  });
}

/** Every usage mistake the real program's commands and options allow, as argument lists. */
function usageMistakes(): string[][] {
  const program = buildProgram(
    new CliContext({ stdout: { write: () => 0 }, stderr: { write: () => 0 }, env: {}, cwd: '/' }),
  );
  const mistakes: string[][] = [['bogus-command'], [], ['rerun']];
  for (const { path, args, options } of commands(program)) {
    const required = args.filter((a) => a.required);
    const placeholders = required.map(() => 'x');
    mistakes.push([...path, ...placeholders, '--bogus-option']);
    if (required.length > 0) mistakes.push(path);
    for (const option of options) {
      if (!option.required) continue;
      mistakes.push([...path, ...placeholders, option.long!]);
      if (!option.parseArg) continue;
      // Only values the option's own parser refuses are mistakes (e.g. --keep-type takes any text).
      const refused = (() => {
        try {
          option.parseArg('nope%', undefined);
          return false;
        } catch {
          return true;
        }
      })();
      if (refused) mistakes.push([...path, ...placeholders, option.long!, 'nope%']);
    }
  }
  mistakes.push(['gc']);
  mistakes.push(['gc', '--older-than', '90d', '--before', '2025-01-01']);
  mistakes.push(['runs', '--where', 'Metrics.accuracy >>> 3']);
  return mistakes;
}

describe('lineage usage errors', () => {
  const mistakes = usageMistakes();

  it('covers every command, argument and value-taking option', () => {
    expect(mistakes.length).toBeGreaterThan(40);
    expect(mistakes).toContainEqual(['runs', '--limit', 'nope%']);
    expect(mistakes).toContainEqual(['rerun', 'execution']);
  });

  it('with --json: one JSON error document on stderr, exit code 2, nothing on stdout', async () => {
    const wrong: unknown[] = [];
    for (const args of mistakes) {
      const result = await inProcess([...args, '--json']);
      const lines = result.stderr.trimEnd().split('\n');
      let document: { error?: { code?: unknown; exitCode?: unknown; message?: unknown } } = {};
      try {
        document = JSON.parse(lines[0] ?? '') as typeof document;
      } catch {
        // Reported below.
      }
      const ok =
        result.code === EXIT_CODES.usage &&
        result.stdout === '' &&
        lines.length === 1 &&
        document.error?.code === 'USAGE' &&
        document.error.exitCode === EXIT_CODES.usage &&
        typeof document.error.message === 'string' &&
        document.error.message.length > 10 &&
        !document.error.message.startsWith('error:');
      if (!ok) wrong.push(result);
    }
    expect(wrong).toEqual([]);
  });

  it('without --json: a message on stderr, exit code 2', async () => {
    const wrong: unknown[] = [];
    for (const args of mistakes) {
      const result = await inProcess(args);
      if (result.code !== EXIT_CODES.usage || !/\S/.test(result.stderr)) wrong.push(result);
    }
    expect(wrong).toEqual([]);
  });

  it('the real binary: gc names what is missing, --where names the column, usage errors are JSON', async () => {
    const gc = await lineage(['gc']);
    expect(gc.code).toBe(EXIT_CODES.usage);
    expect(gc.stderr).toMatch(/^error: gc needs .*--older-than <age> .*--before <time>/);
    const where = await lineage(['runs', '--where', 'Metrics.accuracy >>> 3']);
    expect(where.code).toBe(EXIT_CODES.usage);
    expect(where.stderr).toContain(
      "unknown operator '>>>' at column 18; expected one of =, !=, >, >=, <, <=",
    );
    const limit = await lineage(['runs', '--limit', 'abc', '--json']);
    expect(limit.code).toBe(EXIT_CODES.usage);
    expect(JSON.parse(limit.stderr)).toMatchObject({
      error: {
        code: 'USAGE',
        exitCode: 2,
        reason: 'invalidArgument',
        message: expect.stringContaining("'abc'") as string,
      },
    });
    const missing = await lineage(['show', '--json']);
    expect(JSON.parse(missing.stderr)).toMatchObject({
      error: { code: 'USAGE', reason: 'missingArgument', message: "missing required argument 'run'" },
    });
  });
});

describe('lineage CLI against a store that cannot answer', () => {
  it('a port that accepts connections and never answers gives up (5), naming host and port', async () => {
    // A partitioned or overloaded server: TCP connects, the Postgres greeting never comes. The
    // helper's own deadline (30 s) is what fails the test if the CLI waits on it for good.
    const sockets: Socket[] = [];
    const server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = await lineage([
        'runs',
        '--db',
        `postgres://lineage:s3cret-pw@127.0.0.1:${port}/lineage`,
      ]);
      expect(result.code).toBe(EXIT_CODES.storeUnavailable);
      expect(result.stderr).toContain(`127.0.0.1:${port}`);
      expect(result.stderr).toMatch(/CONNECT_TIMEOUT/);
      expect(result.stderr).not.toContain('s3cret-pw');
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the test helper kills a command that outlives its deadline and fails with its output', async () => {
    await expect(lineage(['--version'], {}, 1)).rejects.toThrow(
      /lineage --version ran over 1 ms and was killed/,
    );
  });
});
