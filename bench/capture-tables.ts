import { cpus } from 'node:os';
import { formatTable } from '../scripts/format-table';
import type { Batch } from './capture-batch';
import { cpuPerActivity } from './cpu-sample';
import { ms, percentile } from './report';

const signed = (value: number) => `${value >= 0 ? '+' : '−'}${ms(Math.abs(value))}`;
const cpuMs = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)} ms`);

const throughput = (batches: ReadonlyArray<Pick<Batch, 'activities' | 'ms'>>) =>
  batches.reduce((n, b) => n + b.activities, 0) / (batches.reduce((s, b) => s + b.ms, 0) / 1000);

function summarise(batches: Batch[]) {
  const e2e = batches.flatMap((b) => b.e2eMs);
  const overhead = batches.flatMap((b) => b.overheadMs);
  const warmups = batches.map((b) => b.warmup);
  return {
    throughput: throughput(batches),
    warmupThroughput: throughput(warmups),
    warmupWorkerCpu: cpuPerActivity(warmups).worker,
    e2e50: percentile(e2e, 50),
    e2e99: percentile(e2e, 99),
    over50: percentile(overhead, 50),
    over99: percentile(overhead, 99),
    cpu: cpuPerActivity(batches),
  };
}

type Summary = ReturnType<typeof summarise>;

/** Prints one concurrency's rounds, latencies and CPU per activity, with what each figure measures. */
export function printScenario(run: {
  /** The baseline first, then each plugin mode. */
  modes: Array<{ label: string; batches: Batch[] }>;
  /** Per plugin mode (in order), per round: its throughput over the baseline's. */
  ratios: number[][];
  order: string[];
}): void {
  const [baseline, ...plugin] = run.modes as [{ label: string; batches: Batch[] }, ...typeof run.modes];
  const rate = (b: Batch) => (b.activities / (b.ms / 1000)).toFixed(0);
  console.log(
    formatTable(
      [
        'round',
        'order',
        ...run.modes.map((m) => `${m.label} (act/s)`),
        ...plugin.map((m) => `${m.label} ratio`),
      ],
      run.order.map((order, i) => [
        String(i + 1),
        order,
        ...run.modes.map((m) => rate(m.batches[i]!)),
        ...run.ratios.map((r) => r[i]!.toFixed(3)),
      ]),
      {
        align: [
          'right',
          'left',
          ...run.modes.map(() => 'right' as const),
          ...plugin.map(() => 'right' as const),
        ],
        indent: '   ',
      },
    ),
  );
  const [without, ...withPlugin] = run.modes.map((m) => summarise(m.batches)) as [
    ReturnType<typeof summarise>,
    ...Array<ReturnType<typeof summarise>>,
  ];
  const probes = baseline.batches.flatMap((b) => b.probeMs);
  const row = (label: string, pick: (s: ReturnType<typeof summarise>) => number) => [
    label,
    ms(pick(without)),
    ...withPlugin.map((s) => `${ms(pick(s))} (${signed(pick(s) - pick(without))})`),
  ];
  /** Activities per second, and each plugin mode's ratio to the baseline. */
  const rateRow = (label: string, pick: (s: Summary) => number) => [
    label,
    pick(without).toFixed(0),
    ...withPlugin.map((s) => `${pick(s).toFixed(0)} (x ${(pick(s) / pick(without)).toFixed(3)})`),
  ];
  const headers = ['measure', `${baseline.label}`, ...plugin.map((m) => `${m.label} (− baseline)`)];
  const align = ['left' as const, ...run.modes.map(() => 'right' as const)];
  console.log(
    formatTable(
      headers,
      [
        rateRow('throughput (activities/s)', (s) => s.throughput),
        rateRow(
          `throughput, each batch's warm-up before it (a fresh Worker's first ${baseline.batches[0]!.warmup.activities})`,
          (s) => s.warmupThroughput,
        ),
        row('in-worker time outside the body, p50', (s) => s.over50),
        row('in-worker time outside the body, p99', (s) => s.over99),
        ...(probes.length > 0
          ? [
              [
                'floor: one committed write at activity start, p50 / p99',
                `${ms(percentile(probes, 50))} / ${ms(percentile(probes, 99))}`,
                ...plugin.map(() => ''),
              ],
            ]
          : []),
        row('activity latency, workflow view, p50', (s) => s.e2e50),
        row('activity latency, workflow view, p99', (s) => s.e2e99),
      ],
      { align, indent: '   ' },
    ),
  );
  console.log(
    '   added latency = the "− baseline" of the in-worker rows: per activity, the time from the Worker handing\n' +
      "   the task to its activity interceptors to the result leaving them, minus the activity body's own time\n" +
      "   (capture, and with commit before-result the plugin's writes, waiting for the event loop and the pool), as\n" +
      '   p50 and p99 of each mode, subtracted. The workflow view (schedule → result, 1 ms clock) includes Temporal round trips.' +
      (probes.length > 0
        ? '\n   floor = in the baseline run, a one-row insert committed to the same Postgres, issued as each activity\n' +
          '   enters the Worker (not awaited by it): what any write made at that moment waits, at the least.'
        : ''),
  );
  const cpuRows = (
    [
      ['this process (workers + client)', (s) => s.cpu.worker],
      ['  of which its main thread (activities, plugin JS)', (s) => s.cpu.mainThread],
      ["  this process during the warm-up (a fresh Worker's first activities)", (s) => s.warmupWorkerCpu],
      ['Temporal dev server', (s) => s.cpu.temporal],
      ['Postgres', (s) => s.cpu.postgres],
      ['other processes on the machine', (s) => s.cpu.other],
      ['whole machine', (s) => s.cpu.machine],
    ] as Array<[string, (s: Summary) => number | undefined]>
  ).map(([label, pick]) => {
    const a = pick(without);
    return [
      label,
      cpuMs(a),
      ...withPlugin.map((s) => {
        const b = pick(s);
        return a === undefined || b === undefined ? 'n/a' : `${cpuMs(b)} (${signed(b - a)})`;
      }),
    ];
  });
  console.log(
    formatTable(
      ['CPU per activity (all cores)', baseline.label, ...plugin.map((m) => `${m.label} (− baseline)`)],
      cpuRows,
      {
        align,
        indent: '   ',
      },
    ),
  );
  const all = run.modes.flatMap((m) => m.batches);
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
