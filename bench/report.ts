import { cpus, loadavg, totalmem } from 'node:os';
import { formatTable } from '../scripts/format-table';

/** One line of the bench's final table: a measured figure against its target. */
export interface TargetResult {
  readonly part: 'capture' | 'queries' | 'storage';
  readonly name: string;
  readonly driver: 'postgres' | 'pglite' | '';
  readonly measured: string;
  readonly target: string;
  /** null: reported for information, not gated. */
  readonly pass: boolean | null;
}

/** The nearest-rank `p`th percentile (0–100) of a sample. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Median (the mean of the middle two for an even count), 95th percentile and maximum of a sample. */
export function stats(values: readonly number[]): { median: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
  return { median, p95: percentile(sorted, 95), max: sorted.at(-1) ?? NaN };
}

/** `3.21 ms`, `48 ms`, `1.20 s`. */
export function ms(value: number): string {
  if (value < 10) return `${value.toFixed(2)} ms`;
  return value < 1000 ? `${value.toFixed(0)} ms` : `${(value / 1000).toFixed(2)} s`;
}

/** The machine, as the README's Performance section quotes it. */
export function machine(): string {
  const [one, five] = loadavg();
  return (
    `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `Node ${process.version}, load average ${one!.toFixed(2)} (1 min) / ${five!.toFixed(2)} (5 min)`
  );
}

/** Prints every target with its measured value and verdict; returns whether all gated ones passed. */
export function printTargets(results: readonly TargetResult[]): boolean {
  console.log('\n══ targets ══');
  console.log(
    formatTable(
      ['part', 'target', 'driver', 'measured', 'target value', 'result'],
      results.map((r) => [
        r.part,
        r.name,
        r.driver,
        r.measured,
        r.target,
        r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL',
      ]),
      { align: ['left', 'left', 'left', 'right', 'right', 'left'] },
    ),
  );
  const failed = results.filter((r) => r.pass === false);
  console.log(
    failed.length === 0
      ? `\nall ${results.filter((r) => r.pass !== null).length} gated targets met`
      : `\n${failed.length} target(s) missed: ${failed.map((r) => `${r.name}${r.driver ? ` (${r.driver})` : ''}`).join(', ')}`,
  );
  return failed.length === 0;
}
