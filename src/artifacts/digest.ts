import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { EncodedValue } from './encode';

/** RFC 8785 canonical JSON of an encoded value: the same value always gives the same bytes. */
export function canonicalJson(encoded: EncodedValue): string {
  // canonicalize returns undefined only for undefined input, which an EncodedValue never is.
  return canonicalize(encoded) ?? 'null';
}

/**
 * Lower-case hex sha256 of a string (as UTF-8) or of bytes. One-shot `hash` rather than a Hash
 * object: capture takes several digests per attempt, and the object's setup cost more than
 * hashing a few KB.
 */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** The digest of a value's canonical JSON, prefixed with its algorithm like OCI digests are. */
export function canonicalDigest(canonical: string): string {
  return `sha256:${sha256Hex(canonical)}`;
}

/** The digest of an encoded value (see {@link canonicalDigest}). */
export function valueDigest(encoded: EncodedValue): { digest: string; canonical: string } {
  const canonical = canonicalJson(encoded);
  return { digest: canonicalDigest(canonical), canonical };
}
