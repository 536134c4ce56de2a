import { describe, expect, it } from 'vitest';
import { json, lineage, useCliStore } from '../cli/run-cli';
import { fillStore } from '../query/fill-store';
import { DRIVERS } from '../support/stores';
import { backdate, waitEnded } from './gc-support';

interface GcJson {
  dryRun: boolean;
  cutoff: string;
  runs: number;
  executions: number;
  events: number;
  artifacts: number;
  keptRuns: number;
  pinnedArtifacts: number;
}

describe.each(DRIVERS)('lineage gc on %s', (driver) => {
  const cli = useCliStore(driver, `gc_cli_${driver}`, async (store) => {
    const filled = await fillStore(store);
    await waitEnded(store, filled.failed);
    await backdate(store, filled.failed, 100);
    return filled;
  });
  const run = (...args: string[]) => lineage(['--db', cli.db(), 'gc', ...args]);

  it('reports in a dry run, refuses bad pins and flags, then removes the old run', async () => {
    const dry = json<GcJson>(await run('--older-than', '90d', '--dry-run', '--json'));
    expect(dry).toMatchObject({ dryRun: true, runs: 1, keptRuns: 0, pinnedArtifacts: 0 });
    expect(dry.executions).toBeGreaterThan(0);
    expect(Date.parse(dry.cutoff)).toBeLessThan(Date.now() - 89 * 86_400_000);

    const missing = await run('--older-than', '90d', '--pin', 'file:///no/such/model.json');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('file:///no/such/model.json');
    expect((await run('--dry-run')).code).toBe(2);
    expect((await run('--older-than', 'ninety days')).code).toBe(2);

    const done = await run('--older-than', '90d', '--keep-type', 'Model');
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^Removed 1 runs, \d+ executions, \d+ events and \d+ artifacts/);
    const runs = json<{ runs: Array<{ name: string }> }>(await lineage(['--db', cli.db(), 'runs', '--json']));
    expect(runs.runs.map((r) => r.name)).not.toContain(cli.filled().failed);
    expect(runs.runs.map((r) => r.name)).toContain(cli.filled().runA);
  });
});
