import type { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from './temporal-cli';

/** Options for {@link startDevServer}. */
export interface DevServerOptions {
  /** Frontend gRPC port; a free port is picked when omitted. */
  port?: number;
  /** Serve the Temporal web UI on this port; `false` (the default) runs headless, which starts faster. */
  uiPort?: number | false;
}

/** A running local Temporal dev server, from {@link startDevServer}. */
export interface DevServer {
  /** `host:port` of the frontend, for `Connection.connect` / `NativeConnection.connect`. */
  address: string;
  namespace: string;
  /** A client connection to the server, closed by {@link DevServer.teardown}. */
  connection: Connection;
  /** Closes the connection and stops the server process. */
  teardown(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` (in-memory, default namespace) for tests and the demo.
 *
 * Uses the CLI found by {@link findTemporalCli}, so runs work offline and pin the CLI version that
 * `npm run setup` installed; only without one does it fall back to the SDK downloading a CLI.
 *
 * @example
 * ```ts
 * const server = await startDevServer();
 * const client = new Client({ connection: server.connection, namespace: server.namespace });
 * // ...
 * await server.teardown();
 * ```
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const path = findTemporalCli();
  if (path === undefined) {
    console.warn(
      'temporal-lineage: Temporal CLI not found; the SDK will download one (needs internet). Run `npm run setup`.',
    );
  }
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ...(path !== undefined && { executable: { type: 'existing-path', path } }),
      ...(options.port !== undefined && { port: options.port }),
      ...(typeof options.uiPort === 'number' ? { ui: true, uiPort: options.uiPort } : { ui: false }),
    },
  });
  return {
    address: env.address,
    namespace: env.namespace ?? 'default',
    connection: env.connection,
    teardown: () => env.teardown(),
  };
}
