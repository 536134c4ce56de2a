import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { OpenLineageRunEvent } from '../../src/export/openlineage-model';
import type { RunDiff } from '../../src/query/diff';
import type { LineageGraph } from '../../src/query/lineage';
import { describeRun } from '../../src/query/run-detail';
import { createTestDatabase } from '../support/databases';
import { DRIVERS } from '../support/stores';
import { fillStore } from '../query/fill-store';
import { openLineageValidator } from '../query/openlineage-schema';
import { json, lineage, useCliStore } from './run-cli';

// eslint-disable-next-line no-control-regex -- matching terminal escape codes is the point
const ANSI = /\u001b\[/;

interface RunJson {
  name: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  taskQueue: string | null;
  parentRun: string | null;
}

describe.each(DRIVERS)('lineage CLI on %s', (driver) => {
  const cli = useCliStore(driver, `cli_${driver}`, async (store) => {
    const filled = await fillStore(store);
    const { executions } = await describeRun(store, filled.runA);
    const model = executions.find((e) => e.activityType === 'registerModel')!.outputs[0]!.artifact;
    return { ...filled, modelUri: model.uri!, modelId: model.id };
  });
  const run = (...args: string[]) => lineage(['--db', cli.db(), ...args]);
  const wf = (name: string) => name.split('/')[0]!;

  it('runs: the documented JSON, with filters', async () => {
    const { runA } = cli.filled();
    const { runs } = json<{ runs: RunJson[]; nextCursor: string | null }>(
      await run('runs', '--json', '--where', 'output:Model.params.nEstimators>=50', '--status', 'completed'),
    );
    expect(runs.map((r) => [r.workflowId, r.parentRun])).toEqual([[`${wf(runA)}-search`, runA]]);
    expect(Object.keys(runs[0]!).sort()).toEqual(
      [
        'name',
        'workflowId',
        'runId',
        'workflowType',
        'status',
        'startedAt',
        'endedAt',
        'durationMs',
        'taskQueue',
        'parentRun',
      ].sort(),
    );
  });

  it('show: a run with its attempts, inputs and outputs', async () => {
    const { runA } = cli.filled();
    const shown = json<{
      run: RunJson;
      pipeline: string;
      childRuns: RunJson[];
      executions: Array<{
        activityType: string;
        state: string;
        outputs: Array<{ path: string; artifact: { type: string; uri: string | null; digest: string } }>;
      }>;
    }>(await run('show', runA.slice(0, runA.indexOf('/') + 14), '--json'));
    expect(shown.run.name).toBe(runA);
    expect(shown.pipeline).toBe('trainingPipeline');
    expect(shown.childRuns.map((r) => r.workflowType)).toEqual(['hyperparameterSearch']);
    expect(shown.executions.map((e) => e.activityType)).toEqual([
      'loadIris',
      'splitDataset',
      'registerModel',
    ]);
    const dataset = shown.executions[0]!.outputs[0]!.artifact;
    expect([dataset.type, dataset.digest.startsWith('sha256:')]).toEqual(['Dataset', true]);
  });

  it('trace: what produced this model, from its URI, back to the raw data', async () => {
    const { modelUri, modelId } = cli.filled();
    const graph = json<LineageGraph>(await run('trace', modelUri, '--json'));
    expect(graph.start).toBe(`artifact:${modelId}`);
    const steps = new Set(graph.nodes.flatMap((n) => (n.kind === 'execution' ? [n.activityType] : [])));
    expect([...steps].sort()).toEqual([
      'evaluateModel',
      'loadIris',
      'registerModel',
      'splitDataset',
      'trainModel',
    ]);
  });

  it('artifacts: by type and URI prefix, with producer and consumer counts', async () => {
    const prefix = cli.filled().modelUri.replace(/\/registry\/.*$/, '/datasets/iris-');
    const { artifacts } = json<{
      artifacts: Array<{ type: string; uri: string; producers: number; consumers: number }>;
    }>(await run('artifacts', '--type', 'Dataset', '--uri', prefix, '--json'));
    expect(artifacts).toEqual([
      expect.objectContaining({ uri: `${prefix}raw.json`, producers: 2, consumers: 2 }),
    ]);
  });

  it('graph: a run as DOT', async () => {
    const dot = await run('graph', wf(cli.filled().runA), '--format', 'dot');
    expect(dot.stdout).toMatch(/^digraph lineage \{\n/);
    expect(dot.stdout.match(/subgraph cluster_/g)).toHaveLength(2);
  });

  it('diff: what changed between two runs', async () => {
    const { runA, runB } = cli.filled();
    const diff = json<RunDiff>(await run('diff', wf(runA), wf(runB), '--json'));
    expect(diff.parameters).toContainEqual(
      expect.objectContaining({ step: 'trainingPipeline', path: 'args[0].seed', a: 7, b: 12 }),
    );
    expect(diff.metrics.map((m) => m.field)).toContain('accuracy');
  });

  // Rendering does not depend on the driver; checked once, where spawns are cheap and can overlap.
  it.runIf(driver === 'postgres')(
    'human output: aligned tables, colour only on request off a terminal',
    async () => {
      const { runA, runB, modelId } = cli.filled();
      const [table, coloured, shown, traced, diffed, mermaid] = await Promise.all([
        run('runs', '--limit', '2'),
        lineage(['--db', cli.db(), 'runs', '--limit', '1'], { FORCE_COLOR: '1' }),
        run('show', wf(runA)),
        run('trace', `a${modelId}`, '--depth', '1'),
        run('diff', wf(runA), wf(runB)),
        run('graph', runA, '--format', 'mermaid'),
      ]);
      expect(table.stdout).not.toMatch(ANSI);
      expect(table.stdout.split('\n')[0]).toMatch(/^RUN\s+PIPELINE\s+STATUS\s+STARTED\s+DURATION\s+PARENT$/);
      expect(table.stderr).toMatch(/--cursor \S+/);
      expect(coloured.stdout).toMatch(ANSI);
      expect(shown.stdout).toMatch(
        /^e\d+\s+splitDataset\s+1\s+COMPLETE\s+\d+ ms\s+args\[0\] Dataset iris-raw\.json a\d+/m,
      );
      expect(traced.stdout).toMatch(/^\s*1\s+e\d+\s+registerModel\s+COMPLETE .*→ a\d+ result$/m);
      expect(traced.stderr).toMatch(/raise --depth/);
      expect(diffed.stdout).toMatch(/^ {2}trainingPipeline\s+args\[0\]\.seed\s+7\s+12\s+changed$/m);
      // The two grids share no entry, so each evaluation is paired with nothing on the other side.
      expect(diffed.stdout).toMatch(
        /^ {2}hyperparameterSearch\/evaluateModel ← hyperparameterSearch\/trainModel\[args\[1\]\.maxFeatures=2, args\[1\]\.nEstimators=5\], splitDataset\s+accuracy\s+absent\s+[\d.]+\s+—$/m,
      );
      expect(mermaid.stdout).toMatch(/^flowchart LR\n/);
    },
  );

  it('export: OpenLineage events, one per line, valid against the spec', async () => {
    const result = await run('export', '--format', 'openlineage');
    expect(result.code).toBe(0);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as OpenLineageRunEvent);
    const validate = openLineageValidator();
    expect(events.flatMap((e) => validate(e))).toEqual([]);
    expect(new Set(events.map((e) => e.job.name))).toEqual(
      new Set([
        'trainingPipeline',
        'hyperparameterSearch',
        'failsAfterOneStep',
        'loadIris',
        'splitDataset',
        'trainModel',
        'evaluateModel',
        'registerModel',
        'square',
      ]),
    );
  });

  it('errors: unknown run with suggestions (3), ambiguous prefix with candidates (4)', async () => {
    const { tag, runA } = cli.filled();
    const unknown = await run('show', `iris-${tag}-c`);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain(`did you mean:\n  ${wf(runA)}`);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    const ambiguous = await run('show', `iris-${tag}`, '--json');
    expect(ambiguous.code).toBe(4);
    const { error } = JSON.parse(ambiguous.stderr) as { error: { code: string; candidates: string[] } };
    expect(error.code).toBe('AMBIGUOUS');
    expect(error.candidates).toContain(wf(runA));
  });

  it('migrate: reports the applied migrations', async () => {
    const migrated = json<{ driver: string; migrations: number }>(await run('migrate', '--json'));
    expect(migrated.driver).toBe(driver);
    expect(migrated.migrations).toBeGreaterThan(0);
  });

  it('empty store (6): says how to record something', async () => {
    // Embedded: a missing folder is an empty store, and reading does not create it (creating a
    // PGlite store is slow, so the fresh-schema path is exercised on Postgres).
    const database =
      driver === 'postgres' ? await createTestDatabase(inject('postgresAdminUrl'), 'cli_empty') : undefined;
    const db = database?.url ?? join(mkdtempSync(join(tmpdir(), 'lineage-empty-')), 'store');
    try {
      if (database) expect((await lineage(['--db', db, 'migrate'])).code).toBe(0);
      const empty = await lineage(['--db', db, 'show', 'anything']);
      expect(empty.code).toBe(6);
      expect(empty.stderr).toMatch(/Nothing is recorded in the lineage store at \S+/);
      expect(empty.stderr).toContain(driver === 'postgres' ? new URL(db).pathname : `pglite:${db}`);
      expect(empty.stderr).toContain('plugins: [new LineagePlugin()]');
      expect(empty.stderr).not.toContain('npm run demo');
      if (!database) expect(existsSync(db)).toBe(false);
    } finally {
      await database?.drop();
    }
  });
});

describe('lineage CLI without a store', () => {
  it('unreachable database (5) names the URL without its password', async () => {
    const result = await lineage(['--db', 'postgres://alice:s3cret@127.0.0.1:1/lineage', 'runs']);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('postgres://alice:***@127.0.0.1:1/lineage');
    expect(result.stderr).not.toContain('s3cret');
  });

  it('usage errors (2): unknown option, bad filter; help is not an error', async () => {
    expect((await lineage(['runs', '--bogus'])).code).toBe(2);
    const bad = await lineage(['runs', '--where', 'accuracy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Metrics\.accuracy>0\.9/);
    const help = await lineage(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Commands:[\s\S]*trace[\s\S]*diff[\s\S]*export/);
  });
});
