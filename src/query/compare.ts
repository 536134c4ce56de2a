import { z } from 'zod';
import type { LineageStore } from '../store/open-store';
import { diffRuns, type DiffRun, type RunDiff } from './diff';
import { parseInput } from './rows';

/** Two to twenty run references, anything `getRun` accepts. */
export const CompareRunsSchema = z.array(z.string().min(1)).min(2).max(20);

/** A parameter leaf across the compared runs; only leaves that differ somewhere are listed. */
export interface ParameterRow {
  readonly step: string;
  readonly path: string;
  /** One stored value per run, in the order the runs were given; null where a run lacks it. */
  readonly values: unknown[];
}

/** A numeric Metrics field across the compared runs (equal ones included). */
export interface MetricRow {
  readonly step: string;
  readonly path: string;
  readonly field: string;
  readonly values: Array<number | null>;
}

/** Several runs side by side: {@link diffRuns} of the first against each other one, pivoted. */
export interface RunComparison {
  readonly runs: DiffRun[];
  readonly parameters: ParameterRow[];
  readonly metrics: MetricRow[];
  /** `runs[0]` against `runs[i]`, for i = 1…n-1: steps, inputs, code and outputs that differ. */
  readonly diffs: RunDiff[];
}

const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * Compares two or more runs (of one pipeline, usually): every parameter leaf that differs in any
 * of them and every numeric Metrics field, one column per run. Built from {@link diffRuns} of the
 * first run against each other one — a leaf a diff does not list is equal to the first run's.
 *
 * @example
 * const { runs, metrics } = await compareRuns(store, ['iris-a', 'iris-b', 'iris-c']);
 * for (const m of metrics) console.log(m.step, m.field, m.values.join(' | '));
 */
export async function compareRuns(store: LineageStore, refs: readonly string[]): Promise<RunComparison> {
  const [first, ...others] = parseInput('runs to compare', CompareRunsSchema, refs);
  const diffs: RunDiff[] = [];
  for (const other of others) diffs.push(await diffRuns(store, first!, other));
  const columns = diffs.length + 1;

  const parameters = new Map<string, ParameterRow & { values: unknown[] }>();
  diffs.forEach((diff, i) => {
    for (const p of diff.parameters) {
      const key = `${p.step}\0${p.path}`;
      let row = parameters.get(key);
      // A run whose diff does not list the leaf has the first run's value.
      if (!row) parameters.set(key, (row = { step: p.step, path: p.path, values: Array(columns).fill(p.a) }));
      row.values[i + 1] = p.b;
    }
  });

  const metrics = new Map<string, MetricRow & { values: Array<number | null> }>();
  diffs.forEach((diff, i) => {
    for (const m of diff.metrics) {
      const key = `${m.step}\0${m.path}\0${m.field}`;
      let row = metrics.get(key);
      // Every field of the first run is in every diff, so a missing cell is a run without it.
      if (!row) metrics.set(key, (row = { ...m, values: Array<number | null>(columns).fill(null) }));
      row.values[0] = m.a;
      row.values[i + 1] = m.b;
    }
  });
  const bySteps = (a: { step: string; path: string }, b: { step: string; path: string }) =>
    natural(a.step, b.step) || natural(a.path, b.path);
  return {
    runs: [diffs[0]!.a, ...diffs.map((d) => d.b)],
    parameters: [...parameters.values()].sort(bySteps),
    metrics: [...metrics.values()]
      .map(({ step, path, field, values }) => ({ step, path, field, values }))
      .sort((a, b) => bySteps(a, b) || natural(a.field, b.field)),
    diffs,
  };
}
