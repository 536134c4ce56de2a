import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { openLineageEvents } from '../../export/openlineage';
import type { CliContext } from '../context';

interface ExportOptions {
  format: 'openlineage';
  run?: string;
  namespace: string;
  output?: string;
}

function parseFormat(text: string): 'openlineage' {
  if (text !== 'openlineage')
    throw new InvalidArgumentError(`'${text}' is not an export format (openlineage)`);
  return text;
}

/**
 * `lineage export --format openlineage`: OpenLineage RunEvents as JSON Lines, one per line, to
 * stdout or `--output FILE` — ready for Marquez's `/api/v1/lineage` or any OpenLineage consumer.
 */
export function registerExport(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('export lineage as OpenLineage 2-0-2 RunEvents, one JSON document per line')
    .requiredOption('--format <format>', 'openlineage', parseFormat)
    .option('--run <run>', 'only this run and its child runs')
    .option('--namespace <namespace>', 'OpenLineage job namespace', 'temporal')
    .option('--output <file>', 'write the events to this file instead of stdout')
    .action(async (options: ExportOptions, command: Command) => {
      await ctx.withStore(command, async (store, out) => {
        const events = openLineageEvents(store, {
          namespace: options.namespace,
          ...(options.run ? { run: options.run } : {}),
        });
        const file = options.output ? resolve(ctx.io.cwd, options.output) : undefined;
        const sink = file ? createWriteStream(file) : undefined;
        let count = 0;
        for await (const event of events) {
          const line = `${JSON.stringify(event)}\n`;
          // Honour back-pressure: a large store must not pile up in memory ahead of a slow pipe.
          const target = sink ?? out.stdout;
          if (target.write(line) === false && 'once' in target) {
            await new Promise((done) => (target as NodeJS.WritableStream).once('drain', done));
          }
          count++;
        }
        if (sink) {
          sink.end();
          await finished(sink);
          if (out.json) out.data({ format: 'openlineage', events: count, output: file });
          else out.line(`wrote ${count} OpenLineage events to ${file}`);
        }
      });
    });
}
