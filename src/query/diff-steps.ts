import type { LineageStore } from '../store/open-store';
import { getChildRuns, executionsOfContext } from './run-detail';
import type { ExecutionWithArtifacts, RunRow } from './rows';
import { stepsOf, type StepInput } from './step-pairing';

/** A run of a family (a run and its descendants), with its place: `''` for the root, `hyperparameterSearch` for a child. */
export interface FamilyRun {
  readonly path: string;
  readonly run: RunRow;
  /** The run that started it; null for the root. */
  readonly parent: RunRow | null;
}

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

/** Every step (the last attempt of each activity) of a run family, with the child-run path it ran in. */
export async function familySteps(store: LineageStore, family: FamilyRun[]): Promise<StepInput[]> {
  const all: Array<{ path: string; execution: ExecutionWithArtifacts }> = [];
  for (const { path, run } of family) {
    for (const execution of await executionsOfContext(store, run.id)) all.push({ path, execution });
  }
  return stepsOf(all);
}
