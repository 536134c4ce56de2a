import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureArgs, captureValue, type CaptureSettings } from '../../src/artifacts/capture';
import { FileDigester, type ArtifactResolver } from '../../src/artifacts/file-digest';
import { builtInArtifactTypes } from '../../src/artifacts/types';
import { cacheKeyOf } from '../../src/rerun/cache-key';

const settings = (files = new FileDigester(1024 * 1024)): CaptureSettings => ({
  types: builtInArtifactTypes,
  maxInlineBytes: 1024,
  files,
});

const tempDir = () => mkdtempSync(join(tmpdir(), 'lineage-files-'));

function tempFile(content: string, name = 'data.csv'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('file locations without a kind', () => {
  it('recognise a file:// URI in any field position as a File and hash its content', async () => {
    const uri = pathToFileURL(tempFile('a,b\n1,2\n')).href;
    const [root] = await captureValue('args[0]', { uri }, settings());
    expect(root!.artifact).toMatchObject({ type: 'File', uri, digest: sha256('a,b\n1,2\n') });
    expect(root!.artifact.properties.contentBytes).toBe(8);
  });

  it('recognise an existing absolute path in a uri, path or file field, nested too, stored as its file:// URL', async () => {
    const path = tempFile('x\n');
    for (const field of ['uri', 'path', 'file']) {
      const { inputs } = await captureArgs([{ split: { [field]: path, rows: 1 } }], settings());
      expect(inputs.map((i) => [i.path, i.artifact.type, i.artifact.uri, i.artifact.digest])).toEqual([
        ['args[0]', 'Value', null, inputs[0]!.artifact.valueDigest],
        ['args[0].split', 'File', pathToFileURL(path).href, sha256('x\n')],
      ]);
    }
  });

  it('leave an absolute path that names nothing, or a relative one, a plain value', async () => {
    const missing = join(tempDir(), 'never-written.csv');
    for (const value of [{ path: missing }, { file: 'relative/data.csv' }, { path: 'not a path' }]) {
      const [root, ...rest] = await captureValue('result', value, settings());
      expect(rest).toEqual([]);
      expect(root!.artifact).toMatchObject({ type: 'Value', uri: null });
      expect(root!.artifact.properties).toEqual({});
    }
  });

  it('keep a file:// URI that names nothing a File with a note, and give its attempt no cache key', async () => {
    const uri = pathToFileURL(join(tempDir(), 'gone.csv')).href;
    const { inputs, inputDigest } = await captureArgs([{ uri }], settings());
    expect(inputs[0]!.artifact).toMatchObject({ type: 'File', uri });
    expect(inputs[0]!.artifact.properties.contentNote).toBe('file not found when recorded');
    expect(cacheKeyOf('read', inputDigest, inputs)).toBeNull();
  });

  it('leave a kind the types recognise in charge', async () => {
    const path = tempFile('m');
    const [root] = await captureValue('result', { kind: 'Model', uri: path }, settings());
    expect(root!.artifact).toMatchObject({
      type: 'Model',
      uri: pathToFileURL(path).href,
      digest: sha256('m'),
    });
  });

  it('store s3, gs and http(s) URIs as URIs, with no digest unless a resolver gives one', async () => {
    for (const uri of ['s3://bucket/train.csv', 'gs://bucket/train.csv', 'https://example.org/train.csv']) {
      const [root] = await captureValue('args[0]', { uri }, settings());
      expect(root!.artifact).toMatchObject({ type: 'File', uri, digest: root!.artifact.valueDigest });
      expect(root!.artifact.properties).toEqual({});
    }
    const calls: string[] = [];
    const s3: ArtifactResolver = (uri) => {
      calls.push(uri);
      return Promise.resolve(uri.endsWith('v2.csv') ? 'etag:"two"' : 'etag:"one"');
    };
    const gs: ArtifactResolver = () => {
      throw new Error('bucket unreachable');
    };
    const files = new FileDigester(1024, { s3, gs });
    const [one] = await captureValue('args[0]', { uri: 's3://b/v1.csv' }, settings(files));
    const [two] = await captureValue('args[0]', { uri: 's3://b/v2.csv' }, settings(files));
    expect([one!.artifact.digest, two!.artifact.digest]).toEqual(['etag:"one"', 'etag:"two"']);
    expect(calls).toEqual(['s3://b/v1.csv', 's3://b/v2.csv']);
    const [failed] = await captureValue('args[0]', { uri: 'gs://b/x' }, settings(files));
    expect(failed!.artifact.digest).toBe(failed!.artifact.valueDigest);
    expect(failed!.artifact.properties.contentNote).toBe('artifactResolvers.gs failed: bucket unreachable');
  });
});

describe('directories', () => {
  function tree(files: Record<string, string>): string {
    const root = tempDir();
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), content);
    }
    return root;
  }

  it('are hashed as a tree: equal trees have one digest whatever the order they were written in', async () => {
    const a = tree({ 'train/a.csv': '1', 'train/b.csv': '22', 'meta.json': '{}' });
    const b = tree({ 'meta.json': '{}', 'train/b.csv': '22', 'train/a.csv': '1' });
    const [x] = await captureValue('args[0]', { path: a }, settings());
    const [y] = await captureValue('args[0]', { path: b }, settings());
    expect(x!.artifact.type).toBe('File');
    expect(x!.artifact.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(x!.artifact.digest).toBe(y!.artifact.digest);
    expect(x!.artifact.properties.contentBytes).toBe(5);
  });

  it('get another digest when a file inside changes or one is added', async () => {
    const root = tree({ 'a.csv': '1', 'sub/b.csv': '2' });
    const files = new FileDigester(1024);
    const digest = async () =>
      (await captureValue('args[0]', { path: root }, settings(files)))[0]!.artifact.digest;
    const seen = [await digest()];
    writeFileSync(join(root, 'sub/b.csv'), '3');
    utimesSync(join(root, 'sub/b.csv'), new Date(), new Date(Date.now() + 5_000));
    seen.push(await digest());
    writeFileSync(join(root, 'c.csv'), '');
    seen.push(await digest());
    expect(new Set(seen).size).toBe(3);
  });

  it('over the size cap are not hashed, and say so', async () => {
    const root = tree({ 'a.bin': 'x'.repeat(600), 'b.bin': 'y'.repeat(600) });
    const [x] = await captureValue('args[0]', { path: root }, settings(new FileDigester(1000)));
    expect(x!.artifact.digest).toBe(x!.artifact.valueDigest);
    expect(x!.artifact.properties.contentNote).toBe('directory larger than maxFileDigestBytes (1000)');
  });
});

