import { encodeValue, encodeWithDepth, MAX_DEPTH, plainJsonDepth, tag, type EncodedValue } from './encode';
import { canonicalDigest, canonicalJson, sha256Hex, valueDigest } from './digest';
import type { ContentDigest, FileDigester } from './file-digest';
import { childPath } from './paths';
import { maskSecrets, NO_REDACTION, type Redaction } from './redact';
import { safeText } from './safe-text';
import { FILE_TYPE, isBarePath, recogniseArtifact, storedLocation } from './locations';
import { uriOf, VALUE_TYPE, type ArtifactType } from './types';

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
      const type = recogniseArtifact(types, value);
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
  const uri = safeText(maskSecrets(storedLocation(raw)));
  if (uri.length <= MAX_URI_CHARS) return { raw, stored: uri, identity: uri };
  properties.uriNote = `URI of ${uri.length} characters is too long to store (sha256 ${sha256Hex(uri)})`;
  return { raw, stored: null, identity: uri };
}

/**
 * An artifact drafted up to the content digest of the file behind its URI: everything capture
 * computes without I/O. Capture collects these synchronously and waits only when one names a
 * `file://` URI, so that an attempt whose values name no local file costs no promise in capture
 * beyond the caller's own (each one costs the worker a hook call under Temporal's AsyncLocalStorage).
 */
interface Unhashed {
  readonly path: string;
  /** The value's canonical JSON: what the value digest hashes. */
  readonly canonical: string;
  readonly typeName: string;
  readonly uri: UriForms;
  readonly properties: Record<string, string | number>;
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

function unhashed(
  path: string,
  value: unknown,
  type: ArtifactType | undefined,
  settings: CaptureSettings,
  canonical: string = canonicalOf(value, settings, path).canonical,
): Unhashed {
  const properties: Record<string, string | number> = {};
  // The file is hashed by the URI it was given; the stored form only matters for the row.
  const uri = uriForms(type ? uriOf(type, value) : undefined, path, settings, properties);
  return { path, canonical, typeName: type?.name ?? VALUE_TYPE, uri, properties };
}

/** A value capture stands in for with a marker (redacted, uncapturable): a plain value at `path`. */
function marker(path: string, encoded: EncodedValue): Unhashed {
  return { path, canonical: canonicalJson(encoded), typeName: VALUE_TYPE, uri: NO_URI, properties: {} };
}

/** The draft of `found`, given what hashing the file behind its URI found (nothing: no file). */
function finish(found: Unhashed, content: ContentDigest, settings: CaptureSettings): ArtifactDraft {
  const { canonical, properties } = found;
  let { typeName, uri } = found;
  // An absolute path that names nothing was just a string: the value stays a plain value.
  if (typeName === FILE_TYPE && content.missing && uri.raw !== undefined && isBarePath(uri.raw)) {
    typeName = VALUE_TYPE;
    uri = NO_URI;
    content = NO_CONTENT;
  }
  const vDigest = canonicalDigest(canonical);
  const sizeBytes = Buffer.byteLength(canonical);
  let inline = sizeBytes <= settings.maxInlineBytes;
  if (!inline)
    properties.notInline = `value of ${sizeBytes} bytes exceeds maxInlineBytes (${settings.maxInlineBytes})`;
  if (content.contentBytes !== undefined) properties.contentBytes = content.contentBytes;
  if (content.contentNote) properties.contentNote = content.contentNote;
  const digest = content.contentDigest ?? vDigest;
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
    valueJson: inline ? canonical : null,
    inline,
    sizeBytes,
    properties,
  };
}

const NO_CONTENT: ContentDigest = {};

/**
 * What hashing the files named by `file://` URIs in `found` found, by URI: capture's only I/O, and
 * the only thing it waits for. Undefined when no URI names a file: then nothing is awaited.
 */
function fileContents(
  found: readonly Unhashed[],
  settings: CaptureSettings,
): Promise<ReadonlyMap<string, ContentDigest>> | undefined {
  const files = found.flatMap(({ uri }) =>
    uri.raw !== undefined && settings.files.hashes(uri.raw) ? [uri.raw] : [],
  );
  if (files.length === 0) return undefined;
  return Promise.all(files.map((raw) => settings.files.digest(raw))).then(
    (digests) => new Map(files.map((raw, i) => [raw, digests[i]!])),
  );
}

