import { encodeValue, tag, type EncodedValue } from './encode';
import { sha256Hex, valueDigest } from './digest';
import type { FileDigester } from './file-digest';
import { childPath } from './paths';
import { maskUrlPasswords, NO_REDACTION, type Redaction } from './redact';
import { safeText } from './safe-text';
import { recogniseType, uriOf, VALUE_TYPE, type ArtifactType } from './types';

/** An artifact as capture computed it, before the store gives it an id. */
export interface ArtifactDraft {
  /** sha256 of (type, uri, digest): the artifact's unique key in the store. */
  readonly identity: string;
  readonly type: string;
  readonly uri: string | null;
  /** The content digest of the bytes at `uri` when they were hashed, else the value digest. */
  readonly digest: string;
  /** sha256 of the value's canonical JSON: what rerun compares inputs by. */
  readonly valueDigest: string;
  /** The encoded value, or null when it is larger than `maxInlineBytes` (see `inline`). */
  readonly value: EncodedValue | null;
  readonly inline: boolean;
  /** Size of the value's canonical JSON in bytes. */
  readonly sizeBytes: number;
  readonly properties: Record<string, string | number>;
}

/** One artifact at one place of an activity's arguments or result. */
export interface CapturedArtifact {
  /** Where the value sat: `args[0]`, `result.model`, `args[1].splits[2]`. */
  readonly path: string;
  readonly artifact: ArtifactDraft;
}

export interface CaptureSettings {
  readonly types: readonly ArtifactType[];
  readonly maxInlineBytes: number;
  readonly files: FileDigester;
  /** Which values never reach the store (default: none). */
  readonly redaction?: Redaction;
  /**
   * Store digests, sizes and types but no values and no URIs: set when the worker encrypts its
   * payloads with a codec, so that the store does not hold in plaintext what Temporal holds encrypted.
   */
  readonly digestOnly?: boolean;
}

/** Why `value` and `uri` are empty in digest-only mode (shown in the artifact's properties). */
export const DIGEST_ONLY_NOTE =
  'not stored: the worker encodes payloads with a payload codec (LineagePlugin option captureValuesWithCodec: true stores values)';

/** Typed values nested deeper than this, or past this many visited nodes, are not looked for. */
const TYPED_SEARCH_DEPTH = 64;
const TYPED_SEARCH_NODES = 10_000;
/** URIs longer than this are not stored in the indexed `uri` column (their digest identifies them). */
const MAX_URI_CHARS = 2048;

function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Typed values strictly inside `root`, breadth first so that shallow paths come first; redacted subtrees are skipped. */
function findNestedTyped(root: unknown, rootPath: string, settings: CaptureSettings) {
  const { types } = settings;
  const redaction = settings.redaction ?? NO_REDACTION;
  const found: Array<{ path: string; value: unknown; type: ArtifactType }> = [];
  const queue: Array<{ value: unknown; path: string; depth: number }> = [
    { value: root, path: rootPath, depth: 0 },
  ];
  // An index rather than shift(): a very wide object queues many children at once.
  for (let next = 0; next < queue.length && next < TYPED_SEARCH_NODES; next++) {
    const { value, path, depth } = queue[next]!;
    if (depth > 0) {
      const type = recogniseType(types, value);
      if (type) found.push({ path, value, type });
    }
    if (depth >= TYPED_SEARCH_DEPTH || !isPlainContainer(value)) continue;
    const entries: Array<[string | number, unknown]> = Array.isArray(value)
      ? [...value.entries()]
      : Object.entries(value);
    for (const [key, child] of entries) {
      if (child === null || typeof child !== 'object') continue;
      if (typeof key === 'string' && redaction.secretKey(key)) continue;
      const at = childPath(path, key);
      if (redaction.hasHook && redaction.hook(child, at)) continue;
      queue.push({ value: child, path: at, depth: depth + 1 });
    }
  }
  return found;
}

/** Where an artifact's URI goes: the `uri` column (null when not stored) and the identity. */
interface UriForms {
  /** As given, for hashing the file behind it; undefined when there is none or it is redacted. */
  readonly raw: string | undefined;
  readonly stored: string | null;
  /** What the artifact's identity is computed from: never a redacted URI. */
  readonly identity: string;
}

const NO_URI: UriForms = { raw: undefined, stored: null, identity: '' };

/**
 * The URI as the store keeps it: a URL's password masked, unstorable characters escaped, and
 * none at all when it is too long to index (the row says so) or redacted.
 */
