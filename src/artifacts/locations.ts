import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { recogniseType, type ArtifactType } from './types';

/** The type of artifacts recognised from a location alone (no `kind`): a file, a directory, an object in a bucket. */
export const FILE_TYPE = 'File';

/** Schemes whose URIs are recognised in a `uri` field: stored as URIs, hashed only through `artifactResolvers`. */
const REMOTE_SCHEMES = /^(s3|gs|https?):\/\/./i;

/** Fields that may hold a location, in the order they are looked at. */
const LOCATION_FIELDS = ['uri', 'path', 'file'] as const;

/** An absolute local path: the bare form of a file location (not a `scheme://` URI). */
export function isBarePath(text: string): boolean {
  return isAbsolute(text) && !text.includes('://');
}

/**
 * The location a plain object names, if any: a `file://` URI or an absolute path in a field named
 * `uri`, `path` or `file`, or an `s3://`, `gs://` or `http(s)://` URI in `uri`. An absolute path
 * only counts once it turns out to exist (see capture): `{ path: '/' + x }` may be any string.
 */
export function locationOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const field of LOCATION_FIELDS) {
    const text = (value as Record<string, unknown>)[field];
    if (typeof text !== 'string' || text.length === 0) continue;
    if (text.startsWith('file://') || isBarePath(text)) return text;
    if (field === 'uri' && REMOTE_SCHEMES.test(text)) return text;
  }
  return undefined;
}

/** The URI a location is stored under: a bare path as its `file://` URL, so both spellings are one artifact. */
export function storedLocation(location: string): string {
  return isBarePath(location) ? pathToFileURL(location).href : location;
}

/** The artifact type of values recognised by {@link locationOf}. */
export const fileArtifactType: ArtifactType = {
  name: FILE_TYPE,
  schema: z.unknown(),
  uri: locationOf,
};

/**
 * The type of `value`: the first of `types` that accepts it, else `File` when it names a
 * location (a `kind` recognised by a type says otherwise), else undefined for a plain value.
 */
export function recogniseArtifact(types: readonly ArtifactType[], value: unknown): ArtifactType | undefined {
  return recogniseType(types, value) ?? (locationOf(value) === undefined ? undefined : fileArtifactType);
}
