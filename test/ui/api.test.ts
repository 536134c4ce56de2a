import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffRuns } from '../../src/query/diff';
import { describeRun } from '../../src/query/run-detail';
import { startUiServer, type UiServer } from '../../src/ui/server';
import { DRIVERS, useStore } from '../support/stores';
import { fillStore, type Filled } from '../query/fill-store';
import type {
  ArtifactAnswer,
  ArtifactJson,
  CompareJson,
  ExecutionJson,
  GraphJson,
  RunJson,
} from './api-types';
import { rawGet, request, seg, type ErrorBody } from './ui-support';
import { LINEAGE_TABLES } from '../../src/store/schema';

const TABLES = LINEAGE_TABLES;

describe.each(DRIVERS)('web UI JSON API on %s', (driver) => {
  const ctx = useStore(driver, `ui_api_${driver}`);
  let filled: Filled;
  let server: UiServer;
  let base: string;
  /** runA's registered model, and the raw dataset loadIris wrote for it. */
  let model: number;
  let raw: number;
  let rowCounts: Record<string, number>;
  const errors: unknown[] = [];
  const get = <T = ErrorBody>(path: string, init?: RequestInit) => request<T>(base, path, init);

  const counts = async () => {
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const [row] = await ctx
        .store()
        .rows<{ n: string | number }>(sql.raw(`select count(*) as n from ${table}`));
      out[table] = Number(row!.n);
    }
    return out;
  };

  beforeAll(async () => {
    filled = await fillStore(ctx.store());
    const { executions } = await describeRun(ctx.store(), filled.runA);
    model = executions.find((e) => e.activityType === 'registerModel')!.outputs[0]!.artifact.id;
    raw = executions
      .find((e) => e.activityType === 'loadIris')!
      .outputs.find((o) => o.artifact.type === 'Dataset')!.artifact.id;
    rowCounts = await counts();
    server = await startUiServer({ store: ctx.store(), port: 0, onError: (e) => errors.push(e) });
    base = server.url;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('binds loopback and serves the page, its modules and the two libraries', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).toContain('<script type="module" src="/app.js">');
    for (const path of [
      '/app.js',
      '/lib/graph-view.js',
      '/styles.css',
      '/vendor/dagre.esm.js',
      '/vendor/uPlot.esm.js',
    ]) {
      const file = await get(path);
      expect(file.status, path).toBe(200);
    }
    expect((await get('/vendor/dagre.esm.js')).text).toContain('export{');
    expect((await get('/app.js')).headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('store and pipelines', async () => {
    const store = await get<{ target: string }>('/api/store');
    expect(store.body).toEqual({ target: ctx.store().target, driver, empty: false });
    const { pipelines } = (await get<{ pipelines: Array<{ name: string; runs: number }> }>('/api/pipelines'))
      .body;
    expect(Object.fromEntries(pipelines.map((p) => [p.name, p.runs]))).toEqual({
      trainingPipeline: 2,
      hyperparameterSearch: 2,
      failsAfterOneStep: 1,
    });
  });

  it('runs: newest first, filtered by pipeline, status, workflow id and roots, with key metrics, paged', async () => {
    const { runA, runB, failed, tag } = filled;
    const names = async (query: string) =>
      (await get<{ runs: RunJson[] }>(`/api/runs${query}`)).body.runs.map((r) => r.name);
    expect(await names('?roots=true')).toEqual([failed, runB, runA]);
    expect(await names('?pipeline=trainingPipeline')).toEqual([runB, runA]);
    expect(await names('?status=FAILED')).toEqual([failed]);
    expect(await names('?status=failed,completed&roots=true')).toEqual([failed, runB, runA]);
    expect(await names(`?search=${tag.toUpperCase()}-A&roots=true`)).toEqual([runA]);
    // LIKE's wildcards are text: `_` matches only an underscore.
    expect(await names('?search=iris_')).toEqual([]);
    expect(await names('?search=%25')).toEqual([]);
    const { runs } = (await get<{ runs: RunJson[] }>('/api/runs?pipeline=trainingPipeline')).body;
    // A pipeline run's own steps read the winner's Metrics (registerModel's input).
    expect(runs[0]!.metrics.map((m) => m.field)).toEqual(['accuracy', 'testRows']);
    expect(runs[0]!.metrics[0]!.min).toBeGreaterThan(0.5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/runs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await get<{ runs: RunJson[]; nextCursor: string | null }>(query)).body;
      seen.push(...page.runs.map((r) => r.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(await names('?limit=200'));
    expect(seen).toHaveLength(5);
  });

  it('one run: by full name (encoded slash) or workflow id, with its child runs', async () => {
    const { runA } = filled;
    const byName = await get<{ run: RunJson; pipeline: string; family: unknown[] }>(`/api/runs/${seg(runA)}`);
    expect(byName.status).toBe(200);
    expect(byName.body.run.name).toBe(runA);
    expect(byName.body.pipeline).toBe('trainingPipeline');
    expect(byName.body.family).toEqual([
      {
        path: 'hyperparameterSearch',
        run: expect.objectContaining({ workflowType: 'hyperparameterSearch', parentRun: runA }) as unknown,
      },
    ]);
    expect((await get<{ run: RunJson }>(`/api/runs/${seg(runA.split('/')[0]!)}`)).body.run.name).toBe(runA);
  });

  it('a run graph: every attempt of the run tree once, with its state, paged', async () => {
    const { runA } = filled;
    const graph = (await get<GraphJson>(`/api/runs/${seg(runA)}/graph`)).body;
    const executions = graph.nodes.filter((n) => n.kind === 'execution');
    expect(executions.map((e) => e.activityType).sort()).toEqual(
      [
        'loadIris',
        'splitDataset',
        'registerModel',
        ...Array<string>(3).fill('trainModel'),
        ...Array<string>(3).fill('evaluateModel'),
      ].sort(),
    );
    expect(new Set(executions.map((e) => e.state))).toEqual(new Set(['COMPLETE']));
    expect(graph.truncated).toBe(false);
    const first = (await get<GraphJson>(`/api/runs/${seg(runA)}/graph?maxNodes=4`)).body;
    expect(first.nodes).toHaveLength(4);
    const second = (
      await get<GraphJson>(`/api/runs/${seg(runA)}/graph?maxNodes=4&cursor=${first.nextCursor}`)
    ).body;
    expect(second.nodes).toHaveLength(4);
  });

  it('an execution, and an artifact with producers, consumers and (for a Model) its provenance', async () => {
    const { executions } = await describeRun(ctx.store(), filled.runA);
    const load = executions.find((e) => e.activityType === 'loadIris')!;
    const e = (await get<{ execution: ExecutionJson }>(`/api/executions/${load.id}`)).body.execution;
    expect(e).toMatchObject({ id: load.id, activityType: 'loadIris', state: 'COMPLETE', run: filled.runA });
    expect(e.outputs.map((o) => o.artifact.id)).toContain(raw);
    expect((await get<{ execution: ExecutionJson }>(`/api/executions/e${load.id}`)).body.execution.id).toBe(
      load.id,
    );

    const answer = (await get<ArtifactAnswer>(`/api/artifacts/${model}`)).body;
    expect(answer.artifact).toMatchObject({ id: model, type: 'Model' });
    expect(answer.producers.map((p) => p.activityType)).toEqual(['registerModel']);
    expect(answer.provenance.datasets.map((d) => d.artifact.id)).toContain(raw);
    expect(answer.provenance.parameters).toContainEqual(
      expect.objectContaining({ activityType: 'trainModel', path: 'args[1].seed', value: 7 }),
    );
    const datasets = (await get<{ artifacts: ArtifactJson[] }>('/api/artifacts?type=Dataset&limit=200')).body
      .artifacts;
    expect(datasets.map((d) => d.id)).toContain(raw);
  });

  it("an artifact's lineage: upstream reaches the raw dataset; hops and direction bound it", async () => {
    const keys = async (query: string) =>
      (await get<GraphJson>(`/api/artifacts/${model}/lineage${query}`)).body.nodes.map((n) => n.key);
    expect(await keys('?direction=upstream&hops=8')).toContain(`artifact:${raw}`);
    expect(await keys('?direction=upstream&hops=2')).not.toContain(`artifact:${raw}`);
    expect(await keys('?direction=downstream&hops=8')).toEqual([`artifact:${model}`]);
    expect(await keys(`?hops=8&run=${seg(filled.runB)}`)).toEqual([`artifact:${model}`]);
  });

  it('compare and diff: the metric values the store holds, side by side', async () => {
    const { runA, runB } = filled;
    const cmp = (await get<CompareJson>(`/api/compare?run=${seg(runA)}&run=${seg(runB)}`)).body;
    expect(cmp.runs.map((r) => r.name)).toEqual([runA, runB]);
    const stored = async (ref: string) => {
      const { executions } = await describeRun(ctx.store(), `${ref.split('/')[0]!}-search`);
      return executions
        .filter((e) => e.activityType === 'evaluateModel')
        .map((e) => (e.outputs[0]!.artifact.value as { accuracy: number }).accuracy)
        .sort();
    };
    const accuracy = cmp.metrics.filter((m) => m.field === 'accuracy');
    // The two grids share no entry: each evaluation is a row of its own, absent from the other run.
    const column = (i: number) => accuracy.flatMap((m) => (m.values[i] === 'missing' ? [] : [m.values[i]]));
    expect(column(0).sort()).toEqual(await stored(runA));
    expect(column(1).sort()).toEqual(await stored(runB));
    expect(accuracy.every((m) => m.values.filter((v) => v === 'missing').length === 1)).toBe(true);
    expect(cmp.parameters).toContainEqual(
      expect.objectContaining({ step: 'trainingPipeline', path: 'args[0].seed', values: [7, 12] }),
    );
    const diff = (await get<unknown>(`/api/diff?a=${seg(runA)}&b=${seg(runB)}`)).body;
    expect(diff).toEqual(JSON.parse(JSON.stringify(await diffRuns(ctx.store(), runA, runB))));
  });

  it('bad parameters are 400s that name each problem', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/runs?limit=0', /limit/],
      ['/api/runs?limit=abc', /limit: a whole number/],
      ['/api/runs?limit=1e3', /limit/],
      ['/api/runs?status=BOGUS', /status/],
      ['/api/runs?colour=red', /colour/],
      ['/api/runs?pipeline=a&pipeline=b', /pipeline: given 2 times/],
      ['/api/runs?cursor=not-a-cursor', /cursor/],
      ['/api/runs?roots=maybe', /roots/],
      ['/api/artifacts/abc', /a numeric id/],
      ['/api/artifacts/1/lineage?direction=sideways', /direction/],
      ['/api/artifacts/1/lineage?hops=51', /hops/],
      ['/api/compare?run=only-one', /at least two runs/],
      ['/api/diff?a=x', /b/],
      ['/api/store?x=1', /x/],
    ];
    for (const [path, message] of cases) {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error.code, path).toBe('BAD_PARAMETER');
      expect(answer.body.error.details.issues!.join('\n'), path).toMatch(message);
    }
    // A runs cursor is not an artifacts cursor.
    const { nextCursor } = (await get<{ nextCursor: string }>('/api/runs?limit=1')).body;
    expect((await get(`/api/artifacts?cursor=${nextCursor}`)).status).toBe(400);
  });

  it('unknown things are 404s with suggestions; an ambiguous prefix is a 409 with candidates', async () => {
    const { runA, tag } = filled;
    const typo = await get(`/api/runs/${seg(runA.split('/')[0]!.replace('iris', 'irsi'))}`);
    expect(typo.status).toBe(404);
    expect(typo.body.error).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'run' } });
    expect(typo.body.error.details.suggestions).toContain(runA.split('/')[0]);
    const ambiguous = await get(`/api/runs/${seg(`iris-${tag}`)}`);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error.code).toBe('AMBIGUOUS');
    expect(ambiguous.body.error.details.candidates!.length).toBeGreaterThan(1);
    for (const path of [
      '/api/executions/999999999',
      '/api/artifacts/999999999',
      '/api/artifacts/999999999/lineage',
    ]) {
      expect((await get(path)).body.error.code, path).toBe('NOT_FOUND');
    }
    const none = await get('/api/nothing/here');
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('NO_ROUTE');
    expect((await get('/no-such-page.html')).status).toBe(404);
  });

  it('hostile strings: injection, NUL, bad encodings, traversal, huge input, markup', async () => {
    const hostile = [
      `x'; drop table contexts; --`,
      '<script>alert(1)</script>',
      '🦄 ünïcødé',
      'a'.repeat(400),
      '%_\\',
    ];
    for (const text of hostile) {
      const run = await get(`/api/runs/${seg(text)}`);
      expect(run.status, text).toBe(404);
      expect(run.headers.get('content-type'), text).toMatch(/^application\/json/);
      expect(run.body.error.details.key, text).toBe(text);
      expect((await get<{ runs: RunJson[] }>(`/api/runs?search=${seg(text)}`)).body.runs, text).toEqual([]);
    }
    expect((await get(`/api/runs/${seg('a\u0000b')}`)).status).toBe(400);
    expect((await get(`/api/runs?pipeline=${seg('x\u0000')}`)).status).toBe(400);
    expect((await get(`/api/runs/${'a'.repeat(10_000)}`)).status).toBe(400);
    const badEncoding = await get('/api/runs/%E0%A4%A');
    expect([badEncoding.status, badEncoding.body.error.code]).toEqual([400, 'BAD_PATH']);
    const traversals = [
      '/../package.json',
      '/..%2F..%2Fpackage.json',
      '/%2e%2e/%2e%2e/package.json',
      '/lib/../../../package.json',
      '/vendor/../../../../package.json',
      '//etc/passwd',
      '/api/../package.json',
    ];
    for (const path of traversals) {
      const answer = await rawGet(server.port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.text, path).not.toContain('temporal-lineage');
    }
    // DNS rebinding: a loopback server answers only to loopback names.
    const rebound = await rawGet(server.port, '/api/store', { Host: `evil.example:${server.port}` });
    expect([rebound.status, (JSON.parse(rebound.text) as ErrorBody).error.code]).toEqual([
      403,
      'FORBIDDEN_HOST',
    ]);
    expect((await rawGet(server.port, '/', { Host: 'evil.example' })).status).toBe(403);
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `LOCALHOST:${server.port}`])
      expect((await rawGet(server.port, '/api/store', { Host: host })).status, host).toBe(200);
    expect(errors).toEqual([]);
  });

  it('read-only: only GET and HEAD, and the store is unchanged by everything above', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const answer = await get('/api/runs', { method, body: method === 'OPTIONS' ? null : '{}' });
      expect(answer.status, method).toBe(405);
      expect(answer.headers.get('allow'), method).toBe('GET, HEAD');
      expect(answer.body.error.code, method).toBe('METHOD_NOT_ALLOWED');
    }
    const head = await get('/api/pipelines', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(Number(head.headers.get('content-length'))).toBe((await get('/api/pipelines')).text.length);
    expect(await counts()).toEqual(rowCounts);
  });
});
