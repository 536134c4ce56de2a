import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The cookie that carries the token once the page was opened with `?token=`. */
const COOKIE = 'lineage_ui_token';

/** What to do with a request to a server that has an access token. */
export type Access =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'denied' }
  /** The token came in the URL: set it as a cookie and send the browser to the URL without it. */
  | { readonly kind: 'redirect'; readonly location: string; readonly cookie: string };

/** Equal in constant time, whatever the lengths (hashing first makes them equal). */
function same(given: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/**
 * The optional access token of `lineage ui --token`: a request is answered when it carries the
 * token as `Authorization: Bearer <token>` (scripts), as the cookie the server set (the page's own
 * requests), or as `?token=` in the URL (the link the CLI prints), which is then traded for the
 * cookie and removed from the address bar so that it does not linger in history or screenshots.
 */
export function checkAccess(req: IncomingMessage, url: URL, token: string): Access {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer !== undefined && same(bearer, token)) return { kind: 'allowed' };
  const cookie = cookieToken(req);
  if (cookie !== undefined && same(cookie, token)) return { kind: 'allowed' };
  const inUrl = url.searchParams.get('token');
  if (inUrl !== null && same(inUrl, token)) {
    const clean = new URL(url);
    clean.searchParams.delete('token');
    return {
      kind: 'redirect',
      location: `${clean.pathname}${clean.search}`,
      cookie: `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
    };
  }
  return { kind: 'denied' };
}