describe('the file digest cache', () => {
  it('answers from (device, inode, size, mtime) without reading an unchanged file again', async () => {
    const path = tempFile('version-1');
    // A whole second: utimes cannot put back a sub-millisecond mtime exactly.
    const when = new Date('2026-01-01T00:00:00Z');
    utimesSync(path, when, when);
    const files = new FileDigester(1024);
    const first = await files.digest(path);
    // Same size, and the same mtime put back: to the cache this is the unchanged file, so the
    // digest of the old bytes proves it did not read them.
    writeFileSync(path, 'version-2');
    utimesSync(path, when, when);
    expect(await files.digest(path)).toEqual(first);
    expect(first.contentDigest).toBe(sha256('version-1'));
  });

  it('hashes a file changed in place (same size, new mtime) again', async () => {
    const path = tempFile('version-1');
    const files = new FileDigester(1024);
    const first = await files.digest(pathToFileURL(path).href);
    writeFileSync(path, 'version-2');
    const later = new Date(statSync(path).mtimeMs + 2_000);
    utimesSync(path, later, later);
    const second = await files.digest(pathToFileURL(path).href);
    expect(first.contentDigest).toBe(sha256('version-1'));
    expect(second.contentDigest).toBe(sha256('version-2'));
    expect(second.contentBytes).toBe(first.contentBytes);
  });
});
