/**
 * `lineage ui --token`: with an access token, the web UI and its API answer only requests that
 * carry it (a bearer header, or the cookie it sets when opened with the printed `?token=` link);
 * it stays read-only and loopback-bound either way.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { startUiServer, type UiServer } from '../../src/ui/server';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

function call(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web UI with an access token', () => {
  const TOKEN = 'tok-3f9a 7/+=';
  let store: LineageStore;
  let guarded: UiServer;
  let open: UiServer;

  beforeAll(async () => {
    store = await openStore({ memory: true });
    guarded = await startUiServer({ store, port: 0, token: TOKEN });
    open = await startUiServer({ store, port: 0 });
  });
  afterAll(async () => {
    await Promise.all([guarded?.close(), open?.close()]);
    await store?.close();
  });

  it('binds loopback and prints a link that carries the token', () => {
    expect(guarded.host).toBe('127.0.0.1');
    expect(new URL(guarded.url).searchParams.get('token')).toBe(TOKEN);
  });

  it('refuses requests without the token, or with a wrong one', async () => {
    for (const headers of [{}, { Authorization: 'Bearer nope' }, { Cookie: 'lineage_ui_token=nope' }]) {
      expect((await call(guarded.port, '/api/store', headers)).status).toBe(401);
      expect((await call(guarded.port, '/', headers)).status).toBe(401);
    }
    expect((await call(guarded.port, '/?token=nope')).status).toBe(401);
  });

  it('answers a bearer token, and trades the link’s token for a cookie', async () => {
    expect((await call(guarded.port, '/api/store', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const link = await call(guarded.port, `/?token=${encodeURIComponent(TOKEN)}`);
    expect(link.status).toBe(303);
    expect(link.headers.location).toBe('/');
    const cookie = String(link.headers['set-cookie']).split(';')[0]!;
    expect(String(link.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await call(guarded.port, '/', { Cookie: cookie })).status).toBe(200);
    expect((await call(guarded.port, '/api/store', { Cookie: cookie })).status).toBe(200);
    // Still read-only with the token.
    expect((await call(guarded.port, '/api/store', { Cookie: cookie }, 'POST')).status).toBe(405);
  });

  it('needs nothing when no token is set', async () => {
    expect((await call(open.port, '/api/store')).status).toBe(200);
  });
});
