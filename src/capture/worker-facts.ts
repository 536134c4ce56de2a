import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { sha256Hex } from '../artifacts/digest';
import type { Redaction } from '../artifacts/redact';
import { maskSecrets } from '../artifacts/secret-shapes';

/** The git state of the Worker's working tree when it started. */
export interface GitFacts {
  /** The checked-out commit; null outside a git repository. */
  readonly commit: string | null;
  /** Whether tracked files differ from the commit or untracked files exist; null when unknown. */
  readonly dirty: boolean | null;
  /** `sha256:` of the uncommitted changes (the diff and the untracked files' names) when dirty. */
  readonly diffDigest: string | null;
}

/** The Worker's own package: the nearest package.json above its working directory. */
export interface PackageFacts {
  readonly name: string | null;
  readonly version: string | null;
}

/** What a Worker ran on: recorded once per Worker, as one content-addressed `Environment` artifact. */
export interface EnvironmentFacts {
  readonly node: string;
  readonly os: { readonly platform: string; readonly release: string; readonly arch: string };
  readonly cpu: { readonly model: string; readonly count: number };
  readonly memoryBytes: number;
  /** Installed `@temporalio/*` package versions. */
  readonly temporal: Readonly<Record<string, string>>;
  /** The worker package's direct dependencies, at the versions its lockfile (else node_modules) holds. */
  readonly dependencies: Readonly<Record<string, string>>;
  readonly lockfile: { readonly file: string; readonly digest: string } | null;
  /** The `captureEnv` variables that are set, their values redacted like captured values. */
  readonly env: Readonly<Record<string, string>>;
}

export interface WorkerFacts {
  readonly git: GitFacts;
  readonly package: PackageFacts;
  readonly environment: EnvironmentFacts;
}

const GIT_TIMEOUT_MS = 10_000;
/** A diff larger than this is not digested (a dirty tree with huge binaries); the flag still says dirty. */
const MAX_DIFF_BYTES = 256 * 1024 * 1024;
const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock'];

const execFileText = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileText('git', args, {
    cwd,
    timeout: GIT_TIMEOUT_MS,
    maxBuffer: MAX_DIFF_BYTES,
    encoding: 'utf8',
    windowsHide: true,
  });
  return stdout;
}

/** The folder holding `.git` at or above `from`, if any. */
function repositoryRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The commit `.git` names, read directly: for machines without a `git` executable. */
async function commitFromGitDir(root: string): Promise<string | null> {
  try {
    let gitDir = join(root, '.git');
    const pointer = await readFile(gitDir, 'utf8').catch(() => undefined);
    // A worktree or submodule: `.git` is a file naming the real git directory.
    if (pointer?.startsWith('gitdir:')) {
      const target = pointer.slice('gitdir:'.length).trim();
      gitDir = isAbsolute(target) ? target : resolve(root, target);
    }
    const head = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
    if (!head.startsWith('ref:')) return head;
    const ref = head.slice('ref:'.length).trim();
    // Refs shared by worktrees live in the common directory.
    const common = await readFile(join(gitDir, 'commondir'), 'utf8')
      .then((dir) => resolve(gitDir, dir.trim()))
      .catch(() => gitDir);
    for (const dir of [gitDir, common]) {
      const loose = await readFile(join(dir, ref), 'utf8').catch(() => undefined);
      if (loose) return loose.trim();
    }
    const packed = await readFile(join(common, 'packed-refs'), 'utf8').catch(() => '');
    const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
    return line ? line.split(' ')[0]! : null;
  } catch {
    return null;
  }
}

/** The working tree's commit, dirty flag and diff digest; nothing fails the Worker. */
export async function gitFacts(cwd: string): Promise<GitFacts> {
  const root = repositoryRoot(cwd);
  if (!root) return { commit: null, dirty: null, diffDigest: null };
  try {
    const commit = (await git(cwd, ['rev-parse', 'HEAD'])).trim();
    const status = await git(cwd, ['status', '--porcelain', '--untracked-files=all']);
    if (status.length === 0) return { commit, dirty: false, diffDigest: null };
    const diff = await git(cwd, ['diff', 'HEAD', '--binary']).catch(() => undefined);
    const untracked = status
      .split('\n')
      .filter((line) => line.startsWith('??'))
      .join('\n');
    const diffDigest = diff === undefined ? null : `sha256:${sha256Hex(`${diff}\0${untracked}`)}`;
    return { commit, dirty: true, diffDigest };
  } catch {
    return { commit: await commitFromGitDir(root), dirty: null, diffDigest: null };
  }
}

