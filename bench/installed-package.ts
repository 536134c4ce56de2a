import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** temporal-lineage laid out as an installed package, and how to remove it. */
export interface InstalledPackage {
  /** The package's bin/lineage.js: it finds dist/ beside it and runs the compiled CLI. */
  readonly bin: string;
  /** The package's compiled entry point (its `main`): what a user's Worker imports the plugin from. */
  readonly entry: string;
  remove(): Promise<void>;
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
  });
}

/**
 * Compiles the package (`npm run build`'s tsconfig) into a temporary folder holding what an
 * installed temporal-lineage has — package.json, bin/, dist/ and the drizzle/ migrations — with
 * this checkout's node_modules linked in as its dependencies. Users run the compiled code, not the
 * TypeScript sources through tsx (whose CommonJS output calls a getter for every imported function
 * and names every closure as it is made: ≈ 0.04 ms of the Worker's main thread per activity), so
 * that is what the CLI's end-to-end target and the capture bench's Workers are measured on. Built
 * outside the checkout on purpose: a dist/ here would make the checkout's own bin/lineage.js (and
 * the CLI tests) run compiled code that goes stale with the next edit.
 */
export async function buildInstalledPackage(): Promise<InstalledPackage> {
  const dir = mkdtempSync(join(tmpdir(), 'lineage-installed-'));
  try {
    const tsc = require.resolve('typescript/bin/tsc');
    await run([tsc, '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist'), '--declaration', 'false']);
    for (const entry of ['package.json', 'bin', 'drizzle']) {
      cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    bin: join(dir, 'bin', 'lineage.js'),
    entry: join(dir, 'dist', 'src', 'index.js'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