/**
 * The artifact of a value capture produces by itself rather than finds in arguments (the code
 * that ran, the environment): given its type, with no recognition, no redaction and no file.
 */
export function draftArtifact(
  path: string,
  typeName: string,
  value: unknown,
  settings: CaptureSettings,
): CapturedArtifact {
  const canonical = canonicalJson(encodeValue(value, NO_REDACTION, path));
  const found: Unhashed = { path, canonical, typeName, uri: NO_URI, properties: {} };
  return { path, artifact: finish(found, NO_CONTENT, settings) };
}

/** Drafts every artifact of `found`, given what hashing the files they name found. */
function finishAll(
  found: readonly Unhashed[],
  contents: ReadonlyMap<string, ContentDigest> | undefined,
  settings: CaptureSettings,
): CapturedArtifact[] {
  return found.map((one) => {
    const content = one.uri.raw === undefined ? undefined : contents?.get(one.uri.raw);
    return { path: one.path, artifact: finish(one, content ?? NO_CONTENT, settings) };
  });
}

/** One root's artifacts before hashing, and the canonical JSON of the root value as encoded (undefined: not captured as is). */
interface CollectedRoot {
  readonly found: Unhashed[];
  readonly canonical: string | undefined;
}

function collectUnsafe(
  path: string,
  value: unknown,
  settings: CaptureSettings,
  canonical: string | undefined,
): CollectedRoot {
  const redaction = settings.redaction ?? NO_REDACTION;
  if (redaction.hasHook && redaction.hook(value, path)) {
    const root = marker(path, tag('redacted'));
    return { found: [root], canonical: root.canonical };
  }
  const root = unhashed(path, value, recogniseArtifact(settings.types, value), settings, canonical);
  const found = [root];
  for (const nested of findNestedTyped(value, path, settings))
    found.push(unhashed(nested.path, nested.value, nested.type, settings));
  return { found, canonical: root.canonical };
}

/**
 * The value itself (typed when its shape is recognised) plus every typed value nested inside it.
 * Never throws: a value that cannot even be walked (a throwing getter, a revoked proxy) is
 * recorded as an explicit `uncapturable` marker.
 */
function collectRoot(
  path: string,
  value: unknown,
  settings: CaptureSettings,
  canonical?: string,
): CollectedRoot {
  try {
    return collectUnsafe(path, value, settings, canonical);
  } catch (error) {
    const message = safeText(error instanceof Error ? error.message : String(error));
    return { found: [marker(path, tag('uncapturable', { error: message }))], canonical: undefined };
  }
}

/** Turns one argument or result into artifacts (see {@link collectRoot}). Never throws. */
export async function captureValue(
  path: string,
  value: unknown,
  settings: CaptureSettings,
): Promise<CapturedArtifact[]> {
  const { found } = collectRoot(path, value, settings);
  const files = fileContents(found, settings);
  return finishAll(found, files && (await files), settings);
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
  const roots = args.map((arg, i) => {
    const path = `args[${i}]`;
    const { canonical, deepest } = canonicalOf(arg, settings, path);
    return { root: collectRoot(path, arg, settings, canonical), deepest };
  });
  const parts = roots.map(({ root, deepest }) => (deepest < MAX_DEPTH ? root.canonical : undefined));
  const inputDigest =
    !wholeListRedacted && parts.every((part) => part !== undefined)
      ? canonicalDigest(`[${parts.join(',')}]`)
      : valueDigest(encodeValue(args, settings.redaction, 'args')).digest;
  const found = roots.flatMap(({ root }) => root.found);
  const files = fileContents(found, settings);
  return { inputs: finishAll(found, files && (await files), settings), inputDigest };
}

/**
 * An activity's result as artifacts (`result`, …) plus its digest, `valueDigest(encodeValue(result,
 * redaction, 'result'))`: the root artifact's own value digest, unless the root could not be captured.
 */
export async function captureResult(
  result: unknown,
  settings: CaptureSettings,
): Promise<{ outputs: CapturedArtifact[]; outputDigest: string }> {
  const root = collectRoot('result', result, settings);
  const files = fileContents(root.found, settings);
  const outputs = finishAll(root.found, files && (await files), settings);
  const outputDigest =
    root.canonical !== undefined
      ? outputs[0]!.artifact.valueDigest
      : valueDigest(encodeValue(result, settings.redaction, 'result')).digest;
  return { outputs, outputDigest };
}
