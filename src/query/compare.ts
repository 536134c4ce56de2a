import { z } from 'zod';
import type { LineageStore } from '../store/open-store';
import {
  argumentLeaves,
  diffPaired,
  loadRun,
  metricFields,
  MISSING,
  pairRuns,
  plainLeaves,
  typedKinds,
  describeRun,
  type DiffRun,
  type Missing,
  type PairedRun,
  type RunDiff,
} from './diff';
import { sameValue } from './flatten';
import { parseInput } from './rows';

/** Two to twenty run references, anything `getRun` accepts. */
export const CompareRunsSchema = z.array(z.string().min(1)).min(2).max(20);

/** A parameter leaf across the compared runs; only leaves that differ somewhere are listed. */
export interface ParameterRow {
  readonly step: string;
  readonly path: string;
  /** One stored value per run, in the order the runs were given; `'missing'` where a run lacks the step or leaf. */
  readonly values: unknown[];
  /** Per run, whether it lacks the step or leaf (so a stored string `'missing'` is not mistaken for absence). */
  readonly missing: boolean[];
}

/** A numeric Metrics field across the compared runs (equal ones included). */
export interface MetricRow {
  readonly step: string;
  readonly path: string;
  readonly field: string;
  /** One value per run; `'missing'` where a run lacks the step or field. */
  readonly values: Array<number | Missing>;
}

/** Several runs side by side, their steps paired across all of them at once. */
export interface RunComparison {
  readonly runs: DiffRun[];
  readonly parameters: ParameterRow[];
  readonly metrics: MetricRow[];
  /** `runs[0]` against `runs[i]`, for i = 1…n-1: steps, inputs, code and outputs that differ. */
  readonly diffs: RunDiff[];
}

const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** Every parameter leaf of a run: workflow arguments by run label, plain activity inputs by step label. */
function parameterLeaves(run: PairedRun, kinds: ReadonlySet<string>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [label, args] of argumentLeaves(run, kinds))
    for (const [path, value] of args) out.set(`${label}\0${path}`, value);
  for (const [label, step] of run.steps)
    for (const [path, value] of plainLeaves(step.execution.inputs)) out.set(`${label}\0${path}`, value);
  return out;
}

/**
 * Compares two or more runs (of one pipeline, usually): every parameter leaf that differs in any
 * of them and every numeric Metrics field, one column per run. Steps are paired across all the
 * runs at once (one label per step), and a run that lacks a step or a leaf shows `'missing'`,
 * never another run's value.
 *
 * @example
 * const { runs, metrics } = await compareRuns(store, ['iris-a', 'iris-b', 'iris-c']);
 * for (const m of metrics) console.log(m.step, m.field, m.values.join(' | '));
 */
export async function compareRuns(store: LineageStore, refs: readonly string[]): Promise<RunComparison> {
  const list = parseInput('runs to compare', CompareRunsSchema, refs);
  const loaded = [];
  for (const ref of list) loaded.push(await loadRun(store, ref));
  const runs = pairRuns(loaded);
  const [first, ...others] = runs;
  const diffs = others.map((other) => diffPaired(first!, other));

  const kinds = typedKinds(runs);
  const leafMaps = runs.map((run) => parameterLeaves(run, kinds));
  const keys = [...new Set(leafMaps.flatMap((m) => [...m.keys()]))];
  const parameters: ParameterRow[] = [];
  for (const key of keys) {
    const [step, path] = key.split('\0') as [string, string];
    const missing = leafMaps.map((m) => !m.has(key));
    const values = leafMaps.map((m) => (m.has(key) ? m.get(key) : MISSING));
    const differs = values.some((v, i) => missing[i] !== missing[0] || !sameValue(v, values[0]));
    if (differs) parameters.push({ step, path, values, missing });
  }

  const metricMaps = runs.map((run) => {
    const out = new Map<string, number>();
    for (const [label, step] of run.steps)
      for (const [key, value] of metricFields(step)) out.set(`${label}\0${key}`, value);
    return out;
  });
  const metrics = [...new Set(metricMaps.flatMap((m) => [...m.keys()]))].map((key): MetricRow => {
    const [step, path, field] = key.split('\0') as [string, string, string];
    return { step, path, field, values: metricMaps.map((m) => m.get(key) ?? MISSING) };
  });
  const bySteps = (a: { step: string; path: string }, b: { step: string; path: string }) =>
    natural(a.step, b.step) || natural(a.path, b.path);
  return {
    runs: runs.map((r) => describeRun(r.run)),
    parameters: parameters.sort(bySteps),
    metrics: metrics.sort((a, b) => bySteps(a, b) || natural(a.field, b.field)),
    diffs,
  };
}
