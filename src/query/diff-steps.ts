import type { LineageStore } from '../store/open-store';
import { getChildRuns, executionsOfContext } from './run-detail';
import type { ExecutionWithArtifacts, RunRow } from './rows';

/** A run of a family (a run and its descendants), with its place: `''` for the root, `hyperparameterSearch` for a child. */
export interface FamilyRun {
  readonly path: string;
  readonly run: RunRow;
  /** The run that started it; null for the root. */
  readonly parent: RunRow | null;
}

/** The final attempt of one activity, labelled so that the same step of another run gets the same label. */
export interface Step {
  /** `splitDataset#1`, `hyperparameterSearch/trainModel#2`. */
  readonly label: string;
  readonly execution: ExecutionWithArtifacts;
  /** How many attempts the activity took. */
  readonly attempts: number;
}

/** Natural order, so that `#10` sorts after `#9`. */
const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** A run and its descendants; each child is named by its workflow type (`#n` when a parent has several of one type). */
export async function loadFamily(store: LineageStore, root: RunRow): Promise<FamilyRun[]> {
  const family: FamilyRun[] = [{ path: '', run: root, parent: null }];
  for (let i = 0; i < family.length; i++) {
    const { path, run } = family[i]!;
    const seen = new Map<string, number>();
    for (const child of await getChildRuns(store, run.id)) {
      const type = child.workflowType ?? 'run';
      const n = (seen.get(type) ?? 0) + 1;
      seen.set(type, n);
      const name = n === 1 ? type : `${type}#${n}`;
      family.push({ path: path ? `${path}/${name}` : name, run: child, parent: run });
    }
    // Guards against a parent_contexts cycle, which capture never writes but a hand edit could.
    if (family.length > 10_000) break;
  }
  return family;
}

/**
 * Labels the final attempt of every activity in a run family. Temporal numbers activities in the
 * order a workflow schedules them, which for parallel branches depends on which finished first;
 * so a step is identified by what produced its inputs (its place in the lineage) and only then
 * by that order. Two runs of the same code get the same labels for the same steps.
 */
export async function labelSteps(store: LineageStore, family: FamilyRun[]): Promise<Step[]> {
  const all: Array<{ path: string; execution: ExecutionWithArtifacts }> = [];
  for (const { path, run } of family) {
    for (const execution of await executionsOfContext(store, run.id)) all.push({ path, execution });
  }
  const attempts = new Map<string, number>();
  const finals = new Map<string, { path: string; execution: ExecutionWithArtifacts }>();
  for (const item of all) {
    const e = item.execution;
    const key = `${e.workflowId}\0${e.runId}\0${e.activityId}`;
    attempts.set(key, (attempts.get(key) ?? 0) + 1);
    const current = finals.get(key);
    if (!current || current.execution.attempt < e.attempt) finals.set(key, item);
  }
  const items = [...finals.entries()].map(([key, item]) => ({ ...item, key }));

  const producersOf = new Map<number, typeof items>();
  for (const item of items) {
    for (const output of item.execution.outputs) {
      producersOf.set(output.artifact.id, [...(producersOf.get(output.artifact.id) ?? []), item]);
    }
  }
  const parents = new Map(
    items.map((item) => [
      item.key,
      [
        ...new Set(
          item.execution.inputs.flatMap((input) =>
            (producersOf.get(input.artifact.id) ?? []).filter((p) => p.key !== item.key),
          ),
        ),
      ],
    ]),
  );

  const depth = new Map<string, number>();
  const depthOf = (item: (typeof items)[number], visiting: Set<string>): number => {
    const known = depth.get(item.key);
    if (known !== undefined) return known;
    if (visiting.has(item.key)) return 0;
    visiting.add(item.key);
    const d = Math.max(-1, ...parents.get(item.key)!.map((p) => depthOf(p, visiting))) + 1;
    visiting.delete(item.key);
    depth.set(item.key, d);
    return d;
  };
  for (const item of items) depthOf(item, new Set());

  const labels = new Map<string, string>();
  const counters = new Map<string, number>();
  const producerLabels = (item: (typeof items)[number]) =>
    parents
      .get(item.key)!
      .map((p) => labels.get(p.key) ?? '')
      .sort(natural)
      .join('|');
  const steps: Step[] = [];
  for (const d of [...new Set(depth.values())].sort((a, b) => a - b)) {
    const level = items
      .filter((item) => depth.get(item.key) === d)
      .map((item) => ({ item, producers: producerLabels(item) }))
      .sort(
        (a, b) =>
          natural(a.item.path, b.item.path) ||
          natural(a.item.execution.activityType, b.item.execution.activityType) ||
          natural(a.producers, b.producers) ||
          natural(a.item.execution.activityId, b.item.execution.activityId),
      );
    for (const { item } of level) {
      const base = `${item.path ? `${item.path}/` : ''}${item.execution.activityType}`;
      const n = (counters.get(base) ?? 0) + 1;
      counters.set(base, n);
      labels.set(item.key, `${base}#${n}`);
      steps.push({ label: `${base}#${n}`, execution: item.execution, attempts: attempts.get(item.key)! });
    }
  }
  return steps.sort((a, b) => natural(a.label, b.label));
}
