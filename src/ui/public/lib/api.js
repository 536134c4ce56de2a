/** A failed API call, with the server's `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** GETs `/api/<path>` with query params (arrays repeat); aborts with `signal`. */
export async function api(path, params = {}, signal) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== '') search.append(key, String(v));
    }
  }
  const qs = search.toString();
  const response = await fetch(`/api/${path}${qs ? `?${qs}` : ''}`, {
    signal,
    headers: { Accept: 'application/json' },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** A path segment for a run name, which contains a slash. */
export const seg = (text) => encodeURIComponent(String(text));
