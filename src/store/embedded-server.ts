import { createServer, type Server, type Socket } from 'node:net';
import { unlink } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import {
  BATCH_ENDS,
  closeStatement,
  completeMessages,
  lastReadyStatus,
  parsedStatementName,
  simpleQuery,
  startupKind,
  startupLength,
  SYNC,
} from './wire-messages';

/** An embedded store served to this machine's other processes on a Unix socket. */
export interface EmbeddedServer {
  readonly socketPath: string;
  /** Stops listening and drops every client (they reconnect to whoever serves next). */
  close(): Promise<void>;
}

/** Lets another client have PGlite. */
type Release = () => void;

/**
 * Takes PGlite for one client: its transaction lock, which every in-process query and transaction
 * of the serving process takes too, so that neither side's statements land inside the other's.
 */
function takeTurn(pg: PGlite): Promise<Release> {
  return new Promise((granted) => {
    void pg._runExclusiveTransaction(() => new Promise<void>((release) => granted(release)));
  });
}

/**
 * One client connection. PGlite is a single session shared by all clients, so a client keeps it
 * from its first message until its session is idle again (ReadyForQuery 'I'): another client's
 * messages never land between a Parse and its Sync, nor inside an open transaction. A client that
 * leaves mid-transaction is rolled back, and the statements it prepared are closed.
 */
class ClientSession {
  private pending: Uint8Array = new Uint8Array(0);
  private started = false;
  private release: Release | undefined;
  private status = 'I';
  private readonly statements = new Set<string>();
  private work: Promise<void> = Promise.resolve();
  private gone = false;
  readonly finished: Promise<void>;
  private finish!: () => void;

  constructor(
    private readonly pg: PGlite,
    private readonly socket: Socket,
  ) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
    socket.on('data', (chunk: Buffer) => {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      this.enqueue(() => this.pump());
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.gone = true;
      this.enqueue(() => this.leave());
      void this.work.then(this.finish);
    });
  }

  /** Runs steps one after another, so that a client's batches reach PGlite in the order sent. */
  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch(() => {
      this.socket.destroy();
    });
  }

  private async run(message: Uint8Array): Promise<Uint8Array> {
    this.release ??= await takeTurn(this.pg);
    return this.pg.runExclusive(() => this.pg.execProtocolRaw(message));
  }

  private send(answer: Uint8Array): void {
    if (!this.gone && answer.length > 0) this.socket.write(answer);
  }

  private async pump(): Promise<void> {
    if (!this.started && !(await this.startup())) return;
    for (;;) {
      if (this.gone) return;
      const messages = completeMessages(this.pending);
      let last = -1;
      for (let i = messages.length - 1; i >= 0; i--) {
        if (BATCH_ENDS.has(messages[i]!.type)) {
          last = i;
          break;
        }
      }
      if (last < 0) return;
      const end = messages[last]!.end;
      const batch = this.pending.subarray(0, end);
      this.pending = this.pending.subarray(end);
      for (const message of messages.slice(0, last + 1)) {
        if (message.type === 'P') {
          const name = parsedStatementName(batch, message);
          if (name !== '') this.statements.add(name);
        }
      }
      if (messages[last]!.type === 'X') {
        this.socket.end();
        return;
      }
      const answer = await this.run(batch);
      this.send(answer);
      // A batch ending in Flush leaves the client mid-pipeline (it will Bind what it just parsed),
      // whatever a Sync earlier in the batch answered: it keeps its turn.
      this.status = messages[last]!.type === 'H' ? 'busy' : (lastReadyStatus(answer) ?? 'busy');
      this.idle();
    }
  }

  /** Drops the connection (the server is closing). */
  drop(): void {
    this.socket.destroy();
  }

  /** Answers the connection's first message; false while it is still incomplete. */
  private async startup(): Promise<boolean> {
    const length = startupLength(this.pending);
    if (length === undefined) return false;
    const message = this.pending.subarray(0, length);
    this.pending = this.pending.subarray(length);
    const kind = startupKind(message);
    if (kind === 'ssl') {
      // No TLS on a local socket; the client then sends its startup message in the clear.
      this.socket.write('N');
      return this.pending.length > 0 && this.startup();
    }
    if (kind === 'cancel') {
      this.socket.destroy();
      return false;
    }
    this.send(await this.run(message));
    this.started = true;
    this.idle();
    return true;
  }

  private idle(): void {
    if (this.status !== 'I' || !this.release) return;
    if (completeMessages(this.pending).some((m) => BATCH_ENDS.has(m.type))) return;
    const release = this.release;
    this.release = undefined;
    release();
  }

  /** Puts PGlite's session back as an idle one for the next client. */
  private async leave(): Promise<void> {
    if (!this.started) return;
    const cleanup: Uint8Array[] = [];
    // A pipeline left without its Sync, a transaction left open: end both.
    if (this.status !== 'I') cleanup.push(SYNC, simpleQuery('ROLLBACK'));
    if (this.statements.size > 0) {
      for (const name of this.statements) cleanup.push(closeStatement(name));
      cleanup.push(SYNC);
    }
    try {
      if (cleanup.length > 0) await this.run(Buffer.concat(cleanup));
    } finally {
      this.status = 'I';
      const release = this.release;
      this.release = undefined;
      release?.();
    }
  }
}

/**
 * Serves PGlite on `socketPath` (a file that must not be in use: the caller holds the store's lock,
 * so one left there is a dead server's).
 */
export async function serveEmbedded(pg: PGlite, socketPath: string): Promise<EmbeddedServer> {
  await unlink(socketPath).catch(() => {});
  const sessions = new Set<ClientSession>();
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    const session = new ClientSession(pg, socket);
    sessions.add(session);
    void session.finished.then(() => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Serving must not keep a process alive that is otherwise done (a CLI command, a finished test).
  server.unref();
  return {
    socketPath,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const finished = [...sessions].map((session) => session.finished);
      for (const session of sessions) session.drop();
      await Promise.all(finished);
      await closed;
      await unlink(socketPath).catch(() => {});
    },
  };
}
