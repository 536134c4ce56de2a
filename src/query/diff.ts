import { builtInArtifactTypes, VALUE_TYPE } from '../artifacts/types';
import type { LineageStore } from '../store/open-store';
import { diffEnvironments, diffStepCode, type EnvironmentChange, type StepCodeChange } from './diff-code';
import { labelSteps, loadFamily, type FamilyRun, type Step } from './diff-steps';
import { leaves, looksTyped, sameValue } from './flatten';
import { getRun } from './get-run';
import { numericFields, previewValue, uriBasename } from './preview';
import { durationMs, type ArtifactRow, type EventArtifact, type RunRow } from './rows';

/** One side of a diff. */
export interface DiffRun {
  readonly name: string;
  readonly workflowType: string | null;
  readonly status: string | null;
  readonly startedAt: Date | null;
  readonly durationMs: number | null;
}

/** A step (final activity attempt) that exists on one side only, or ended differently. */
export interface StepChange {
  /** `splitDataset#1`, `hyperparameterSearch/trainModel#2` (see {@link diffRuns}). */
  readonly step: string;
  readonly change: 'added' | 'removed' | 'state' | 'attempts';
  readonly a: { readonly state: string; readonly attempts: number } | null;
  readonly b: { readonly state: string; readonly attempts: number } | null;
}

/** A differing leaf of a workflow argument or of an activity's plain-value input. */
export interface ParameterChange {
  /** The step, or the run path (the root's workflow type, or a child's) for workflow arguments. */
  readonly step: string;
  /** `args[0].seed`, `args[1].params.nEstimators`. */
  readonly path: string;
  readonly change: 'changed' | 'added' | 'removed';
  /** Stored values; null when absent on that side. */
  readonly a: unknown;
  readonly b: unknown;
}

/** An artifact as a diff shows it. */
export interface ArtifactRef {
  readonly id: number;
  readonly type: string;
  readonly uri: string | null;
  readonly digest: string;
  readonly label: string;
}

/** A typed input or output that differs between the runs at the same step and path. */
export interface ArtifactChange {
  readonly step: string;
  readonly path: string;
  /** `data`: same URI, other content digest; `replaced`: another artifact; `added` / `removed`. */
  readonly change: 'data' | 'replaced' | 'added' | 'removed';
  readonly a: ArtifactRef | null;
  readonly b: ArtifactRef | null;
}

/**
 * Code identity that differs across a whole run: build ids, activity or workflow types, task
 * queues. Which Worker process ran a step (`pid@host`) is not code and is not compared.
 */
export interface CodeChange {
  readonly what: 'workflowType' | 'activityTypes' | 'buildId' | 'taskQueue';
  readonly a: string[];
  readonly b: string[];
}

/** A numeric field of a Metrics artifact written at the same step and path. */
export interface MetricDelta {
  readonly step: string;
  readonly path: string;
  /** `accuracy`, `confusion.tp`. */
  readonly field: string;
  readonly a: number | null;
  readonly b: number | null;
  /** `b - a`, or null when a side lacks it. */
  readonly delta: number | null;
}

/** What changed from run `a` to run `b`. Every list is empty when the runs did the same thing. */
export interface RunDiff {
  readonly a: DiffRun;
  readonly b: DiffRun;
  /** True when steps, parameters, inputs, code, environment and outputs are all the same (metrics may still be listed). */
  readonly identical: boolean;
  readonly steps: StepChange[];
  readonly parameters: ParameterChange[];
  readonly inputs: ArtifactChange[];
  readonly code: CodeChange[];
  /** Steps whose code changed: the activity function's source, the git commit, the bundle, the package. */
  readonly stepCode: StepCodeChange[];
  /** Fields of the Workers' environments that differ (Node, OS, dependency versions, `captureEnv`). */
  readonly environment: EnvironmentChange[];
  readonly outputs: ArtifactChange[];
  /** Every numeric Metrics field on either side, equal ones included (delta 0). */
  readonly metrics: MetricDelta[];
}

interface Side {
  readonly run: RunRow;
  readonly family: FamilyRun[];
  readonly steps: Map<string, Step>;
}

function ref(artifact: ArtifactRow): ArtifactRef {
  const { id, type, uri, digest, value } = artifact;
  const label = uri ? uriBasename(uri) : numericFields(value) || previewValue(value);
  return { id, type, uri, digest, label };
}

