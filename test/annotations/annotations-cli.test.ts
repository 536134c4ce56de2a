import { describe, expect, it } from 'vitest';
import { describeRun } from '../../src/query/run-detail';
import { json, lineage, useCliStore } from '../cli/run-cli';
import { fillStore } from '../query/fill-store';
import { DRIVERS } from '../support/stores';

describe.each(DRIVERS)('lineage tag, note and alias on %s', (driver) => {
  const cli = useCliStore(driver, `annotations_cli_${driver}`, async (store) => {
    const filled = await fillStore(store);
    const { executions } = await describeRun(store, filled.runA);
    const model = executions.find((e) => e.activityType === 'registerModel')!.outputs[0]!.artifact;
    return { ...filled, modelId: model.id };
  });
  const run = (...args: string[]) => lineage(['--db', cli.db(), ...args], { LINEAGE_AUTHOR: 'ana' });

  it('tags a run, shows the tags in show, and filters runs by them with --where', async () => {
    const { runA } = cli.filled();
    const set = json<{ tags: Array<{ key: string; value: string; author: string }> }>(
      await run('tag', runA, 'reviewed=yes', 'team=vision', '--json'),
    );
    expect(set.tags.map((t) => [t.key, t.value, t.author])).toEqual([
      ['reviewed', 'yes', 'ana'],
      ['team', 'vision', 'ana'],
    ]);
    const removed = json<{ tags: Array<{ key: string }> }>(
      await run('tag', runA, '--remove', 'team', '--json'),
    );
    expect(removed.tags.map((t) => t.key)).toEqual(['reviewed']);
    const shown = await run('show', runA);
    expect(shown.stdout).toContain('tags      reviewed=yes');
    const { runs } = json<{ runs: Array<{ name: string }> }>(
      await run('runs', '--where', 'tag.reviewed=yes', '--json'),
    );
    expect(runs.map((r) => r.name)).toEqual([runA]);
    const notReviewed = json<{ runs: Array<{ name: string }> }>(
      await run('runs', '--where', 'tag.reviewed!=yes', '--roots', '--json'),
    );
    expect(notReviewed.runs.map((r) => r.name)).not.toContain(runA);
    expect(notReviewed.runs.length).toBeGreaterThan(0);
    const badWhere = await run('runs', '--where', 'tag.reviewed', '--json');
    expect(badWhere.code).toBe(2);
    expect(JSON.parse(badWhere.stderr)).toMatchObject({ error: { code: 'USAGE' } });
    const bad = await run('tag', runA, 'no-equals-sign');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'no-equals-sign' is not key=value");
  });

  it('adds notes and lists them with their author', async () => {
    const { runA } = cli.filled();
    expect((await run('note', runA, 'Best so far: **ship it**', '--author', 'bo')).code).toBe(0);
    const { notes } = json<{ notes: Array<{ body: string; author: string }> }>(
      await run('note', runA, '--json'),
    );
    expect(notes.map((n) => [n.author, n.body])).toEqual([['bo', 'Best so far: **ship it**']]);
    expect((await run('show', runA)).stdout).toContain('Best so far: **ship it**');
  });

  it('sets, moves, removes an alias and prints its history; @alias names the artifact elsewhere', async () => {
    const { modelId } = cli.filled();
    expect((await run('alias', 'set', 'production', `a${modelId}`)).stdout).toContain(
      `production → a${modelId}`,
    );
    const { aliases } = json<{ aliases: Array<{ name: string; artifactId: number }> }>(
      await run('alias', '--json'),
    );
    expect(aliases).toEqual([expect.objectContaining({ name: 'production', artifactId: modelId })]);
    const { runs } = json<{ runs: Array<{ name: string }> }>(
      await run('runs', '--where', 'alias=production', '--json'),
    );
    expect(runs.map((r) => r.name)).toContain(cli.filled().runA);
    const traced = await run('trace', '@production', '--json');
    expect(traced.code).toBe(0);
    expect((await run('alias', 'rm', 'production')).stdout).toContain(`production removed (was a${modelId})`);
    const { moves } = json<{ moves: Array<{ from: number | null; to: number | null; author: string }> }>(
      await run('alias', 'history', 'production', '--json'),
    );
    expect(moves.map((m) => [m.from, m.to, m.author])).toEqual([
      [modelId, null, 'ana'],
      [null, modelId, 'ana'],
    ]);
    const missing = await run('trace', '@production');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("no alias matches 'production'");
  });
});
