import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** What the packed package is built from: everything `npm pack` reads, and nothing it writes back. */
const PACK_INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'README.md',
  'LICENSE',
  'bin',
  'drizzle',
  'src',
  'workflows',
  'activities',
];

/** Packages a user's own project declares beside temporal-lineage: the compiler and Node's types. */
const USER_TOOLS = ['typescript', '@types/node'];
/** The Temporal packages a user's Worker imports itself (also temporal-lineage's dependencies). */
const USER_TEMPORAL = ['@temporalio/client', '@temporalio/worker', '@temporalio/workflow'];

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Everything npm itself sets for a script it runs, which would leak the outer project into the inner one. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.toLowerCase().startsWith('npm_') || keep.has(name.toLowerCase())) env[name] = value;
  }
  for (const name of ['DATABASE_URL', 'NODE_OPTIONS', 'FORCE_COLOR', 'VITEST', 'TS_NODE_PROJECT']) {
    delete env[name];
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/**
 * Runs a command to completion. A step that exceeds `timeoutMs` is killed and reported, so a
 * broken install fails the test with npm's own words instead of hanging it.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: childEnv(options.env ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) return resolve({ stdout, stderr });
      const why = timedOut ? `was killed after ${timeoutMs / 1000} s` : `exited ${code}`;
      const tail = (text: string) => text.split('\n').slice(-40).join('\n');
      reject(
        new Error(
          `\`${command} ${args.join(' ')}\` in ${options.cwd} ${why}\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`,
        ),
      );
    });
  });
}

/**
 * `npm pack` of a copy of this checkout (its `prepack` builds dist/ there, never here: a dist/
 * in the checkout would make bin/lineage.js and the CLI tests run stale compiled code).
 *
 * @returns the tarball's path.
 */
export async function packPackage(workDir: string): Promise<string> {
  const source = join(workDir, 'source');
  mkdirSync(source);
  for (const entry of PACK_INPUTS) cpSync(join(ROOT, entry), join(source, entry), { recursive: true });
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(source, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir], { cwd: source });
  // prepack's build output comes before npm's JSON report on stdout.
  const report = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as { filename: string }[];
  return join(workDir, report[0]!.filename);
}

/** The paths inside the tarball, relative to the package's root. */
export async function packedFiles(tarball: string, cwd: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], { cwd });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^package\//, ''));
}

interface LockEntry {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * A lockfile for a user project depending on the tarball: this checkout's resolved runtime tree
 * (every entry not marked `dev`) plus the user's own tools. `npm ci --offline` then installs from
 * the local cache, which `npm ci` of this checkout filled with exactly those tarballs; no
 * registry metadata (which `npm ci` never fetches) is needed.
 */
function userLockfile(tarballName: string, tarball: string, rootDependencies: Record<string, string>) {
  const ours = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
    bin: Record<string, string>;
    engines: Record<string, string>;
    license: string;
  };
  const wanted = new Set(USER_TOOLS);
  // The tools' own dependencies, transitively (for @types/node: undici-types).
  for (const name of [...wanted]) {
    for (const dep of Object.keys(ours.packages[`node_modules/${name}`]?.dependencies ?? {})) wanted.add(dep);
  }
  const packages: Record<string, LockEntry> = {
    '': { name: 'lineage-user', dependencies: rootDependencies },
    'node_modules/temporal-lineage': {
      version: manifest.version,
      resolved: `file:${tarballName}`,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      license: manifest.license,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [key, entry] of Object.entries(ours.packages)) {
    if (key === '' || !key.startsWith('node_modules/')) continue;
    const name = key.slice('node_modules/'.length);
    if (entry.dev && !wanted.has(name)) continue;
    const kept = { ...entry };
    delete kept.dev;
    delete kept.devOptional;
    packages[key] = kept;
  }
  return { name: 'lineage-user', lockfileVersion: 3, requires: true, packages };
}

/** A user's empty project with temporal-lineage installed from its tarball, offline. */
export async function installUserProject(projectDir: string, tarball: string): Promise<void> {
  const ours = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const tarballName = tarball.split('/').pop()!;
  cpSync(tarball, join(projectDir, tarballName));
  const dependencies: Record<string, string> = { 'temporal-lineage': `file:${tarballName}` };
  for (const name of [...USER_TOOLS, ...USER_TEMPORAL]) {
    const version = ours.packages[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`${name} is not in package-lock.json; the packaging test needs it`);
    dependencies[name] = version;
  }
  writeFileSync(
    join(projectDir, 'package.json'),
    `${JSON.stringify({ name: 'lineage-user', private: true, dependencies }, null, 2)}\n`,
  );
  writeFileSync(
    join(projectDir, 'package-lock.json'),
    `${JSON.stringify(userLockfile(tarballName, tarball, dependencies), null, 2)}\n`,
  );
  try {
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: projectDir });
  } catch (error) {
    const text = String(error);
    if (/ENOTCACHED/.test(text)) {
      throw new Error(
        'the npm cache lacks a package the tarball needs (ENOTCACHED). Run `npm ci` in this checkout ' +
          `first: it fills the cache with every locked package.\n${text}`,
      );
    }
    throw error;
  }
}
