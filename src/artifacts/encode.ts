/**
 * A reversible, deterministic mapping from any JS value an activity may see to a JSON tree that
 * Postgres `jsonb` accepts. JSON alone loses `undefined`, bytes, dates, bigints, maps, NaN, and
 * jsonb rejects NUL characters and lone surrogates; each of those becomes a small tagged object
 * `{ "$lineage": kind, ... }` so that decoding gives the value back and re-encoding gives the
 * same canonical JSON, hence the same digest (DESIGN: recorded inputs must be enough to rerun).
 */

/** A JSON value as stored in the `value` column. */
export type EncodedValue =
  null | boolean | number | string | EncodedValue[] | { [key: string]: EncodedValue };

/** The key that marks a tagged object. A user object that owns this key is itself escaped. */
export const TAG = '$lineage';

/** Deeper than this, a value is replaced by an explicit `too-deep` marker instead of overflowing the stack. */
export const MAX_DEPTH = 1000;

const UNSAFE_STRING = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function tag(kind: string, fields: Record<string, EncodedValue> = {}): EncodedValue {
  return { [TAG]: kind, ...fields };
}

function encodeString(value: string): EncodedValue {
  // JSON.stringify escapes NUL and lone surrogates as \uXXXX text, which jsonb stores fine.
  return UNSAFE_STRING.test(value) ? tag('string', { json: JSON.stringify(value) }) : value;
}

function encodeNumber(value: number): EncodedValue {
  if (Number.isFinite(value)) return Object.is(value, -0) ? 0 : value;
  return tag('number', { value: String(value) });
}

/** Sorting by the encoded form makes Map and Set encodings independent of insertion order. */
function sortByJson(items: EncodedValue[]): EncodedValue[] {
  return items
    .map((item) => [JSON.stringify(item), item] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item);
}

function encodeObject(value: object, depth: number, seen: Set<object>): EncodedValue {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  const needsEscape = entries.some(([key]) => key === TAG || UNSAFE_STRING.test(key));
  if (needsEscape) {
    return tag('object', {
      entries: entries.map(([k, v]) => [encodeString(k), encodeAt(v, depth + 1, seen)]),
    });
  }
  const out: Record<string, EncodedValue> = {};
  for (const [k, v] of entries) out[k] = encodeAt(v, depth + 1, seen);
  return out;
}

function encodeAt(value: unknown, depth: number, seen: Set<object>): EncodedValue {
  if (depth > MAX_DEPTH) return tag('too-deep', { limit: MAX_DEPTH });
  switch (typeof value) {
    case 'string':
      return encodeString(value);
    case 'number':
      return encodeNumber(value);
    case 'boolean':
      return value;
    case 'bigint':
      return tag('bigint', { value: value.toString() });
    case 'undefined':
      return tag('undefined');
    case 'symbol':
    case 'function':
      return tag('unsupported', { kind: typeof value });
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return tag('cycle');
  seen.add(obj);
  try {
    return encodeComposite(obj, depth, seen);
  } finally {
    seen.delete(obj);
  }
}

function encodeComposite(obj: object, depth: number, seen: Set<object>): EncodedValue {
  if (ArrayBuffer.isView(obj)) {
    return tag('bytes', {
      base64: Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64'),
    });
  }
  if (obj instanceof ArrayBuffer) return tag('bytes', { base64: Buffer.from(obj).toString('base64') });
  if (obj instanceof Date)
    return tag('date', { iso: Number.isNaN(obj.getTime()) ? null : obj.toISOString() });
  if (Array.isArray(obj)) return Array.from(obj, (item: unknown) => encodeAt(item, depth + 1, seen));
  if (obj instanceof Map) {
    const entries = [...obj.entries()].map(([k, v]) => [
      encodeAt(k, depth + 1, seen),
      encodeAt(v, depth + 1, seen),
    ]);
    return tag('map', { entries: sortByJson(entries) });
  }
  if (obj instanceof Set)
    return tag('set', { values: sortByJson([...obj].map((v) => encodeAt(v, depth + 1, seen))) });
  if (obj instanceof Error) return tag('error', { name: obj.name, message: obj.message });
  // Mirror Temporal's JSON payload converter: a toJSON method decides what goes on the wire.
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encodeAt(toJSON.call(obj), depth + 1, seen);
  return encodeObject(obj, depth, seen);
}

/** Encodes a value into its storable, canonicalisable form. Never throws. */
export function encodeValue(value: unknown): EncodedValue {
  return encodeAt(value, 0, new Set());
}

/** Whether an encoded tree holds a marker that cannot be turned back into the original value. */
export function isReplayable(encoded: EncodedValue): boolean {
  if (encoded === null || typeof encoded !== 'object') return true;
  if (Array.isArray(encoded)) return encoded.every(isReplayable);
  const kind = encoded[TAG];
  if (kind === 'too-deep' || kind === 'cycle' || kind === 'unsupported') return false;
  return Object.values(encoded).every(isReplayable);
}

function decodeTagged(kind: string, node: Record<string, EncodedValue>): unknown {
  switch (kind) {
    case 'string':
      return JSON.parse(node.json as string) as string;
    case 'number':
      return Number(node.value);
    case 'bigint':
      return BigInt(node.value as string);
    case 'undefined':
      return undefined;
    case 'bytes':
      return new Uint8Array(Buffer.from(node.base64 as string, 'base64'));
    case 'date':
      return new Date(node.iso === null ? Number.NaN : (node.iso as string));
    case 'map':
      return new Map(
        (node.entries as EncodedValue[][]).map(([k, v]) => [decodeValue(k ?? null), decodeValue(v ?? null)]),
      );
    case 'set':
      return new Set((node.values as EncodedValue[]).map(decodeValue));
    case 'error':
      return Object.assign(new Error(node.message as string), { name: node.name as string });
    case 'object':
      return Object.fromEntries(
        (node.entries as EncodedValue[][]).map(([k, v]) => [
          decodeValue(k ?? null) as string,
          decodeValue(v ?? null),
        ]),
      );
    default:
      // too-deep, cycle, unsupported: the original is gone; give the marker itself back.
      return node;
  }
}

/** Inverse of {@link encodeValue} for every replayable value. */
export function decodeValue(encoded: EncodedValue): unknown {
  if (encoded === null || typeof encoded !== 'object') return encoded;
  if (Array.isArray(encoded)) return encoded.map(decodeValue);
  const kind = encoded[TAG];
  if (typeof kind === 'string') return decodeTagged(kind, encoded);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(encoded)) out[k] = decodeValue(v);
  return out;
}
