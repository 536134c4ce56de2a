// A metric across runs over time, drawn by uPlot (a small, dependency-free chart library served
// as an ES module from node_modules). Runs are spaced evenly, oldest first, and labelled with
// their start time: runs come in bursts, and a true time axis would pile a burst onto one tick.
import uPlot from '/vendor/uPlot.esm.js';
import { formatNumber, formatTime, shortRun } from './format.js';

const PALETTE = ['#2563eb', '#db2777', '#16a34a', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04', '#475569'];

/**
 * @param container where the chart goes
 * @param runs `[{ name, startedAt }]`, one per column of `rows`
 * @param rows `[{ label, values }]`, one line each; `values[i]` belongs to `runs[i]`
 */
export function metricChart(container, runs, rows, field) {
  const order = runs
    .map((run, i) => ({ i, run }))
    .sort((a, b) => a.run.startedAt.localeCompare(b.run.startedAt));
  const xs = order.map((_, n) => n);
  const data = [xs, ...rows.map((row) => order.map((o) => row.values[o.i] ?? null))];
  const tick = (n) => {
    const run = order[n]?.run;
    return run ? formatTime(run.startedAt).slice(5) : '';
  };
  return new uPlot(
    {
      width: Math.max(320, container.clientWidth - 8),
      height: 280,
      title: `${field} across runs, oldest to newest`,
      scales: { x: { time: false, range: () => [-0.4, Math.max(1, xs.length - 1) + 0.4] } },
      series: [
        { label: 'run', value: (_, n) => (n === null || !order[n] ? '—' : shortRun(order[n].run.name)) },
        ...rows.map((row, i) => ({
          label: row.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          spanGaps: true,
          value: (_, v) => formatNumber(v),
          points: { show: true, size: 8, fill: PALETTE[i % PALETTE.length] },
        })),
      ],
      axes: [
        {
          stroke: '#64748b',
          grid: { stroke: '#eef2f7' },
          splits: () => xs,
          values: (_, splits) => splits.map(tick),
        },
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, size: 60 },
      ],
    },
    data,
    container,
  );
}
