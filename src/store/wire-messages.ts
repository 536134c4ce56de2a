/*
 * Just enough of the PostgreSQL wire protocol for the embedded store's server to pass whole
 * messages between its clients and PGlite: where one message ends, which ones end a client's
 * batch, and the status a ReadyForQuery carries.
 */

/** The first message of a connection has no type byte; these codes mark the special ones. */
const SSL_REQUEST = 80_877_103;
const GSS_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;

/** What the first message of a connection asks for. */
export type StartupKind = 'startup' | 'ssl' | 'cancel';

/** The length of the connection's first message, or undefined while it is incomplete. */
export function startupLength(buffer: Uint8Array): number | undefined {
  if (buffer.length < 8) return undefined;
  const length = readInt32(buffer, 0);
  return buffer.length >= length ? length : undefined;
}

export function startupKind(message: Uint8Array): StartupKind {
  const code = readInt32(message, 4);
  if (code === SSL_REQUEST || code === GSS_REQUEST) return 'ssl';
  if (code === CANCEL_REQUEST) return 'cancel';
  return 'startup';
}

/** One frontend message: its type byte and where it sits in the buffer it was read from. */
export interface FrontendMessage {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

/** The complete typed messages at the start of `buffer` (a partial last one is left out). */
export function completeMessages(buffer: Uint8Array): FrontendMessage[] {
  const messages: FrontendMessage[] = [];
  for (let at = 0; at + 5 <= buffer.length;) {
    const end = at + 1 + readInt32(buffer, at + 1);
    if (end > buffer.length) break;
    messages.push({ type: String.fromCharCode(buffer[at]!), start: at, end });
    at = end;
  }
  return messages;
}

/**
 * Messages after which the client waits for an answer: Sync and Flush in the extended protocol, a
 * simple Query, Terminate. Messages before one of these are held back until it arrives, so that
 * PGlite never sees half a pipeline.
 */
export const BATCH_ENDS = new Set(['S', 'H', 'Q', 'X']);

/** The name a Parse message gives its statement ('' for the unnamed one). */
export function parsedStatementName(buffer: Uint8Array, message: FrontendMessage): string {
  const from = message.start + 5;
  let to = from;
  while (to < message.end && buffer[to] !== 0) to++;
  return Buffer.from(buffer.buffer, buffer.byteOffset + from, to - from).toString('utf8');
}

/**
 * The status of the last ReadyForQuery in PGlite's answer: 'I' idle, 'T' in a transaction, 'E'
 * in a failed transaction; undefined when the answer holds none (after a Flush).
 */
export function lastReadyStatus(answer: Uint8Array): string | undefined {
  let status: string | undefined;
  for (let at = 0; at + 5 <= answer.length;) {
    const length = readInt32(answer, at + 1);
    if (answer[at] === 0x5a && at + 5 < answer.length) status = String.fromCharCode(answer[at + 5]!);
    at += 1 + length;
  }
  return status;
}

/** A frontend message of `type` with `body` after its length. */
export function frontendMessage(type: string, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const message = new Uint8Array(5 + body.length);
  message[0] = type.charCodeAt(0);
  new DataView(message.buffer).setInt32(1, 4 + body.length);
  message.set(body, 5);
  return message;
}

/** Close (statement `name`): forgets a prepared statement a departed client left behind. */
export function closeStatement(name: string): Uint8Array {
  const text = Buffer.from(`S${name}\0`, 'utf8');
  return frontendMessage('C', text);
}

export const SYNC = frontendMessage('S');

/** A simple Query message. */
export function simpleQuery(text: string): Uint8Array {
  return frontendMessage('Q', Buffer.from(`${text}\0`, 'utf8'));
}

function readInt32(buffer: Uint8Array, at: number): number {
  return ((buffer[at]! << 24) | (buffer[at + 1]! << 16) | (buffer[at + 2]! << 8) | buffer[at + 3]!) >>> 0;
}
