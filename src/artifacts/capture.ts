import { encodeValue, encodeWithDepth, MAX_DEPTH, plainJsonDepth, tag, type EncodedValue } from './encode';
import { canonicalDigest, canonicalJson, sha256Hex, valueDigest } from './digest';
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
  /**
   * The encoded value's canonical JSON (what `valueDigest` hashes), or null when it is larger than
   * `maxInlineBytes` (see `inline`). Text rather than a tree: it is fixed when captured, whatever
   * the activity does with the object afterwards, and goes into the store write as it is.
   */
  readonly valueJson: string | null;
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
    // Only object children are queued: a list of a thousand numbers costs no allocation here.
    const enqueue = (key: string | number, child: unknown) => {
      if (child === null || typeof child !== 'object') return;
      if (typeof key === 'string' && redaction.secretKey(key)) return;
      const at = childPath(path, key);
      if (redaction.hasHook && redaction.hook(child, at)) return;
      queue.push({ value: child, path: at, depth: depth + 1 });
    };
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) enqueue(i, value[i]);
    else for (const key of Object.keys(value)) enqueue(key, value[key]);
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

/** A draft and the canonical JSON its value digest was computed from. */
interface Drafted {
  readonly artifact: ArtifactDraft;
  readonly canonical: string;
}

/**
 * `canonicalJson(encodeValue(value, redaction, path))` and the deepest depth it visited; a plain
 * JSON value is canonicalised as it is, without building its encoded copy first (see
 * {@link plainJsonDepth}). Never throws, like encodeValue.
 */
function canonicalOf(value: unknown, settings: CaptureSettings, path: string) {
  const plain = plainJsonDepth(value, settings.redaction);
  if (plain >= 0) {
    try {
      return { canonical: canonicalJson(value as EncodedValue), deepest: plain };
    } catch {
      // A getter that throws only the second time it is read: the encoder marks it.
    }
  }
  const { encoded, deepest } = encodeWithDepth(value, settings.redaction, path);
  return { canonical: canonicalJson(encoded), deepest };
}

async function draft(
  path: string,
  value: unknown,
  type: ArtifactType | undefined,
  settings: CaptureSettings,
  canonical: string = canonicalOf(value, settings, path).canonical,
): Promise<Drafted> {
  const properties: Record<string, string | number> = {};
  // The file is hashed by the URI it was given; the stored form only matters for the row.
  const uri = uriForms(type ? uriOf(type, value) : undefined, path, settings, properties);
  return draftCanonical(canonical, type?.name ?? VALUE_TYPE, uri, settings, properties);
}

async function draftCanonical(
  canonical: string,
  typeName: string,
  uri: UriForms,
  settings: CaptureSettings,
  properties: Record<string, string | number> = {},
): Promise<Drafted> {
  const vDigest = canonicalDigest(canonical);
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
  const artifact = {
    identity,
    type: typeName,
    uri: stored,
    digest,
    valueDigest: vDigest,
    valueJson: inline ? canonical : null,
    inline,
    sizeBytes,
    properties,
  };
  return { artifact, canonical };
}

/** One root's artifacts, and the canonical JSON of the root value as encoded (undefined: not captured as is). */
interface CapturedRoot {
  readonly artifacts: CapturedArtifact[];
  readonly canonical: string | undefined;
}

async function captureUnsafe(
  path: string,
  value: unknown,
  settings: CaptureSettings,
  canonical: string | undefined,
): Promise<CapturedRoot> {
  const redaction = settings.redaction ?? NO_REDACTION;
  if (redaction.hasHook && redaction.hook(value, path)) {
    const root = await draftCanonical(canonicalJson(tag('redacted')), VALUE_TYPE, NO_URI, settings);
    return { artifacts: [{ path, artifact: root.artifact }], canonical: root.canonical };
  }
  const rootType = recogniseType(settings.types, value);
  const root = await draft(path, value, rootType, settings, canonical);
  const artifacts: CapturedArtifact[] = [{ path, artifact: root.artifact }];
  for (const nested of findNestedTyped(value, path, settings)) {
    const { artifact } = await draft(nested.path, nested.value, nested.type, settings);
    artifacts.push({ path: nested.path, artifact });
  }
  return { artifacts, canonical: root.canonical };
}

async function captureRoot(
  path: string,
  value: unknown,
  settings: CaptureSettings,
  canonical?: string,
): Promise<CapturedRoot> {
  try {
    return await captureUnsafe(path, value, settings, canonical);
  } catch (error) {
    const message = safeText(error instanceof Error ? error.message : String(error));
    const marker = tag('uncapturable', { error: message });
    const { artifact } = await draftCanonical(canonicalJson(marker), VALUE_TYPE, NO_URI, settings);
    return { artifacts: [{ path, artifact }], canonical: undefined };
  }
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
  return (await captureRoot(path, value, settings)).artifacts;
}

/**
 * An activity's arguments as artifacts (`args[0]`, `args[1]`, …) plus the digest of the whole
 * argument list, `valueDigest(encodeValue(args, redaction, 'args'))`, without encoding the list a
 * second time: RFC 8785 writes an array as `[a,b]`, so the list's canonical JSON is its
 * arguments' joined, as long as each encodes the same alone as inside the list (always, unless
 * nested near MAX_DEPTH or redacted as a whole list, where the list is encoded again).
 */
export async function captureArgs(
  args: readonly unknown[],
  settings: CaptureSettings,
): Promise<{ inputs: CapturedArtifact[]; inputDigest: string }> {
  const redaction = settings.redaction ?? NO_REDACTION;
  const wholeListRedacted = redaction.hasHook && redaction.hook(args, 'args');
  const roots = await Promise.all(
    args.map((arg, i) => {
      const path = `args[${i}]`;
      const { canonical, deepest } = canonicalOf(arg, settings, path);
      return captureRoot(path, arg, settings, canonical).then((root) => ({ root, deepest }));
    }),
  );
  const parts = roots.map(({ root, deepest }) => (deepest < MAX_DEPTH ? root.canonical : undefined));
  const inputDigest =
    !wholeListRedacted && parts.every((part) => part !== undefined)
      ? canonicalDigest(`[${parts.join(',')}]`)
      : valueDigest(encodeValue(args, settings.redaction, 'args')).digest;
  return { inputs: roots.flatMap(({ root }) => root.artifacts), inputDigest };
}

/**
 * An activity's result as artifacts (`result`, …) plus its digest, `valueDigest(encodeValue(result,
 * redaction, 'result'))`: the root artifact's own value digest, unless the root could not be captured.
 */
export async function captureResult(
  result: unknown,
  settings: CaptureSettings,
): Promise<{ outputs: CapturedArtifact[]; outputDigest: string }> {
  const root = await captureRoot('result', result, settings);
  const outputDigest =
    root.canonical !== undefined
      ? root.artifacts[0]!.artifact.valueDigest
      : valueDigest(encodeValue(result, settings.redaction, 'result')).digest;
  return { outputs: root.artifacts, outputDigest };
}
