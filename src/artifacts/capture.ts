import { encodeValue, tag, type EncodedValue } from './encode';
import { sha256Hex, valueDigest } from './digest';
import type { FileDigester } from './file-digest';
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
}

/** Typed values nested deeper than this, or past this many visited nodes, are not looked for. */
const TYPED_SEARCH_DEPTH = 64;
const TYPED_SEARCH_NODES = 10_000;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Typed values strictly inside `root`, breadth first so that shallow paths come first. */
function findNestedTyped(root: unknown, rootPath: string, types: readonly ArtifactType[]) {
  const found: Array<{ path: string; value: unknown; type: ArtifactType }> = [];
  const queue: Array<{ value: unknown; path: string; depth: number }> = [
    { value: root, path: rootPath, depth: 0 },
  ];
  for (let visited = 0; queue.length > 0 && visited < TYPED_SEARCH_NODES; visited++) {
    const { value, path, depth } = queue.shift()!;
    if (depth > 0) {
      const type = recogniseType(types, value);
      if (type) found.push({ path, value, type });
    }
    if (depth >= TYPED_SEARCH_DEPTH || !isPlainContainer(value)) continue;
    const entries: Array<[string | number, unknown]> = Array.isArray(value)
      ? [...value.entries()]
      : Object.entries(value);
    for (const [key, child] of entries) {
      if (child !== null && typeof child === 'object')
        queue.push({ value: child, path: childPath(path, key), depth: depth + 1 });
    }
  }
  return found;
}

function draft(
  value: unknown,
  type: ArtifactType | undefined,
  settings: CaptureSettings,
): Promise<ArtifactDraft> {
  const uri = type ? (uriOf(type, value) ?? null) : null;
  return draftEncoded(encodeValue(value), type?.name ?? VALUE_TYPE, uri, settings);
}

async function draftEncoded(
  encoded: EncodedValue,
  typeName: string,
  uri: string | null,
  settings: CaptureSettings,
): Promise<ArtifactDraft> {
  const { digest: vDigest, canonical } = valueDigest(encoded);
  const sizeBytes = Buffer.byteLength(canonical);
  const inline = sizeBytes <= settings.maxInlineBytes;
  const properties: Record<string, string | number> = {};
  if (!inline)
    properties.notInline = `value of ${sizeBytes} bytes exceeds maxInlineBytes (${settings.maxInlineBytes})`;
  let digest = vDigest;
  if (uri) {
    const content = await settings.files.digest(uri);
    if (content.contentDigest) digest = content.contentDigest;
    if (content.contentBytes !== undefined) properties.contentBytes = content.contentBytes;
    if (content.contentNote) properties.contentNote = content.contentNote;
  }
  return {
    identity: sha256Hex(`${typeName}\0${uri ?? ''}\0${digest}`),
    type: typeName,
    uri,
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
  const rootType = recogniseType(settings.types, value);
  const captured: CapturedArtifact[] = [{ path, artifact: await draft(value, rootType, settings) }];
  for (const nested of findNestedTyped(value, path, settings.types)) {
    captured.push({ path: nested.path, artifact: await draft(nested.value, nested.type, settings) });
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
    const marker = tag('uncapturable', { error: error instanceof Error ? error.message : String(error) });
    return [{ path, artifact: await draftEncoded(marker, VALUE_TYPE, null, settings) }];
  }
}
