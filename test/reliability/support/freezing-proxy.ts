import { connect, createServer, type Socket } from 'node:net';

/** A TCP proxy to a Postgres server whose open connections can be made to stop answering. */
export interface FreezingProxy {
  /** `targetUrl` with its host and port replaced by the proxy's. */
  readonly url: string;
  /**
   * Stops forwarding on every connection open now, in both directions, without closing it: what a
   * partition or a frozen server looks like to the client. Connections opened later work normally.
   * Returns how many connections it froze.
   */
  freeze(): number;
  close(): Promise<void>;
}

export async function startFreezingProxy(targetUrl: string): Promise<FreezingProxy> {
  const target = new URL(targetUrl);
  const live = new Set<[Socket, Socket]>();
  const frozen = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    live.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      live.delete(pair);
      frozen.delete(pair);
    };
    for (const socket of pair) socket.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    freeze() {
      const count = live.size;
      for (const pair of live) {
        const [client, upstream] = pair;
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        frozen.add(pair);
      }
      live.clear();
      return count;
    },
    async close() {
      for (const [client, upstream] of [...live, ...frozen]) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
