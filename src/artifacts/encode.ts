/**
 * A reversible, deterministic mapping from any JS value an activity may see to a JSON tree that
 * Postgres `jsonb` accepts. JSON alone loses `undefined`, bytes, dates, bigints, maps, NaN, and
 * jsonb rejects NUL characters and lone surrogates; each of those becomes a small tagged object
 * `{ "$lineage": kind, ... }` so that decoding gives the value back and re-encoding gives the
 * same canonical JSON, hence the same digest (DESIGN: recorded inputs must be enough to rerun).
 *
 * Built-in kinds are recognised with `node:util` type checks rather than `instanceof`, which
 * fails for objects made in another realm (a workflow sandbox's Map or Date).
 */
import { types } from 'node:util';
import { childPath } from './paths';
import { NO_REDACTION, type Redaction } from './redact';
import { UNSAFE_TEXT } from './safe-text';

/** A JSON value as stored in the `value` column. */
export type EncodedValue =
  null | boolean | number | string | EncodedValue[] | { [key: string]: EncodedValue };

/** The key that marks a tagged object. A user object that owns this key is itself escaped. */
export const TAG = '$lineage';

/** Deeper than this, a value is replaced by an explicit `too-deep` marker instead of overflowing the stack. */
export const MAX_DEPTH = 1000;

/** Markers that stand for a value capture did not keep: decoding cannot give the original back. */
const LOSSY = new Set(['too-deep', 'cycle', 'unsupported', 'uncapturable', 'redacted']);

/** Typed-array views other than Uint8Array keep their class name so that decoding rebuilds them. */
const VIEWS: Record<string, (bytes: Uint8Array) => ArrayBufferView> = {
  Int8Array: (b) => new Int8Array(b.buffer, b.byteOffset, b.byteLength),
  Uint8ClampedArray: (b) => new Uint8ClampedArray(b.buffer, b.byteOffset, b.byteLength),
  Int16Array: (b) => new Int16Array(b.buffer, b.byteOffset, b.byteLength / 2),
  Uint16Array: (b) => new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2),
  Int32Array: (b) => new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4),
  Uint32Array: (b) => new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4),
  Float32Array: (b) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4),
  Float64Array: (b) => new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8),
  BigInt64Array: (b) => new BigInt64Array(b.buffer, b.byteOffset, b.byteLength / 8),
  BigUint64Array: (b) => new BigUint64Array(b.buffer, b.byteOffset, b.byteLength / 8),
  DataView: (b) => new DataView(b.buffer, b.byteOffset, b.byteLength),
};

/** Built-in error classes, so that a decoded TypeError is a TypeError again. */
const ERRORS: Record<string, ErrorConstructor | undefined> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

export function tag(kind: string, fields: Record<string, EncodedValue> = {}): EncodedValue {
  return { [TAG]: kind, ...fields };
}

const REDACTED = (): EncodedValue => tag('redacted');

interface Walk {
  readonly seen: Set<object>;
  readonly redaction: Redaction;
  /** The deepest depth visited (see {@link encodeWithDepth}). */
  deepest: number;
}

function encodeString(value: string): EncodedValue {
  // JSON.stringify escapes NUL and lone surrogates as \uXXXX text, which jsonb stores fine.
  return UNSAFE_TEXT.test(value) ? tag('string', { json: JSON.stringify(value) }) : value;
}

function encodeNumber(value: number): EncodedValue {
  // JSON has no NaN, no infinities, and writes -0 as 0: each is tagged so that it comes back.
  if (Number.isFinite(value) && !Object.is(value, -0)) return value;
  return tag('number', { value: Object.is(value, -0) ? '-0' : String(value) });
}

/** Sorting by the encoded form makes Map and Set encodings independent of insertion order. */
function sortByJson(items: EncodedValue[]): EncodedValue[] {
  return items
    .map((item) => [JSON.stringify(item), item] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item);
}

/** The path of a child, built only when a `redact` hook needs it. */
const pathOf = (walk: Walk, parent: string | undefined, key: string | number) =>
  walk.redaction.hasHook && parent !== undefined ? childPath(parent, key) : undefined;

/** A keyed child: redacted outright when its key looks secret. */
function encodeEntry(key: unknown, value: unknown, depth: number, path: string | undefined, walk: Walk) {
  if (typeof key === 'string' && walk.redaction.secretKey(key)) return REDACTED();
  const childKey = typeof key === 'string' || typeof key === 'number' ? key : '?';
  return encodeAt(value, depth + 1, pathOf(walk, path, childKey), walk);
}

