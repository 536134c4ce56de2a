import { InvalidArgumentError, type Command } from 'commander';
import { LineageError } from '../../errors';
import { DEFAULT_UI_PORT, startUiServer } from '../../ui/server';
import type { CliContext } from '../context';

interface UiOptions {
  port: number;
  host: string;
  token?: string;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new InvalidArgumentError(`--port must be 0 to 65535 (0 picks a free port), got '${text}'`);
  return port;
}

/** Resolves on the first Ctrl+C (or SIGTERM), which then stops the server instead of the process. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `lineage ui`: the web page (runs, run graphs, provenance, comparisons) and its read-only JSON API. */
export function registerUi(program: Command, ctx: CliContext): void {
  program
    .command('ui')
    .description('serve the lineage web page: runs, run graphs, artifact provenance, run comparison')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, DEFAULT_UI_PORT)
    .option(
      '--host <host>',
      'interface to listen on; anything but loopback shares the store with the network',
      '127.0.0.1',
    )
    .option(
      '--token <token>',
      'answer only requests carrying this access token (default: $LINEAGE_UI_TOKEN; none)',
    )
    .action(async (options: UiOptions, command: Command) => {
      const token = options.token ?? (ctx.io.env['LINEAGE_UI_TOKEN'] || undefined);
      await ctx.withStore(
        command,
        async (store, out) => {
          const server = await startUiServer({
            store,
            host: options.host,
            port: options.port,
            ...(token ? { token } : {}),
          }).catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'EADDRINUSE')
              throw new LineageError(
                `port ${options.port} is in use; pick another with --port (0: any free one)`,
              );
            if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
              throw new LineageError(`cannot listen on ${options.host}: not an address of this machine`);
            throw error;
          });
          if (out.json)
            out.data({ url: server.url, host: server.host, port: server.port, store: store.target });
          else out.line(`Lineage UI on ${out.c.bold(server.url)}  (store ${store.target}; Ctrl+C to stop)`);
          if (!['127.0.0.1', '::1'].includes(server.host))
            out.note(`listening on ${server.host}: anyone who can reach this machine can read the store`);
          await untilStopped();
          await server.close();
        },
        // An empty store still gets a page, one that says how to record something.
        { allowEmpty: true },
      );
    });
}
