import { createHash } from 'node:crypto';
import { createReadStream, type BigIntStats } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from './digest';

/** What hashing the bytes behind a URI found. */
export interface ContentDigest {
  /** `sha256:<hex>` of a file's bytes or a directory's tree, or what a resolver returned; absent when not hashed. */
  readonly contentDigest?: string;
  readonly contentBytes?: number;
  /** Why there is no content digest (missing file, over the size cap, …). */
  readonly contentNote?: string;
  /** Nothing exists at the path: a bare path that named nothing was no file after all. */
  readonly missing?: boolean;
}

/** A user-supplied digest for a URI of one scheme (an ETag lookup, an object version). */
export type ArtifactResolver = (uri: string) => string | undefined | Promise<string | undefined>;

const CACHE_LIMIT = 10_000;
/** A directory with more entries than this (all levels) is not hashed; the artifact row says so. */
const MAX_TREE_ENTRIES = 100_000;

class TooLarge extends Error {}

/** What identifies a file's bytes without reading them, as DVC and rsync use it. */
function statKey(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`;
}

/** The local path a URI names: a `file://` URI or an absolute path; undefined for anything else. */
export function localPath(uri: string): string | undefined {
  if (uri.startsWith('file://')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }
  return isAbsolute(uri) && !uri.includes('://') ? uri : undefined;
}

function schemeOf(uri: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
}

/**
 * Hashes what URIs name, so that "same URI, new bytes" is a different artifact: local files
 * (`file://` URIs and absolute paths) by content, directories as a tree (the digest of their
 * sorted entries), other schemes through the user's `artifactResolvers` only — no network call
 * otherwise. A file's digest is cached by (device, inode, size, mtime in ns): a dataset read by
 * every activity of every run costs a `stat` per read, and is hashed again only when it changes.
 */
export class FileDigester {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(
    private readonly maxBytes: number,
    private readonly resolvers: Readonly<Record<string, ArtifactResolver>> = {},
  ) {}

  /** Whether {@link digest} computes anything for this URI. */
  hashes(uri: string): boolean {
    if (localPath(uri) !== undefined || uri.startsWith('file://')) return true;
    const scheme = schemeOf(uri);
    return scheme !== undefined && Object.hasOwn(this.resolvers, scheme);
  }

  /** What hashing the thing behind `uri` found. Never throws: what it cannot read gets a note. */
  async digest(uri: string): Promise<ContentDigest> {
    const scheme = schemeOf(uri);
    if (scheme !== undefined && scheme !== 'file') return this.resolve(scheme, uri);
    const path = localPath(uri);
    if (path === undefined) return { contentNote: 'not a valid file URI' };
    let stats: BigIntStats;
    try {
      stats = await stat(path, { bigint: true });
    } catch {
      return { contentNote: 'file not found when recorded', missing: true };
    }
    try {
      if (stats.isDirectory()) return await this.tree(path);
      if (!stats.isFile()) return { contentNote: 'not a regular file or directory' };
      const size = Number(stats.size);
      if (size > this.maxBytes) return { contentBytes: size, contentNote: this.overCap() };
      return { contentDigest: await this.file(path, stats), contentBytes: size };
    } catch (error) {
      if (error instanceof TooLarge) return { contentNote: error.message };
      const code = (error as NodeJS.ErrnoException).code ?? 'read error';
      return { contentNote: `file could not be read when recorded (${code})` };
    }
  }

  private overCap(): string {
    return `larger than maxFileDigestBytes (${this.maxBytes})`;
  }

  private async resolve(scheme: string, uri: string): Promise<ContentDigest> {
    const resolver = Object.hasOwn(this.resolvers, scheme) ? this.resolvers[scheme] : undefined;
    if (!resolver) return {};
    try {
      const digest = await resolver(uri);
      return typeof digest === 'string' && digest.length > 0
        ? { contentDigest: digest }
        : { contentNote: `artifactResolvers.${scheme} returned no digest` };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { contentNote: `artifactResolvers.${scheme} failed: ${message.slice(0, 200)}` };
    }
  }

  /** A file's digest, from the cache when its (device, inode, size, mtime) are unchanged. */
  private file(path: string, stats: BigIntStats): Promise<string> {
    const key = statKey(stats);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const hashing = hashFile(path).then(async (hex) => {
      // Written to while it was read: the digest may mix two versions, so it is not kept.
      const after = await stat(path, { bigint: true }).catch(() => undefined);
      if (!after || statKey(after) !== key) this.cache.delete(key);
      return `sha256:${hex}`;
    });
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, hashing);
    // A failed read is not cached: the next attempt may read it.
    hashing.catch(() => this.cache.delete(key));
    return hashing;
  }

  /**
   * A directory as a tree: the digest of its entries sorted by name, each a file's digest, a
   * subdirectory's tree digest or a symlink's target (not followed, so a cycle cannot loop).
   */
  private async tree(root: string): Promise<ContentDigest> {
    const budget = { entries: 0, bytes: 0 };
    const digest = await this.treeDigest(root, budget);
    return { contentDigest: `sha256:${digest}`, contentBytes: budget.bytes };
  }

  private async treeDigest(dir: string, budget: { entries: number; bytes: number }): Promise<string> {
    const names = (await readdir(dir)).sort();
    budget.entries += names.length;
    if (budget.entries > MAX_TREE_ENTRIES)
      throw new TooLarge(`directory of more than ${MAX_TREE_ENTRIES} entries is not hashed`);
    const lines: string[] = [];
    for (const name of names) {
      const path = join(dir, name);
      const stats = await lstat(path, { bigint: true });
      if (stats.isSymbolicLink()) lines.push(`link ${JSON.stringify(name)} ${await readlink(path)}`);
      else if (stats.isDirectory())
        lines.push(`tree ${JSON.stringify(name)} ${await this.treeDigest(path, budget)}`);
      else if (stats.isFile()) {
        budget.bytes += Number(stats.size);
        if (budget.bytes > this.maxBytes) throw new TooLarge(`directory ${this.overCap()}`);
        lines.push(`file ${JSON.stringify(name)} ${stats.size} ${await this.file(path, stats)}`);
      }
    }
    return sha256Hex(lines.join('\n'));
  }
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    // 1 MiB reads: the default 64 KiB costs a system call and an event-loop turn per 64 KiB of a big dataset.
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
