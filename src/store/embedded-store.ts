import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as PgliteModule from '@electric-sql/pglite';
import type * as DrizzlePglite from 'drizzle-orm/pglite';
import type * as DrizzlePgliteMigrator from 'drizzle-orm/pglite/migrator';
import type { SQL } from 'drizzle-orm';
import { LineageStoreInUseError } from '../errors';
import { serveEmbedded, type EmbeddedServer } from './embedded-server';
import { migrationsApplied, migrationsFolder } from './migrations';
import { refreshStaleStatistics } from './pglite-statistics';
import { takePidLock, type HeldLock, type LockHolder } from './pid-lock';
import { holdsDatabase, seedFromTemplate } from './store-template';
import * as schema from './schema';
import type { LineageDb, LineageStore } from './store-types';
import { openSocketClient } from './socket-client';

/* eslint-disable @typescript-eslint/no-require-imports */
const pgliteModule = () => require('@electric-sql/pglite') as typeof PgliteModule;
const drizzlePgliteModule = () => require('drizzle-orm/pglite') as typeof DrizzlePglite;
const pgliteMigrator = () => require('drizzle-orm/pglite/migrator') as typeof DrizzlePgliteMigrator;
/* eslint-enable @typescript-eslint/no-require-imports */

/** In an embedded store's folder: which process serves it (see {@link LineageStoreInUseError}). */
export const STORE_LOCK_FILE = 'lineage.lock';

/**
 * How long an opener waits for the process holding the folder to serve it: that process may be
 * creating and migrating the store, which on a loaded machine without the template takes seconds.
 */
const SERVE_WAIT_MS = 30_000;

/** Unix socket paths are limited to about 104 bytes; a longer one moves to the temp folder. */
const MAX_SOCKET_PATH = 100;

/** Where the process serving the store folder `dir` listens. */
export function socketPathFor(dir: string): string {
  const inside = join(dir, 'lineage.sock');
  if (Buffer.byteLength(inside) <= MAX_SOCKET_PATH) return inside;
  const key = createHash('sha256').update(dir).digest('hex').slice(0, 16);
  return join(tmpdir(), `temporal-lineage-${key}.sock`);
}

/** A store folder this process opened in PGlite and serves to the others. */
interface Hosted {
  readonly db: LineageDb;
  readonly rows: <T>(query: SQL) => Promise<T[]>;
  readonly close: () => Promise<void>;
}

/**
 * Opens the folder in PGlite (seeding a new one from the migrated template), migrates it, and
 * serves it on its socket. The caller holds the folder's lock; it is released on close.
 */
async function host(dir: string, lock: HeldLock): Promise<Hosted> {
  let server: EmbeddedServer | undefined;
  let pg: PgliteModule.PGlite | undefined;
  const close = async () => {
    try {
      await server?.close();
      await pg?.close();
    } finally {
      await lock.release();
    }
  };
  try {
    if (!holdsDatabase(dir)) await seedFromTemplate(dir);
    pg = await pgliteModule().PGlite.create(dir);
    const db = drizzlePgliteModule().drizzle(pg, { schema });
    const rows = async <T>(query: SQL) => (await db.execute(query)).rows as T[];
    const folder = migrationsFolder();
    if (!(await migrationsApplied(rows, folder)))
      await pgliteMigrator().migrate(db, { migrationsFolder: folder });
    await refreshStaleStatistics(rows);
    server = await serveEmbedded(pg, socketPathFor(dir));
    return { db, rows, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

function tryConnect(path: string): Promise<Socket | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      resolve(socket);
    });
    // Stays attached: postgres.js drops its own listeners when a connection closes, and a reset
    // reported after that (the serving process was killed) must not crash this process.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (connected) return;
      socket.destroy();
      // No socket file, or one a dead server left: nobody serves yet.
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') resolve(undefined);
      else reject(error);
    });
  });
}

/**
 * Connections to the process serving `dir`. When none serves (it exited or was killed), this
 * process takes the folder over and serves it itself; while another live process holds the folder
 * without serving it yet (it is opening it), waits for it.
 */
class ServedFolder {
  private hosted: Hosted | undefined;
  private taking: Promise<void> | undefined;
  private holder: LockHolder = { pid: 0, host: '' };
  private readonly lockFile: string;
  readonly socketPath: string;

  constructor(private readonly dir: string) {
    this.lockFile = join(dir, STORE_LOCK_FILE);
    this.socketPath = socketPathFor(dir);
  }

  async connect(): Promise<Socket> {
    const deadline = Date.now() + SERVE_WAIT_MS;
    for (;;) {
      const socket = await tryConnect(this.socketPath);
      if (socket) return socket;
      if (!this.hosted) {
        this.taking ??= this.takeOver().finally(() => (this.taking = undefined));
        await this.taking;
        if (this.hosted) continue;
      }
      if (Date.now() >= deadline) throw new LineageStoreInUseError(this.dir, this.holder, this.lockFile);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async takeOver(): Promise<void> {
    const taken = await takePidLock(this.lockFile);
    if ('holder' in taken) this.holder = taken.holder;
    else this.hosted = await host(this.dir, taken);
  }

  async close(): Promise<void> {
    await this.taking?.catch(() => {});
    await this.hosted?.close();
    this.hosted = undefined;
  }
}

/**
 * Opens the embedded store in folder `dir`. The first process to open it runs PGlite and serves
 * it on a Unix socket in the folder; every later opener on this machine — a second Worker, the
 * CLI, the UI, this same process again — is a client of that socket, and when the serving process
 * exits or dies, the next client to need a connection takes the folder over.
 */
export async function openEmbedded(dir: string, target: string): Promise<LineageStore> {
  mkdirSync(dir, { recursive: true });
  const taken = await takePidLock(join(dir, STORE_LOCK_FILE));
  if (!('holder' in taken)) {
    const { db, rows, close } = await host(dir, taken);
    return {
      db,
      driver: 'pglite',
      target,
      rows,
      // In-process: there is no network round trip or plan cache worth a second path.
      preparedRows: rows,
      close,
    };
  }
  const folder = new ServedFolder(dir);
  try {
    return await openSocketClient({ socket: () => folder.connect(), target, close: () => folder.close() });
  } catch (error) {
    await folder.close();
    throw error;
  }
}
