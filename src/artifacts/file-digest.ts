import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** What hashing the bytes behind a `file://` URI found. */
export interface ContentDigest {
  /** `sha256:<hex>` of the file's bytes; absent when they were not hashed. */
  readonly contentDigest?: string;
  readonly contentBytes?: number;
  /** Why there is no content digest (missing file, over the size cap, a directory, …). */
  readonly contentNote?: string;
}

const CACHE_LIMIT = 10_000;

/**
 * Hashes local files named by `file://` URIs, so that "same URI, new bytes" is a different
 * artifact. Results are cached by (path, size, mtime): a dataset read by every activity of every
 * run is hashed once per change, not once per attempt.
 */
export class FileDigester {
  private readonly cache = new Map<string, ContentDigest>();

  constructor(private readonly maxBytes: number) {}

  /** Whether {@link digest} hashes anything for this URI: only `file://` URIs name bytes it can read. */
  hashes(uri: string): boolean {
    return uri.startsWith('file://');
  }

  /** What hashing the file behind `uri` found. Never throws: a file it cannot read gets a note. */
  async digest(uri: string): Promise<ContentDigest> {
    if (!this.hashes(uri)) return {};
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      return { contentNote: 'not a valid file URI' };
    }
    let stats;
    try {
      stats = await stat(path);
    } catch {
      return { contentNote: 'file not found when recorded' };
    }
    if (!stats.isFile()) return { contentNote: 'not a regular file' };
    if (stats.size > this.maxBytes) {
      return { contentBytes: stats.size, contentNote: `larger than maxFileDigestBytes (${this.maxBytes})` };
    }
    const key = `${path}\0${stats.size}\0${stats.mtimeMs}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    let hex: string;
    try {
      hex = await hashFile(path);
    } catch (error) {
      // Not cached: the next attempt may read it.
      const code = (error as NodeJS.ErrnoException).code ?? 'read error';
      return { contentBytes: stats.size, contentNote: `file could not be read when recorded (${code})` };
    }
    const result: ContentDigest = { contentDigest: `sha256:${hex}`, contentBytes: stats.size };
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, result);
    return result;
  }
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
