/**
 * `npm run bench`: every performance target of the project, measured in one run, printed as one
 * table of measured value, target and PASS/FAIL; exits non-zero when a gated target is missed.
 *
 *   npm run bench                      # capture overhead, then queries at scale on both drivers
 *   npm run bench -- --only capture    # capture overhead only (needs the Temporal dev server)
 *   npm run bench -- --only queries    # seeding + queries only
 *   npm run bench -- --pglite-runs 100000  # seed PGlite at full size (default 40,000 runs)
 *
 * Ratios (capture) are against a baseline measured in the same run; absolute query times depend
 * on the machine and its load, which the header prints.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatMs } from '../scripts/format-table';
import { runCaptureBench } from './capture-overhead';
import { runFileDigestBench } from './file-digests';
import { buildInstalledPackage } from './installed-package';
import { startBenchPostgres } from './postgres';
import { runQueryBench } from './queries';
import { machine, printTargets, type TargetResult } from './report';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'postgres-runs': { type: 'string', default: '100000' },
      'pglite-runs': { type: 'string', default: '40000' },
    },
  });
  const only = values.only;
  if (only !== undefined && only !== 'capture' && only !== 'queries') {
    throw new Error(`--only takes capture or queries, not '${only}'`);
  }
  const started = performance.now();
  console.log(`machine: ${machine()}`);
  console.log('building the package as it is installed: the Workers and the CLI run its compiled code …');
  const installed = await buildInstalledPackage();
  const results: TargetResult[] = [];
  try {
    const pg = await startBenchPostgres();
    try {
      console.log(`Postgres: ${pg.label}`);
      if (only !== 'queries') {
        results.push(...(await runCaptureBench(pg, installed)));
        results.push(...(await runFileDigestBench()));
      }
      if (only !== 'capture') {
        const outDir = join(__dirname, '..', 'test-output', 'bench');
        const common = { adminUrl: pg.url, outDir, cliBin: installed.bin };
        results.push(
          ...(await runQueryBench('postgres', { ...common, runs: Number(values['postgres-runs']) })),
          ...(await runQueryBench('pglite', { ...common, runs: Number(values['pglite-runs']) })),
        );
      }
    } finally {
      await pg.stop();
    }
  } finally {
    await installed.remove();
  }
  const ok = printTargets(results);
  console.log(`machine at the end: ${machine()}`);
  console.log(`bench took ${formatMs(performance.now() - started)}`);
  if (!ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