function encodeObject(value: object, depth: number, path: string | undefined, walk: Walk): EncodedValue {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  const needsEscape = entries.some(([key]) => key === TAG || UNSAFE_TEXT.test(key));
  if (needsEscape) {
    return tag('object', {
      entries: entries.map(([k, v]) => [encodeString(k), encodeEntry(k, v, depth, path, walk)]),
    });
  }
  const out: Record<string, EncodedValue> = {};
  for (const [k, v] of entries) out[k] = encodeEntry(k, v, depth, path, walk);
  return out;
}

function encodeAt(value: unknown, depth: number, path: string | undefined, walk: Walk): EncodedValue {
  if (depth > MAX_DEPTH) return tag('too-deep', { limit: MAX_DEPTH });
  if (depth > walk.deepest) walk.deepest = depth;
  if (path !== undefined && walk.redaction.hasHook && walk.redaction.hook(value, path)) return REDACTED();
  switch (typeof value) {
    case 'string': {
      const masked = walk.redaction.maskedSecret(value);
      return masked === undefined ? encodeString(value) : tag('redacted', { masked: encodeString(masked) });
    }
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
  if (walk.seen.has(obj)) return tag('cycle');
  walk.seen.add(obj);
  try {
    return encodeComposite(obj, depth, path, walk);
  } catch (error) {
    // A throwing getter, toJSON or proxy trap: say so rather than fail the capture.
    return tag('uncapturable', {
      error: encodeString(error instanceof Error ? error.message : String(error)),
    });
  } finally {
    walk.seen.delete(obj);
  }
}

function encodeBytes(obj: ArrayBufferView | ArrayBufferLike): EncodedValue {
  if (!ArrayBuffer.isView(obj)) return tag('bytes', { base64: Buffer.from(obj).toString('base64') });
  const base64 = Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64');
  const view = Object.prototype.toString.call(obj).slice(8, -1);
  return view in VIEWS ? tag('bytes', { base64, view }) : tag('bytes', { base64 });
}

function encodeComposite(obj: object, depth: number, path: string | undefined, walk: Walk): EncodedValue {
  if (ArrayBuffer.isView(obj) || types.isAnyArrayBuffer(obj)) return encodeBytes(obj);
  if (types.isDate(obj)) {
    const time = obj.getTime();
    return tag('date', { iso: Number.isNaN(time) ? null : new Date(time).toISOString() });
  }
  if (Array.isArray(obj)) {
    return Array.from(obj, (item: unknown, i) => encodeAt(item, depth + 1, pathOf(walk, path, i), walk));
  }
  if (types.isMap(obj)) {
    const entries = [...obj.entries()].map(([k, v]) => [
      encodeAt(k, depth + 1, undefined, walk),
      encodeEntry(k, v, depth, path, walk),
    ]);
    return tag('map', { entries: sortByJson(entries) });
  }
  if (types.isSet(obj)) {
    const values = [...obj].map((v, i) => encodeAt(v, depth + 1, pathOf(walk, path, i), walk));
    return tag('set', { values: sortByJson(values) });
  }
  if (types.isNativeError(obj) || obj instanceof Error) {
    const { name, message } = obj;
    return tag('error', { name: encodeString(String(name)), message: encodeString(String(message)) });
  }
  // new String('x') and friends: tagged, since a Set may hold both a boxed and a plain `false`.
  if (types.isBoxedPrimitive(obj))
    return tag('boxed', { value: encodeAt(obj.valueOf(), depth + 1, path, walk) });
  // Mirror Temporal's JSON payload converter: a toJSON method decides what goes on the wire.
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encodeAt(toJSON.call(obj), depth + 1, path, walk);
  return encodeObject(obj, depth, path, walk);
}

/**
 * Encodes a value into its storable, canonicalisable form. Never throws. With a `redaction`,
 * redacted values become `{ "$lineage": "redacted" }`; `path` names the value for the `redact`
 * hook (`args`, `args[0]`, `result`).
 */
export function encodeValue(
  value: unknown,
  redaction: Redaction = NO_REDACTION,
  path?: string,
): EncodedValue {
  return encodeAt(value, 0, path, { seen: new Set(), redaction, deepest: 0 });
}

/**
 * {@link encodeValue}, plus the deepest depth it visited. Below MAX_DEPTH, the value encodes the
 * same as an element of an array (one level deeper) as it does alone, which lets capture build an
 * argument list's encoding from its arguments' own (see captureArgs).
 */
export function encodeWithDepth(
  value: unknown,
  redaction: Redaction = NO_REDACTION,
  path?: string,
): { encoded: EncodedValue; deepest: number } {
  const walk: Walk = { seen: new Set(), redaction, deepest: 0 };
  return { encoded: encodeAt(value, 0, path, walk), deepest: walk.deepest };
}

/** How many nodes {@link plainJsonDepth} visits before giving up (a cycle, or a huge shared graph). */
const PLAIN_WALK_NODES = 100_000;

/**
 * The deepest depth of `value` when {@link encodeValue} would give back a structural copy of it
 * (plain objects and arrays of finite numbers, booleans, null and storable strings, no secret
 * keys, no URL passwords, no redact hook), else -1. Capture then canonicalises the value itself
 * instead of building that copy first: most arguments are plain JSON, and the copy was most of
 * what capturing them allocated.
 */
export function plainJsonDepth(value: unknown, redaction: Redaction = NO_REDACTION): number {
  if (redaction.hasHook) return -1;
  const budget = { nodes: PLAIN_WALK_NODES };
  try {
    return plainAt(value, 0, redaction, budget);
  } catch {
    return -1; // A throwing getter or proxy: encodeValue marks it, so not a copy.
  }
}

function plainAt(value: unknown, depth: number, redaction: Redaction, budget: { nodes: number }): number {
  if (depth > MAX_DEPTH || --budget.nodes < 0) return -1;
  switch (typeof value) {
    case 'string':
      return UNSAFE_TEXT.test(value) || redaction.maskedSecret(value) !== undefined ? -1 : depth;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? depth : -1;
    case 'boolean':
      return depth;
    case 'object':
      if (value === null) return depth;
      break;
    default:
      return -1;
  }
  let deepest = depth;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const d = plainAt((value as unknown[])[i], depth + 1, redaction, budget);
      if (d < 0) return -1;
      if (d > deepest) deepest = d;
    }
    return deepest;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return -1;
  for (const key of Object.keys(value)) {
    if (key === TAG || UNSAFE_TEXT.test(key) || redaction.secretKey(key)) return -1;
    const d = plainAt((value as Record<string, unknown>)[key], depth + 1, redaction, budget);
    if (d < 0) return -1;
    if (d > deepest) deepest = d;
  }
  return deepest;
}

