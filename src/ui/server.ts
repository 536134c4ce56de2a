import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LineageStore } from '../store/open-store';
import { checkAccess } from './access-token';
import { apiError, ApiRefusal, toApiError, type ApiError } from './api-errors';
import { matchRoute } from './api-routes';
import { loadStaticFiles, type StaticFile } from './static-files';
import { readJsonBody, refuseWrite } from './write-guard';
import { matchWriteRoute } from './write-routes';

/** Where and what {@link startUiServer} serves. */
export interface UiServerOptions {
  readonly store: LineageStore;
  /** Interface to listen on; loopback by default, so that the store is not shared by accident. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Where unexpected errors are reported (a 500's body deliberately says nothing). */
  readonly onError?: (error: unknown) => void;
  /** When set, only requests carrying this token are answered (see {@link checkAccess}). */
  readonly token?: string;
  /**
   * The token the page sends with changes (tags, notes, aliases); a random one per server when
   * omitted. The page reads it from `/api/session`, which another site's page cannot read.
   */
  readonly writeToken?: string;
}

/** A running web UI. */
export interface UiServer {
  /** `http://127.0.0.1:4300/` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export const DEFAULT_UI_PORT = 4300;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

// The page loads only its own scripts and styles; data is never HTML (see public/lib/dom.js).
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

function send(
  res: ServerResponse,
  status: number,
  body: Buffer | string,
  headers: Record<string, string>,
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...PAGE_HEADERS, ...headers, 'Content-Length': String(bytes.length) });
  res.end(bytes);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  send(res, status, JSON.stringify(value), {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
}

function sendError(res: ServerResponse, { status, body }: ApiError, headers: Record<string, string> = {}) {
  sendJson(res, status, body, headers);
}

/**
 * When listening on loopback, only requests addressed to a loopback name are answered: a web
 * page elsewhere could otherwise point a DNS name of its own at 127.0.0.1 (DNS rebinding) and
 * read the store through the visitor's browser.
 */
function hostAllowed(req: IncomingMessage, loopbackOnly: boolean): boolean {
  if (!loopbackOnly) return true;
  const host = req.headers.host ?? '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return LOOPBACK.has(name.toLowerCase());
}

async function handleApi(store: LineageStore, res: ServerResponse, url: URL, onError: (e: unknown) => void) {
  const segments = apiSegments(url);
  if (!segments) {
    return sendError(res, apiError(400, 'BAD_PATH', 'The path is not valid percent-encoded UTF-8.'));
  }
  const route = matchRoute(segments);
  if (!route) {
    return sendError(
      res,
      apiError(404, 'NO_ROUTE', `No API endpoint at ${url.pathname}; see the README's Web UI section.`, {
        path: url.pathname,
      }),
    );
  }
  try {
    sendJson(res, 200, await route.handler(store, route.args, url.searchParams));
  } catch (error) {
    const answer = toApiError(error);
    if (answer.status >= 500) onError(error);
    sendError(res, answer);
  }
}

/** The API path's segments, decoded; undefined when the path is not valid percent-encoding. */
function apiSegments(url: URL): string[] | undefined {
  try {
    // Split before decoding, so that an encoded slash (a run name's) stays inside its segment.
    return url.pathname.slice('/api/'.length).split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

type Write = NonNullable<ReturnType<typeof matchWriteRoute>>;

function writeRoute(method: string | undefined, url: URL): Write | undefined {
  if (!method || !url.pathname.startsWith('/api/')) return undefined;
  const segments = apiSegments(url);
  return segments && matchWriteRoute(method, segments);
}

async function handleWrite(
  store: LineageStore,
  req: IncomingMessage,
  res: ServerResponse,
  write: Write,
  onError: (e: unknown) => void,
) {
  try {
    const body = await readJsonBody(req);
    sendJson(res, 200, await write.handler(store, write.args, body));
  } catch (error) {
    const answer = error instanceof ApiRefusal ? error.answer : toApiError(error);
    if (answer.status >= 500) onError(error);
    sendError(res, answer);
  }
}

/**
 * Serves the lineage web page and its JSON API (`/api/…`, the same query layer as the CLI) from
 * an open store. Reads are GET and HEAD; the only changes it accepts are a team's tags, notes and
 * aliases, each from a page of this server carrying its write token (see {@link refuseWrite}).
 *
 * @example
 * const ui = await startUiServer({ store, port: 0 });
 * console.log(`open ${ui.url}`);
 * await ui.close();
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const { store, host = '127.0.0.1', port = DEFAULT_UI_PORT, token } = options;
  const writeToken = options.writeToken ?? randomBytes(24).toString('base64url');
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const files: Map<string, StaticFile> = loadStaticFiles();
  const loopbackOnly = LOOPBACK.has(host.toLowerCase());
  const server: Server = createServer((req, res) => {
    if (!hostAllowed(req, loopbackOnly)) {
      return sendError(
        res,
        apiError(403, 'FORBIDDEN_HOST', 'This server answers only to its loopback address.'),
      );
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://ui.invalid');
    } catch {
      return sendError(res, apiError(400, 'BAD_PATH', 'The request target is not a valid URL path.'));
    }
    const write = req.method === 'GET' || req.method === 'HEAD' ? undefined : writeRoute(req.method, url);
    if (req.method !== 'GET' && req.method !== 'HEAD' && !write) {
      return sendError(
        res,
        apiError(
          405,
          'METHOD_NOT_ALLOWED',
          `${req.method ?? '?'} is not allowed here: only tags, notes and aliases can be changed.`,
          { allowed: ['GET', 'HEAD'] },
        ),
        { Allow: 'GET, HEAD' },
      );
    }
    if (token !== undefined) {
      const access = checkAccess(req, url, token);
      if (access.kind === 'redirect') {
        return send(res, 303, '', { Location: access.location, 'Set-Cookie': access.cookie });
      }
      if (access.kind === 'denied') {
        return sendError(
          res,
          apiError(
            401,
            'TOKEN_REQUIRED',
            'This server needs its access token: open the link `lineage ui` printed.',
          ),
        );
      }
    }
    if (write) {
      const refused = refuseWrite(req, writeToken);
      if (refused) return sendError(res, refused);
      handleWrite(store, req, res, write, onError).catch((error: unknown) => {
        onError(error);
        if (!res.headersSent) sendError(res, toApiError(error));
      });
      return;
    }
    if (url.pathname === '/api/session') return sendJson(res, 200, { writeToken });
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      handleApi(store, res, url, onError).catch((error: unknown) => {
        onError(error);
        if (!res.headersSent) sendError(res, toApiError(error));
      });
      return;
    }
    const file = files.get(url.pathname);
    if (!file) return send(res, 404, 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' });
    send(res, 200, file.body, { 'Content-Type': file.contentType });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const urlHost = shown === '0.0.0.0' || shown === '[::]' ? 'localhost' : shown;
  return {
    url: `http://${urlHost}:${address.port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`,
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Browsers keep connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
