import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../dev/dev-server';
import { findTemporalCli } from '../dev/temporal-cli';

/**
 * {@link startDevServer}, minus the CLI's start-up banner and server log lines on our stdout and
 * stderr: the dev server process inherits them and neither the SDK nor the CLI can silence it, so
 * the CLI is run through a tiny wrapper (via `TEMPORAL_CLI_PATH`) that sends both to a log file.
 * Falls back to the plain server where no shell wrapper can be used.
 */
export async function startQuietDevServer(): Promise<DevServer & { log: string | undefined }> {
  const cli = findTemporalCli();
  if (cli === undefined || process.platform === 'win32')
    return { ...(await startDevServer()), log: undefined };
  const dir = mkdtempSync(join(tmpdir(), 'lineage-devserver-'));
  const [wrapper, log] = [join(dir, 'temporal'), join(dir, 'server.log')];
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  // `exec` keeps one process, so the SDK's shutdown signal reaches the server itself.
  writeFileSync(wrapper, `#!/bin/sh\nexec ${quote(cli)} "$@" >>${quote(log)} 2>&1\n`);
  chmodSync(wrapper, 0o755);
  const previous = process.env['TEMPORAL_CLI_PATH'];
  process.env['TEMPORAL_CLI_PATH'] = wrapper;
  let server: DevServer;
  try {
    server = await startDevServer();
  } catch (error) {
    console.error(`Temporal dev server failed to start; its output is in ${log}`);
    throw error;
  } finally {
    if (previous === undefined) delete process.env['TEMPORAL_CLI_PATH'];
    else process.env['TEMPORAL_CLI_PATH'] = previous;
  }
  return {
    ...server,
    log,
    teardown: async () => {
      await server.teardown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
