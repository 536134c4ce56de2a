import { cpus } from 'node:os';
import { formatTable } from '../scripts/format-table';
import type { Batch } from './capture-overhead';
import { cpuPerActivity } from './cpu-sample';
import { ms, percentile } from './report';

const signed = (value: number) => `${value >= 0 ? '+' : '−'}${ms(Math.abs(value))}`;
const cpuMs = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)} ms`);

function summarise(batches: Batch[]) {
  const activities = batches.reduce((n, b) => n + b.activities, 0);
  const seconds = batches.reduce((s, b) => s + b.ms, 0) / 1000;
  const e2e = batches.flatMap((b) => b.e2eMs);
  const overhead = batches.flatMap((b) => b.overheadMs);
  return {
    throughput: activities / seconds,
    e2e50: percentile(e2e, 50),
    e2e99: percentile(e2e, 99),
    over50: percentile(overhead, 50),
    over99: percentile(overhead, 99),
    cpu: cpuPerActivity(batches),
  };
}

/** Prints one concurrency's rounds, latencies and CPU per activity, with what each figure measures. */
export function printScenario(run: {
  baseline: Batch[];
  lineage: Batch[];
  ratios: number[];
  order: string[];
}): void {
  const rate = (b: Batch) => (b.activities / (b.ms / 1000)).toFixed(0);
  console.log(
    formatTable(
      ['round', 'order', 'without (act/s)', 'with (act/s)', 'ratio'],
      run.ratios.map((ratio, i) => [
        String(i + 1),
        run.order[i]!,
        rate(run.baseline[i]!),
        rate(run.lineage[i]!),
        ratio.toFixed(3),
      ]),
      { align: ['right', 'left', 'right', 'right', 'right'], indent: '   ' },
    ),
  );
  const [without, withPlugin] = [summarise(run.baseline), summarise(run.lineage)];
  const probes = run.baseline.flatMap((b) => b.probeMs);
  const row = (label: string, a: number, b: number) => [label, ms(a), ms(b), signed(b - a)];
  console.log(
    formatTable(
      ['measure', 'without plugin', 'with plugin', 'with − without'],
      [
        [
          'throughput (activities/s)',
          without.throughput.toFixed(0),
          withPlugin.throughput.toFixed(0),
          `x ${(withPlugin.throughput / without.throughput).toFixed(3)}`,
        ],
        row('in-worker time outside the body, p50', without.over50, withPlugin.over50),
        row('in-worker time outside the body, p99', without.over99, withPlugin.over99),
        ...(probes.length > 0
          ? [
              [
                'floor: one committed write at activity start, p50 / p99',
                `${ms(percentile(probes, 50))} / ${ms(percentile(probes, 99))}`,
                '',
                '',
              ],
            ]
          : []),
        row('activity latency, workflow view, p50', without.e2e50, withPlugin.e2e50),
        row('activity latency, workflow view, p99', without.e2e99, withPlugin.e2e99),
      ],
      { align: ['left', 'right', 'right', 'right'], indent: '   ' },
    ),
  );
  console.log(
    '   added latency = the "with − without" of the in-worker rows: per activity, the time from the Worker handing\n' +
      "   the task to its activity interceptors to the result leaving them, minus the activity body's own time\n" +
      "   (the plugin's start and end writes, waiting for the event loop and the connection pool), as p50 and p99\n" +
      '   of each mode, subtracted. The workflow view (schedule → result, 1 ms clock) includes Temporal round trips.' +
      (probes.length > 0
        ? '\n   floor = in the run without the plugin, a one-row insert committed to the same Postgres, issued as each\n' +
          '   activity enters the Worker (not awaited by it): what any write made at that moment waits, at the least.'
        : ''),
  );
  const cpuRows = (
    [
      ['this process (workers + client)', 'worker'],
      ['Temporal dev server', 'temporal'],
      ['Postgres', 'postgres'],
      ['other processes on the machine', 'other'],
      ['whole machine', 'machine'],
    ] as const
  ).map(([label, key]) => {
    const [a, b] = [without.cpu[key], withPlugin.cpu[key]];
    return [label, cpuMs(a), cpuMs(b), a === undefined || b === undefined ? 'n/a' : signed(b - a)];
  });
  console.log(
    formatTable(
      ['CPU per activity (all cores)', 'without plugin', 'with plugin', 'with − without'],
      cpuRows,
      {
        align: ['left', 'right', 'right', 'right'],
        indent: '   ',
      },
    ),
  );
  const all = [...run.baseline, ...run.lineage];
  const other = all.reduce(
    (sum, b) => sum + (b.cpu.machine ?? 0) - b.cpu.worker - (b.cpu.temporal ?? 0) - (b.cpu.postgres ?? 0),
    0,
  );
  const share = other / (all.reduce((sum, b) => sum + b.ms, 0) * cpus().length);
  if (all.every((b) => b.cpu.machine !== undefined) && share > 0.05) {
    console.log(
      `   note: other processes used ${(share * 100).toFixed(0)}% of the machine's CPU meanwhile; the figures are disturbed by that load.`,
    );
  }
}
