import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledWorkerOptions } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createRedaction, DEFAULT_REDACT_KEYS } from '../../src/artifacts/redact';
import { activityDigests, workflowBundleDigest } from '../../src/capture/code-tracking';
import { capturedEnv, collectWorkerFacts, gitFacts } from '../../src/capture/worker-facts';

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const tempDir = () => mkdtempSync(join(tmpdir(), 'lineage-facts-'));

/** git with an identity of its own: a fresh machine's HOME has none. */
function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=lineage',
      '-c',
      'user.email=lineage@example.org',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    { cwd, encoding: 'utf8' },
  ).trim();
}

function repository(): string {
  const dir = tempDir();
  git(dir, 'init', '-q');
  writeFileSync(join(dir, 'train.ts'), 'export const lr = 0.1;\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'first');
  return dir;
}

describe('git facts of the working tree', () => {
  it('give the commit of a clean tree, not dirty, from a subfolder too', async () => {
    const dir = repository();
    mkdirSync(join(dir, 'src'));
    const head = git(dir, 'rev-parse', 'HEAD');
    expect(await gitFacts(dir)).toEqual({ commit: head, dirty: false, diffDigest: null });
    expect((await gitFacts(join(dir, 'src'))).commit).toBe(head);
  });

  it('flag a dirty tree with a digest that follows the uncommitted change', async () => {
    const dir = repository();
    const head = git(dir, 'rev-parse', 'HEAD');
    writeFileSync(join(dir, 'train.ts'), 'export const lr = 0.2;\n');
    const first = await gitFacts(dir);
    expect(first).toMatchObject({ commit: head, dirty: true });
    expect(first.diffDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await gitFacts(dir)).diffDigest).toBe(first.diffDigest);
    writeFileSync(join(dir, 'train.ts'), 'export const lr = 0.3;\n');
    const second = await gitFacts(dir);
    expect(second.diffDigest).not.toBe(first.diffDigest);
    git(dir, 'checkout', '-q', '--', 'train.ts');
    writeFileSync(join(dir, 'notes.md'), 'untracked\n');
    const untracked = await gitFacts(dir);
    expect(untracked.dirty).toBe(true);
    expect(untracked.diffDigest).not.toBe(first.diffDigest);
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'second');
    expect(await gitFacts(dir)).toEqual({
      commit: git(dir, 'rev-parse', 'HEAD'),
      dirty: false,
      diffDigest: null,
    });
  });

  it('are null outside a repository', async () => {
    expect(await gitFacts(tempDir())).toEqual({ commit: null, dirty: null, diffDigest: null });
  });
});

describe('environment facts', () => {
  it('hold the worker package, its direct dependencies at their locked versions and the lockfile digest', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'iris-worker', version: '2.1.0', dependencies: { zod: '^4.0.0', ghost: '1' } }),
    );
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': {},
        'node_modules/zod': { version: '4.1.2' },
        'node_modules/left-pad': { version: '1.3.0' },
      },
    });
    writeFileSync(join(dir, 'package-lock.json'), lock);
    const facts = await collectWorkerFacts({ cwd: dir, captureEnv: [], redaction: createRedaction([]) });
    expect(facts.package).toEqual({ name: 'iris-worker', version: '2.1.0' });
    // `ghost` is neither locked nor installed; `left-pad` is no direct dependency.
    expect(facts.environment.dependencies).toEqual({ zod: '4.1.2' });
    expect(facts.environment.lockfile).toEqual({ file: 'package-lock.json', digest: sha256(lock) });
    expect(facts.environment.node).toBe(process.version);
    expect(facts.environment.cpu.count).toBeGreaterThan(0);
    expect(facts.environment.memoryBytes).toBeGreaterThan(0);
    expect(facts.environment.temporal['@temporalio/worker']).toMatch(/^\d+\.\d+\.\d+/);
    expect(facts.environment.env).toEqual({});
  });

  it('capture only allowlisted variables, through redaction', () => {
    const env = {
      CUDA_VISIBLE_DEVICES: '0,1',
      HF_TOKEN: 'hf_secret',
      DATABASE_URL: 'postgres://lineage:hunter2@db/lineage',
      SHARD: 'private-shard',
      UNLISTED: 'x',
    };
    const redaction = createRedaction([...DEFAULT_REDACT_KEYS], (value, path) => path === 'env.SHARD');
    const names = ['SHARD', 'CUDA_VISIBLE_DEVICES', 'HF_TOKEN', 'DATABASE_URL', 'NOT_SET'];
    expect(capturedEnv(names, redaction, env)).toEqual({
      CUDA_VISIBLE_DEVICES: '0,1',
      DATABASE_URL: 'postgres://lineage:***@db/lineage',
      HF_TOKEN: '[redacted]',
      SHARD: '[redacted]',
    });
    expect(capturedEnv([], redaction, env)).toEqual({});
  });
});

describe('code digests', () => {
  it('of an activity follow its source', () => {
    const v1 = { train: (lr: number) => lr * 2, load: () => 1 };
    const same = { train: (lr: number) => lr * 2 };
    const v2 = { train: (lr: number) => lr * 3 };
    const [a, b, c] = [activityDigests(v1), activityDigests(same), activityDigests(v2)];
    expect([...a.keys()].sort()).toEqual(['load', 'train']);
    expect(a.get('train')).toBe(b.get('train'));
    expect(a.get('train')).not.toBe(c.get('train'));
    expect(a.get('train')).toBe(sha256('(lr) => lr * 2'));
  });

  it('of the workflow bundle come from its code, else from the build id the SDK derived from it', async () => {
    const code = 'var workflows = {};';
    const viaCode = { workflowBundle: { code } } as unknown as CompiledWorkerOptions;
    expect(await workflowBundleDigest(viaCode)).toBe(sha256(code));
    const hex = createHash('sha256').update(code).digest('hex');
    const viaBuildId = { buildId: `@temporalio/worker@1.24.0+${hex}` } as unknown as CompiledWorkerOptions;
    expect(await workflowBundleDigest(viaBuildId)).toBe(sha256(code));
    const userBuildId = { buildId: 'release-7' } as unknown as CompiledWorkerOptions;
    expect(await workflowBundleDigest(userBuildId)).toBeNull();
  });
});
