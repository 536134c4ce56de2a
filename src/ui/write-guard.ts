import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { apiError, ApiRefusal, type ApiError } from './api-errors';

/** The header the page sends its write token in; a custom header also makes any cross-origin write a preflighted request, which this server never approves. */
export const WRITE_TOKEN_HEADER = 'x-lineage-token';

/** Largest request body a write accepts: a note is at most 20,000 characters. */
export const MAX_WRITE_BODY = 128 * 1024;

function same(given: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * Whether a request may change the store: it must carry the server's write token, come from a page
 * of this very server (`Origin` equal to `http://<Host>`, so another site open in the same
 * browser cannot post here), and send JSON. Returns the refusal, or undefined when allowed.
 */
export function refuseWrite(req: IncomingMessage, writeToken: string): ApiError | undefined {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (!origin || !host || origin.toLowerCase() !== `http://${host.toLowerCase()}`) {
    return apiError(403, 'FORBIDDEN_ORIGIN', 'Changes are accepted only from pages of this server.', {
      origin: origin ?? null,
    });
  }
  const given = req.headers[WRITE_TOKEN_HEADER];
  if (typeof given !== 'string' || !same(given, writeToken)) {
    return apiError(
      403,
      'WRITE_TOKEN_REQUIRED',
      `Changes need the page's write token in ${WRITE_TOKEN_HEADER}.`,
    );
  }
  if (req.method === 'POST' && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    return apiError(415, 'JSON_REQUIRED', 'Send the change as application/json.');
  }
  return undefined;
}

/** The request body as JSON, refused past {@link MAX_WRITE_BODY}. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_WRITE_BODY)
      throw new ApiRefusal(apiError(413, 'TOO_LARGE', `A change is at most ${MAX_WRITE_BODY} bytes.`));
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ApiRefusal(apiError(400, 'BAD_JSON', 'The body is not valid JSON.'));
  }
}