interface Manifest {
  name?: unknown;
  version?: unknown;
  dependencies?: Record<string, unknown>;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The folder of the nearest package.json at or above `from`. */
function packageDir(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Installed version of `name` as seen from `dir` (node_modules above it). */
async function installedVersion(dir: string, name: string): Promise<string | undefined> {
  for (let at = dir; ; at = dirname(at)) {
    const manifest = await readJson<Manifest>(join(at, 'node_modules', name, 'package.json'));
    if (typeof manifest?.version === 'string') return manifest.version;
    if (dirname(at) === at) return undefined;
  }
}

async function packageAndDependencies(cwd: string) {
  const dir = packageDir(cwd);
  const manifest = dir ? await readJson<Manifest>(join(dir, 'package.json')) : undefined;
  const pkg: PackageFacts = {
    name: typeof manifest?.name === 'string' ? manifest.name : null,
    version: typeof manifest?.version === 'string' ? manifest.version : null,
  };
  const dependencies: Record<string, string> = {};
  let lockfile: EnvironmentFacts['lockfile'] = null;
  if (!dir) return { pkg, dependencies, lockfile };
  for (const file of LOCKFILES) {
    const text = await readFile(join(dir, file), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    lockfile = { file, digest: `sha256:${sha256Hex(text)}` };
    break;
  }
  const locked =
    lockfile?.file === 'package-lock.json' || lockfile?.file === 'npm-shrinkwrap.json'
      ? await readJson<{ packages?: Record<string, { version?: unknown }> }>(join(dir, lockfile.file))
      : undefined;
  for (const name of Object.keys(manifest?.dependencies ?? {}).sort()) {
    const fromLock = locked?.packages?.[`node_modules/${name}`]?.version;
    const version = typeof fromLock === 'string' ? fromLock : await installedVersion(dir, name);
    if (version !== undefined) dependencies[name] = version;
  }
  return { pkg, dependencies, lockfile };
}

/** Versions of the `@temporalio/*` packages installed beside the SDK this process loaded. */
async function temporalVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  try {
    const scope = dirname(dirname(require.resolve('@temporalio/worker/package.json')));
    for (const name of (await readdir(scope)).sort()) {
      const manifest = await readJson<Manifest>(join(scope, name, 'package.json'));
      if (typeof manifest?.version === 'string') versions[`@temporalio/${name}`] = manifest.version;
    }
  } catch {
    // The SDK resolved some other way (bundled): the versions stay unknown rather than failing the Worker.
  }
  return versions;
}

/** The allowlisted variables that are set; values a secret key or the redact hook picks are replaced. */
export function capturedEnv(
  names: readonly string[],
  redaction: Redaction,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...new Set(names)].sort()) {
    const value = env[name];
    if (value === undefined) continue;
    const secret = redaction.secretKey(name) || (redaction.hasHook && redaction.hook(value, `env.${name}`));
    out[name] = secret ? '[redacted]' : maskSecrets(value);
  }
  return out;
}

/**
 * Everything recorded once per Worker about where it runs: computed at Worker start (one `git`
 * call or two, a few small file reads), never per attempt. Never throws: what cannot be read is null.
 */
export async function collectWorkerFacts(options: {
  cwd: string;
  captureEnv: readonly string[];
  redaction: Redaction;
}): Promise<WorkerFacts> {
  const [git, deps, temporal] = await Promise.all([
    gitFacts(options.cwd),
    packageAndDependencies(options.cwd),
    temporalVersions(),
  ]);
  const cpuList = cpus();
  return {
    git,
    package: deps.pkg,
    environment: {
      node: process.version,
      os: { platform: platform(), release: release(), arch: arch() },
      cpu: { model: cpuList[0]?.model.trim() ?? 'unknown', count: cpuList.length },
      memoryBytes: totalmem(),
      temporal,
      dependencies: deps.dependencies,
      lockfile: deps.lockfile,
      env: capturedEnv(options.captureEnv, options.redaction),
    },
  };
}
