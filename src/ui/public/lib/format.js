const pad = (n) => String(n).padStart(2, '0');

/** Local time as `2025-11-26 15:47:59`: sortable and unambiguous. */
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `3 min ago`, for a glance; the exact time goes in the title. */
export function formatAgo(iso, now = Date.now()) {
  if (!iso) return '';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** The CLI's durations: `850 ms`, `1.2 s`, `3 m 05 s`, `1 h 02 m`. */
export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} m`;
}

/** Numbers as people compare them: 4 significant digits, integers whole. */
export function formatNumber(n) {
  if (n === null || n === undefined) return '—';
  if (typeof n !== 'number') return String(n);
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}

/**
 * `iris-training/01a2188a-cc14` for `iris-training/01a2188a-cc14-…`, as the CLI prints it: run ids
 * are UUIDv7, whose first 8 digits are the same for runs started minutes apart.
 */
export function shortRun(name) {
  const slash = name.lastIndexOf('/');
  return slash < 0 ? name : `${name.slice(0, slash)}/${name.slice(slash + 1, slash + 14)}`;
}

/** The first 12 hex digits of a `sha256:` digest. */
export function shortDigest(digest) {
  return digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '';
}

/** A one-line preview of a stored value (the CLI's rules: nested containers collapse). */
export function preview(value, max = 80) {
  const one = (v, depth) => {
    if (typeof v === 'number') return formatNumber(v);
    if (Array.isArray(v)) return depth > 0 ? '[…]' : `[${v.map((x) => one(x, depth + 1)).join(', ')}]`;
    if (v !== null && typeof v === 'object') {
      if (depth > 0) return '{…}';
      return `{${Object.entries(v)
        .map(([k, x]) => `${k}: ${one(x, depth + 1)}`)
        .join(', ')}}`;
    }
    return JSON.stringify(v) ?? String(v);
  };
  const text = one(value, 0);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Pretty JSON, cut at `max` characters with a note saying so. */
export function prettyJson(value, max = 4000) {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

/** The last segment of a URI. */
export function basename(uri) {
  const trimmed = uri.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash >= 0 && slash < trimmed.length - 1 ? trimmed.slice(slash + 1) : uri;
}

/** `1.2 kB` */
export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