function describe(run: RunRow): DiffRun {
  const { name, workflowType, status, startedAt, endedAt } = run;
  return { name, workflowType, status, startedAt, durationMs: durationMs(startedAt, endedAt) };
}

/** Pairs the keys of two maps in a stable order. */
function pairs<T>(a: Map<string, T>, b: Map<string, T>): Array<[string, T | undefined, T | undefined]> {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) =>
    x.localeCompare(y, 'en', { numeric: true }),
  );
  return keys.map((key) => [key, a.get(key), b.get(key)]);
}

function compareLeaves(step: string, a: Map<string, unknown>, b: Map<string, unknown>): ParameterChange[] {
  return pairs(a, b).flatMap(([path, x, y]): ParameterChange[] => {
    if (a.has(path) && b.has(path))
      return sameValue(x, y) ? [] : [{ step, path, change: 'changed', a: x, b: y }];
    return [{ step, path, change: a.has(path) ? 'removed' : 'added', a: x ?? null, b: y ?? null }];
  });
}

/** Typed (non-Value) events by path; on the output side also plain values that hold no typed value. */
function artifactsByPath(events: EventArtifact[], includeLeafValues: boolean): Map<string, ArtifactRow> {
  const typed = events.filter((e) => e.artifact.type !== VALUE_TYPE);
  const holdsTyped = (path: string) =>
    typed.some((t) => t.path.startsWith(`${path}.`) || t.path.startsWith(`${path}[`));
  const kept = events.filter(
    (e) => e.artifact.type !== VALUE_TYPE || (includeLeafValues && !holdsTyped(e.path)),
  );
  return new Map(kept.map((e) => [e.path, e.artifact]));
}

function compareArtifacts(
  step: string,
  a: Map<string, ArtifactRow>,
  b: Map<string, ArtifactRow>,
): ArtifactChange[] {
  return pairs(a, b).flatMap(([path, x, y]): ArtifactChange[] => {
    if (x && y) {
      if (x.id === y.id) return [];
      const change = x.uri !== null && x.uri === y.uri && x.type === y.type ? 'data' : 'replaced';
      return [{ step, path, change, a: ref(x), b: ref(y) }];
    }
    return [{ step, path, change: x ? 'removed' : 'added', a: x ? ref(x) : null, b: y ? ref(y) : null }];
  });
}

function metricFields(step: Step | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const { path, artifact } of step?.execution.outputs ?? []) {
    if (artifact.type !== 'Metrics') continue;
    for (const [leaf, value] of leaves(artifact.value, '')) {
      if (typeof value === 'number') out.set(`${path}\0${leaf.replace(/^\./, '')}`, value);
    }
  }
  return out;
}

async function load(store: LineageStore, ref: string): Promise<Side> {
  const run = await getRun(store, ref);
  const family = await loadFamily(store, run);
  const steps = await labelSteps(store, family);
  return { run, family, steps: new Map(steps.map((s) => [s.label, s])) };
}

function codeSets(side: Side) {
  const set = (pick: (s: Step) => string | null) =>
    [...new Set([...side.steps.values()].map(pick).filter((v): v is string => v !== null))].sort();
  return {
    workflowType: side.family.map((f) => `${f.path || '(root)'}: ${f.run.workflowType ?? '?'}`),
    activityTypes: set((s) => s.execution.activityType),
    buildId: set((s) => s.execution.buildId),
    taskQueue: set((s) => s.execution.taskQueue),
  };
}

/**
 * What changed between two runs (anything {@link getRun} accepts, child runs included):
 * steps added, removed or ending differently; parameters (workflow arguments and plain-value
 * activity inputs, leaf by leaf); typed input artifacts (same URI with another digest is changed
 * data); code (build ids, activity and workflow types, and per step the activity's source, git
 * commit and bundle); the Workers' environments; outputs; and the
 * delta of every numeric Metrics field. Steps are matched by activity type and lineage position,
 * labelled `activityType#n` (`childWorkflowType/activityType#n` inside child runs).
 *
 * @example
 * const diff = await diffRuns(store, 'iris-training-a', 'iris-training-b');
 * for (const p of diff.parameters) console.log(`${p.step} ${p.path}: ${JSON.stringify(p.a)} -> ${JSON.stringify(p.b)}`);
 * for (const m of diff.metrics) console.log(`${m.step} ${m.field}: ${m.a} -> ${m.b} (${m.delta})`);
 */
