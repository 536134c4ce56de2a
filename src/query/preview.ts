import { TAG } from '../artifacts/encode';

/**
 * One-line previews of stored values, for graph labels and terminal tables: nested containers
 * collapse to `{…}`/`[…]`, numbers keep 4 significant digits, and the line is cut at `max`
 * characters with an explicit `…` (a preview, never the stored value).
 */
export function previewValue(value: unknown, max = 60): string {
  const text = preview(value, 0);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** How `undefined` is stored: the encoding's tagged object `{ "$lineage": "undefined" }`. */
const isStoredUndefined = (value: unknown) =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  (value as Record<string, unknown>)[TAG] === 'undefined';

/**
 * A stored value as compact JSON, but with `undefined` written as a person would write it rather
 * than as its stored tag: `[1, undefined]` reads `[1,undefined]`.
 */
export function compactJson(value: unknown): string {
  if (value === undefined || isStoredUndefined(value)) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(compactJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${compactJson(v)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function preview(value: unknown, depth: number): string {
  if (isStoredUndefined(value)) return 'undefined';
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  }
  if (Array.isArray(value)) {
    return depth > 0 ? '[…]' : `[${value.map((v) => preview(v, depth + 1)).join(', ')}]`;
  }
  if (value !== null && typeof value === 'object') {
    if (depth > 0) return '{…}';
    const entries = Object.entries(value).map(([k, v]) => `${k}: ${preview(v, depth + 1)}`);
    return `{${entries.join(', ')}}`;
  }
  return JSON.stringify(value) ?? String(value);
}

/** The last path segment of a URI (`model-3f2a.json`), or the URI itself when it has none. */
export function uriBasename(uri: string): string {
  const trimmed = uri.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash >= 0 && slash < trimmed.length - 1 ? trimmed.slice(slash + 1) : uri;
}

/**
 * The numeric fields of a value as `name=value`, e.g. `accuracy=0.9556 testRows=45` for a
 * Metrics artifact; empty when it has none.
 */
export function numericFields(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return '';
  return Object.entries(value)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([k, v]) => `${k}=${preview(v, 1)}`)
    .join(' ');
}

/** `850 ms`, `1.2 s`, `3 m 05 s`, `1 h 02 m`: short enough for a graph label or a table cell. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}