function uriForms(
  raw: string | undefined,
  path: string,
  settings: CaptureSettings,
  properties: Record<string, string | number>,
): UriForms {
  if (raw === undefined) return NO_URI;
  const redaction = settings.redaction ?? NO_REDACTION;
  if (redaction.secretKey('uri') || (redaction.hasHook && redaction.hook(raw, `${path}.uri`))) {
    properties.uriNote = 'redacted';
    return NO_URI;
  }
  const uri = safeText(maskUrlPasswords(raw));
  if (uri.length <= MAX_URI_CHARS) return { raw, stored: uri, identity: uri };
  properties.uriNote = `URI of ${uri.length} characters is too long to store (sha256 ${sha256Hex(uri)})`;
  return { raw, stored: null, identity: uri };
}

async function draft(
  path: string,
  value: unknown,
  type: ArtifactType | undefined,
  settings: CaptureSettings,
): Promise<ArtifactDraft> {
  const properties: Record<string, string | number> = {};
  // The file is hashed by the URI it was given; the stored form only matters for the row.
  const uri = uriForms(type ? uriOf(type, value) : undefined, path, settings, properties);
  const encoded = encodeValue(value, settings.redaction, path);
  return draftEncoded(encoded, type?.name ?? VALUE_TYPE, uri, settings, properties);
}

async function draftEncoded(
  encoded: EncodedValue,
  typeName: string,
  uri: UriForms,
  settings: CaptureSettings,
  properties: Record<string, string | number> = {},
): Promise<ArtifactDraft> {
  const { digest: vDigest, canonical } = valueDigest(encoded);
  const sizeBytes = Buffer.byteLength(canonical);
  let inline = sizeBytes <= settings.maxInlineBytes;
  if (!inline)
    properties.notInline = `value of ${sizeBytes} bytes exceeds maxInlineBytes (${settings.maxInlineBytes})`;
  let digest = vDigest;
  if (uri.raw !== undefined) {
    const content = await settings.files.digest(uri.raw);
    if (content.contentDigest) digest = content.contentDigest;
    if (content.contentBytes !== undefined) properties.contentBytes = content.contentBytes;
    if (content.contentNote) properties.contentNote = content.contentNote;
  }
  const identity = sha256Hex(`${typeName}\0${uri.identity}\0${digest}`);
  let stored = uri.stored;
  if (settings.digestOnly) {
    inline = false;
    properties.notInline = DIGEST_ONLY_NOTE;
    if (stored !== null) properties.uriNote = DIGEST_ONLY_NOTE;
    stored = null;
  }
  return {
    identity,
    type: typeName,
    uri: stored,
    digest,
    valueDigest: vDigest,
    value: inline ? encoded : null,
    inline,
    sizeBytes,
    properties,
  };
}

async function captureUnsafe(
  path: string,
  value: unknown,
  settings: CaptureSettings,
): Promise<CapturedArtifact[]> {
  const redaction = settings.redaction ?? NO_REDACTION;
  if (redaction.hasHook && redaction.hook(value, path)) {
    return [{ path, artifact: await draftEncoded(tag('redacted'), VALUE_TYPE, NO_URI, settings) }];
  }
  const rootType = recogniseType(settings.types, value);
  const captured: CapturedArtifact[] = [{ path, artifact: await draft(path, value, rootType, settings) }];
  for (const nested of findNestedTyped(value, path, settings)) {
    captured.push({
      path: nested.path,
      artifact: await draft(nested.path, nested.value, nested.type, settings),
    });
  }
  return captured;
}

/**
 * Turns one argument or result into artifacts: the value itself (typed when its shape is
 * recognised) plus every typed value nested inside it. Never throws: a value that cannot even
 * be walked (a throwing getter, a revoked proxy) is recorded as an explicit `uncapturable` marker.
 */
export async function captureValue(
  path: string,
  value: unknown,
  settings: CaptureSettings,
): Promise<CapturedArtifact[]> {
  try {
    return await captureUnsafe(path, value, settings);
  } catch (error) {
    const message = safeText(error instanceof Error ? error.message : String(error));
    const marker = tag('uncapturable', { error: message });
    return [{ path, artifact: await draftEncoded(marker, VALUE_TYPE, NO_URI, settings) }];
  }
}

/** {@link captureValue} for several roots at once (`args[0]`, `args[1]`, … or `result`). */
export async function captureAll(
  roots: ReadonlyArray<readonly [string, unknown]>,
  settings: CaptureSettings,
): Promise<CapturedArtifact[]> {
  const parts = await Promise.all(roots.map(([path, value]) => captureValue(path, value, settings)));
  return parts.flat();
}