export async function diffRuns(store: LineageStore, refA: string, refB: string): Promise<RunDiff> {
  const [a, b] = [await load(store, refA), await load(store, refB)];
  const typedKinds = new Set(builtInArtifactTypes.map((t) => t.name));
  for (const side of [a, b])
    for (const step of side.steps.values())
      for (const e of [...step.execution.inputs, ...step.execution.outputs])
        if (e.artifact.type !== VALUE_TYPE) typedKinds.add(e.artifact.type);
  const typedValue = (_: string, v: unknown) => looksTyped(v, typedKinds);

  const parameters: ParameterChange[] = [];
  const runsByPath = (side: Side) => new Map(side.family.map((f) => [f.path, f.run]));
  for (const [path, x, y] of pairs(runsByPath(a), runsByPath(b))) {
    if (!x || !y) continue;
    const label = path || x.workflowType || '(root)';
    parameters.push(
      ...compareLeaves(label, leaves(x.args, 'args', typedValue), leaves(y.args, 'args', typedValue)),
    );
  }
  const steps: StepChange[] = [];
  const inputs: ArtifactChange[] = [];
  const outputs: ArtifactChange[] = [];
  const metrics: MetricDelta[] = [];
  const stepCode: StepCodeChange[] = [];
  for (const [label, x, y] of pairs(a.steps, b.steps)) {
    const end = (s: Step | undefined) => (s ? { state: s.execution.state, attempts: s.attempts } : null);
    if (!x || !y) steps.push({ step: label, change: x ? 'removed' : 'added', a: end(x), b: end(y) });
    else if (x.execution.state !== y.execution.state)
      steps.push({ step: label, change: 'state', a: end(x), b: end(y) });
    else if (x.attempts !== y.attempts) steps.push({ step: label, change: 'attempts', a: end(x), b: end(y) });
    if (x && y) {
      const valueLeaves = (s: Step) => {
        const typedPaths = new Set(
          s.execution.inputs.filter((i) => i.artifact.type !== VALUE_TYPE).map((i) => i.path),
        );
        const out = new Map<string, unknown>();
        for (const input of s.execution.inputs.filter(
          (i) => i.artifact.type === VALUE_TYPE && !typedPaths.has(i.path),
        ))
          for (const [p, v] of leaves(input.artifact.value, input.path, (p) => typedPaths.has(p)))
            out.set(p, v);
        return out;
      };
      parameters.push(...compareLeaves(label, valueLeaves(x), valueLeaves(y)));
      stepCode.push(...diffStepCode(label, x.execution, y.execution));
      inputs.push(
        ...compareArtifacts(
          label,
          artifactsByPath(x.execution.inputs, false),
          artifactsByPath(y.execution.inputs, false),
        ),
      );
      outputs.push(
        ...compareArtifacts(
          label,
          artifactsByPath(x.execution.outputs, true),
          artifactsByPath(y.execution.outputs, true),
        ),
      );
    }
    for (const [key, ma, mb] of pairs(metricFields(x), metricFields(y))) {
      const [path, field] = key.split('\0') as [string, string];
      const delta = ma !== undefined && mb !== undefined ? mb - ma : null;
      metrics.push({ step: label, path, field, a: ma ?? null, b: mb ?? null, delta });
    }
  }
  const [codeA, codeB] = [codeSets(a), codeSets(b)];
  const code = (Object.keys(codeA) as Array<CodeChange['what']>)
    .filter((what) => !sameValue(codeA[what], codeB[what]))
    .map((what) => ({ what, a: codeA[what], b: codeB[what] }));
  const executionsOf = (side: Side) => [...side.steps.values()].map((step) => step.execution);
  const environment = diffEnvironments(executionsOf(a), executionsOf(b));
  const identical = [steps, parameters, inputs, code, stepCode, environment, outputs].every(
    (list) => list.length === 0,
  );
  return {
    a: describe(a.run),
    b: describe(b.run),
    identical,
    steps,
    parameters,
    inputs,
    code,
    stepCode,
    environment,
    outputs,
    metrics,
  };
}
