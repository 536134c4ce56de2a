/**
 * Hostile strings at the read side: every CLI filter and argument, and every query API parameter,
 * is fed SQL fragments, LIKE wildcards, quotes, control and combining characters, NUL and lone
 * surrogates (API only: a command line cannot carry NUL) and very long text. Each answer is either
 * a correct empty result or a typed lineage error — never a driver error, never a changed store.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import { LineageError } from '../../src/errors';
import { diffRuns } from '../../src/query/diff';
import { findArtifacts } from '../../src/query/artifacts';
import { getRun } from '../../src/query/get-run';
import { traceLineage } from '../../src/query/lineage';
import { listRuns } from '../../src/query/runs';
import { LineagePlugin } from '../../src/plugin';
import { lineage } from '../cli/run-cli';
import type { LineageStore } from '../../src/store/open-store';
import { DRIVERS, useStore } from '../support/stores';
import { testClient, uniqueQueue } from '../support/temporal';
import { reliabilityActivities } from './support/activities';
import { tableCounts, withReliabilityWorker } from './support/harness';
import type { echoValue } from './support/workflows';

const HOSTILE = [
  "x'; drop table executions; --",
  '" or 1=1 --',
  "%' or '1'='1",
  '%',
  '_',
  '\\',
  '$1',
  "') union select name, name from contexts --",
  '\u202e\u0301 ünïcödé 🚀',
  '\n\r\t',
  '{"$lineage":"redacted"}',
  'a'.repeat(10_000),
];
/** Only through the TS API: argv cannot hold NUL, and lone surrogates do not survive it. */
const API_ONLY = ['nul\u0000inside', 'lone\ud800surrogate'];

/** The CLI's exits for "nothing matches" or "bad input": anything else is a bug. */
const FINE_EXITS = [0, 2, 3];

async function cli(db: string, args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (text: string) => (out += text) };
  const code = await runCli(['node', 'lineage', '--db', db, ...args], {
    stdout: sink,
    stderr: sink,
    env: {},
    cwd: process.cwd(),
  });
  return { code, out };
}

/** Two small runs (a Metrics and a Dataset passed through an activity), so that lookups have rows to miss. */
async function fill(store: LineageStore): Promise<void> {
  const { activities } = reliabilityActivities();
  const taskQueue = uniqueQueue('hostile-queries');
  const client = await testClient();
  await withReliabilityWorker({ plugin: new LineagePlugin({ store }), taskQueue, activities }, async () => {
    for (const value of [
      { kind: 'Metrics', accuracy: 0.9 },
      { kind: 'Dataset', uri: 's3://b/d.csv' },
    ]) {
      await client.workflow.execute<typeof echoValue>('echoValue', {
        taskQueue,
        workflowId: uniqueQueue('echo'),
        args: [value],
      });
    }
  });
}

describe.each(DRIVERS)('hostile strings at the query API on %s', (driver) => {
  const ctx = useStore(driver, `hostile_queries_${driver}`);

  it('returns empty results or typed errors, and changes nothing', async () => {
    const store = ctx.store();
    await fill(store);
    const before = await tableCounts(store);
    for (const h of [...HOSTILE, ...API_ONLY]) {
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ['listRuns workflowType', () => listRuns(store, { workflowType: h })],
        ['listRuns workflowIdContains', () => listRuns(store, { workflowIdContains: h })],
        ['listRuns artifact', () => listRuns(store, { artifact: { type: h, field: h, op: '=', value: h } })],
        [
          'listRuns artifact >',
          () => listRuns(store, { artifact: { type: 'Metrics', field: h, op: '>', value: h } }),
        ],
        ['listRuns cursor', () => listRuns(store, { cursor: h })],
        ['findArtifacts', () => findArtifacts(store, { type: h, uriPrefix: h })],
        ['findArtifacts digest', () => findArtifacts(store, { digest: h })],
        ['getRun', () => getRun(store, h)],
        ['traceLineage run', () => traceLineage(store, { run: h }, { direction: 'both' })],
        ['diffRuns', () => diffRuns(store, h, h)],
      ];
      for (const [what, attempt] of attempts) {
        const outcome = await attempt().then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        if ('error' in outcome) {
          expect(outcome.error, `${what} with ${JSON.stringify(h.slice(0, 40))}`).toBeInstanceOf(
            LineageError,
          );
        } else if (what.startsWith('listRuns')) {
          // Wildcards and quotes match literally: no run has such a type, id or artifact.
          expect((outcome.value as { runs: unknown[] }).runs, what).toEqual([]);
        } else if (what.startsWith('findArtifacts')) {
          expect((outcome.value as { artifacts: unknown[] }).artifacts, what).toEqual([]);
        }
      }
    }
    expect(await tableCounts(store)).toEqual(before);
    const [tables] = await store.rows<{ n: string | number }>(
      sql`select count(*) as n from information_schema.tables where table_name = 'executions'`,
    );
    expect(Number(tables!.n)).toBe(1);
  });
});

describe('hostile strings at the CLI', () => {
  const ctx = useStore('postgres', 'hostile_cli');

  it('every filter and argument answers with a clean exit, and changes nothing', async () => {
    const store = ctx.store();
    await fill(store);
    const db = ctx.url!;
    const before = await tableCounts(store);
    for (const h of HOSTILE) {
      const commands = [
        ['runs', '--pipeline', h],
        ['runs', '--json', '--where', `Metrics.accuracy=${h}`],
        ['runs', '--where', `output:Value.${h.replace(/[\s<>=!]/g, '') || 'x'}>1`],
        ['runs', '--status', h],
        ['runs', '--cursor', h],
        ['runs', '--since', h],
        ['show', h],
        ['artifacts', '--type', h, '--uri', h],
        ['artifacts', '--digest', h],
        ['trace', h],
        ['graph', h, '--run', h],
        ['diff', h, h],
        ['export', '--format', 'openlineage', '--run', h],
        ['rerun', 'execution', h],
      ];
      for (const args of commands) {
        const { code, out } = await cli(db, args);
        expect(
          FINE_EXITS,
          `lineage ${args.join(' ').slice(0, 80)} → ${code}: ${out.slice(0, 300)}`,
        ).toContain(code);
        expect(out).not.toMatch(/LINEAGE_DEBUG|at .*\.ts:\d+/);
      }
    }
    // The same through the real binary, once: quoting survives a process boundary too.
    const viaBin = await lineage(['--db', db, 'runs', '--json', '--pipeline', HOSTILE[0]!]);
    expect(viaBin.code).toBe(0);
    expect(JSON.parse(viaBin.stdout)).toEqual({ runs: [], nextCursor: null });
    expect(await tableCounts(store)).toEqual(before);
  });
});
