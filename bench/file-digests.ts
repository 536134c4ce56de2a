/**
 * What a big unchanged file costs capture: one file of `--mib` MiB (default 1024: 1 GiB) is the
 * output of `--activities` successive activities (default 100), captured the way the Worker
 * captures a result (`{ path }`, recognised as a File, its content hashed) with one digester, as a
 * Worker keeps one. The first capture hashes the file; every later one finds its digest by
 * (device, inode, size, mtime) and should cost about a `stat`, which is measured beside it.
 *
 *   npx tsx bench/file-digests.ts [--mib 1024] [--activities 100]
 *
 * Also run by `npm run bench` (capture part) with the defaults.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { captureResult } from '../src/artifacts/capture';
import { FileDigester } from '../src/artifacts/file-digest';
import { builtInArtifactTypes } from '../src/artifacts/types';
import { formatTable } from '../scripts/format-table';
import { ms, stats, type TargetResult } from './report';

const MiB = 1024 * 1024;

async function writeFile(path: string, mib: number): Promise<void> {
  const out = createWriteStream(path);
  // Random bytes, so no layer below can make hashing cheaper than it is for real data.
  const chunk = randomBytes(MiB);
  for (let i = 0; i < mib; i++)
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  out.end();
  await finished(out);
}

export async function runFileDigestBench(mib = 1024, activities = 100): Promise<TargetResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lineage-bench-files-'));
  const path = join(dir, 'dataset.bin');
  try {
    console.log(`\n── file digests: a ${mib} MiB file as the output of ${activities} successive activities`);
    await writeFile(path, mib);
    const settings = {
      types: builtInArtifactTypes,
      maxInlineBytes: 65_536,
      files: new FileDigester(Number.MAX_SAFE_INTEGER),
    };
    const captures: number[] = [];
    let digest = '';
    for (let i = 0; i < activities; i++) {
      const started = performance.now();
      const { outputs } = await captureResult({ path, rows: i }, settings);
      captures.push(performance.now() - started);
      const file = outputs[0]!.artifact;
      if (file.type !== 'File' || !file.digest.startsWith('sha256:'))
        throw new Error('the file was not hashed');
      if (i > 0 && file.digest !== digest) throw new Error('an unchanged file got another digest');
      digest = file.digest;
    }
    const stats_ = [];
    for (let i = 0; i < activities; i++) {
      const started = performance.now();
      await stat(path, { bigint: true });
      stats_.push(performance.now() - started);
    }
    const [first, cached, statCost] = [captures[0]!, stats(captures.slice(1)), stats(stats_)];
    const rows = [
      ['first capture (hashes the file)', ms(first), `${((mib / first) * 1000).toFixed(0)} MiB/s`],
      [`later captures (${activities - 1}), median`, ms(cached.median), `p95 ${ms(cached.p95)}`],
      ['stat of the file, median', ms(statCost.median), `p95 ${ms(statCost.p95)}`],
      ['later capture / stat', `x ${(cached.median / statCost.median).toFixed(2)}`, ''],
      ['first capture / later capture', `x ${(first / cached.median).toFixed(0)}`, ''],
    ];
    console.log(formatTable(['', 'TIME', ''], rows));
    return [
      {
        part: 'capture',
        name: `unchanged ${mib} MiB file, cached capture vs first (hash)`,
        driver: '',
        measured: `${ms(cached.median)} vs ${ms(first)} (stat ${ms(statCost.median)})`,
        target: 'costs about a stat',
        pass: null,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { mib: { type: 'string', default: '1024' }, activities: { type: 'string', default: '100' } },
  });
  runFileDigestBench(Number(values.mib), Number(values.activities)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
