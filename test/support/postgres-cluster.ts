import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PostgreSQL server the tests may create databases on. */
export interface PostgresCluster {
  /** Superuser URL of the `postgres` database. */
  url: string;
  /** Stops the server and deletes its data directory (no-op for `TEST_DATABASE_URL`). */
  stop(): Promise<void>;
  /**
   * Stops the server (fast shutdown: sessions are cut), keeping its data, and starts it again on
   * the same port: for tests of a store that goes away mid-run. Only on a cluster started with
   * `{ throwaway: true }`.
   */
  stopServer(): void;
  startServer(): void;
}

function serverBinDir(): string {
  const debianRoot = '/usr/lib/postgresql';
  const candidates = existsSync(debianRoot)
    ? readdirSync(debianRoot)
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => join(debianRoot, version, 'bin'))
    : [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // No pg_config: only the Debian layout is left to try.
  }
  const dir = candidates.find((candidate) => existsSync(join(candidate, 'postgres')));
  if (dir === undefined) throw new Error('PostgreSQL server binaries not found; run `npm run setup`.');
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts a throwaway PostgreSQL cluster (trust auth, fsync off) on a free 127.0.0.1 port, or returns
 * the server named by `TEST_DATABASE_URL` when that is set.
 */
export async function startPostgresCluster(options: { throwaway?: boolean } = {}): Promise<PostgresCluster> {
  const external = process.env['TEST_DATABASE_URL'];
  if (external && !options.throwaway) {
    const refuse = () => {
      throw new Error('a TEST_DATABASE_URL server cannot be stopped by a test');
    };
    return { url: external, stop: async () => {}, stopServer: refuse, startServer: refuse };
  }

  const bin = serverBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'lineage-pg-'));
  const data = join(dir, 'data');
  // The server refuses to run as root, so as root everything runs as the `postgres` OS user.
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]): void => {
    const [command, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    execFileSync(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, id('-u'), id('-g'));
  }
  const stop = async (): Promise<void> => {
    try {
      run('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const port = await freePort();
    // Durability is pointless for a throwaway cluster; many connections because each fork and worker has a pool.
    appendFileSync(
      join(data, 'postgresql.conf'),
      [
        `port = ${port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${dir.replaceAll("'", "''")}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 200',
      ].join('\n') + '\n',
    );
    // `-w` returns once the server accepts connections.
    const startServer = () =>
      run('pg_ctl', ['start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60']);
    startServer();
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop,
      stopServer: () => run('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']),
      startServer,
    };
  } catch (error) {
    // The server log is the only place that says why startup failed, and stop() deletes it.
    const log = join(dir, 'server.log');
    const detail = existsSync(log) ? `\n--- server.log ---\n${readFileSync(log, 'utf8')}` : '';
    await stop().catch(() => {});
    throw new Error(`could not start PostgreSQL: ${String(error)}${detail}`, { cause: error });
  }
}