/** Whether a marker of this kind stands for a value capture did not keep. */
export function isLossyKind(kind: string): boolean {
  return LOSSY.has(kind);
}

/** The kind of the first marker in an encoded tree that cannot be turned back into the original value. */
export function lossyMarker(encoded: EncodedValue): string | undefined {
  if (encoded === null || typeof encoded !== 'object') return undefined;
  if (Array.isArray(encoded)) {
    for (const item of encoded) {
      const found = lossyMarker(item);
      if (found) return found;
    }
    return undefined;
  }
  const kind = encoded[TAG];
  if (typeof kind === 'string' && LOSSY.has(kind)) return kind;
  for (const item of Object.values(encoded)) {
    const found = lossyMarker(item);
    if (found) return found;
  }
  return undefined;
}

/** Whether an encoded tree holds no marker that stands for a value capture did not keep. */
export function isReplayable(encoded: EncodedValue): boolean {
  return lossyMarker(encoded) === undefined;
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
    case 'bytes': {
      const bytes = new Uint8Array(Buffer.from(node.base64 as string, 'base64'));
      const view = typeof node.view === 'string' ? VIEWS[node.view] : undefined;
      // Copied so that the view starts at offset 0 of its own, aligned buffer.
      return view ? view(new Uint8Array(bytes)) : bytes;
    }
    case 'date':
      return new Date(node.iso === null ? Number.NaN : (node.iso as string));
    case 'map':
      return new Map(
        (node.entries as EncodedValue[][]).map(([k, v]) => [decodeValue(k ?? null), decodeValue(v ?? null)]),
      );
    case 'set':
      return new Set((node.values as EncodedValue[]).map(decodeValue));
    case 'error': {
      const name = decodeValue(node.name ?? 'Error') as string;
      const message = decodeValue(node.message ?? '') as string;
      const BuiltIn = ERRORS[name];
      return BuiltIn ? new BuiltIn(message) : Object.assign(new Error(message), { name });
    }
    case 'boxed':
      return Object(decodeValue(node.value ?? null));
    case 'object':
      return Object.fromEntries(
        (node.entries as EncodedValue[][]).map(([k, v]) => [
          decodeValue(k ?? null) as string,
          decodeValue(v ?? null),
        ]),
      );
    default:
      // too-deep, cycle, unsupported, uncapturable, redacted: the original is gone; give the marker back.
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
