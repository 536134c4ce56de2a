import { builtInArtifactTypes, VALUE_TYPE } from '../artifacts/types';
import type { LineageStore } from '../store/open-store';
import { diffEnvironments, diffStepCode, type EnvironmentChange, type StepCodeChange } from './diff-code';
import { familySteps, loadFamily, type FamilyRun } from './diff-steps';
import { leaves, looksTyped, sameValue } from './flatten';
import { getRun } from './get-run';
import { numericFields, previewValue, uriBasename } from './preview';
import { durationMs, type ArtifactRow, type EventArtifact, type RunRow } from './rows';
import { pairSteps, type Step, type StepInput } from './step-pairing';

/** One side of a diff. */
export interface DiffRun {
  readonly name: string;
  readonly workflowType: string | null;
  readonly status: string | null;
  readonly startedAt: Date | null;
  readonly durationMs: number | null;
}

/**
 * What the API and `--json` say where a run lacks a step, a leaf or an artifact: never the other
 * run's value. (A change's kind says which side lacks it, so a stored string `'missing'` is not
 * mistaken for an absence.)
 */
export const MISSING = 'missing';
export type Missing = typeof MISSING;

/** How a step ended: its last attempt's state and how many attempts it took. */
export interface StepEnd {
  readonly state: string;
  readonly attempts: number;
}

/** A step (last activity attempt) that exists on one side only, or ended differently. */
export interface StepChange {
  /** The step's label (see {@link pairSteps}): `splitDataset`, `search/trainModel[args[1].depth=3]`. */
  readonly step: string;
  readonly change: 'added' | 'removed' | 'state' | 'attempts';
  /** Whether the step's runs were paired by what the step is, or (last resort) by schedule order. */
  readonly pairedBy: 'identity' | 'position';
  readonly a: StepEnd | Missing;
  readonly b: StepEnd | Missing;
}

/**
 * A differing leaf of a plain value: a workflow argument, an activity's plain-value input
 * (`parameters`) or an activity's plain-value result (`outputValues`). `changed`: both sides
 * have the leaf, with other values; `added`: only B has it; `removed`: only A has it.
 */
export interface ParameterChange {
  /** The step, or the run path (the root's workflow type, or a child's) for workflow arguments. */
  readonly step: string;
  /** `args[0].seed`, `args[1].params.nEstimators`, `result.b`. */
  readonly path: string;
  readonly change: 'changed' | 'added' | 'removed';
  /** Stored values; {@link MISSING} on the side that lacks the leaf. */
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

/**
 * A typed input or output that differs between the runs at the same step and path. `data`: same
 * URI and type, other content digest; `replaced`: another artifact; `added` / `removed`: one side only.
 */
export interface ArtifactChange {
  readonly step: string;
  readonly path: string;
  readonly change: 'data' | 'replaced' | 'added' | 'removed';
  readonly a: ArtifactRef | Missing;
  readonly b: ArtifactRef | Missing;
}

/**
 * Code identity that differs: build ids, activity or workflow types, task queues. Which process ran
 * a step (`pid@host`) is not code, so Worker identities are never compared.
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
  readonly a: number | Missing;
  readonly b: number | Missing;
  /** `b - a`, or null when a side lacks it. */
  readonly delta: number | null;
}

/** What changed from run `a` to run `b`. Every list is empty when the runs did the same thing. */
export interface RunDiff {
  readonly a: DiffRun;
  readonly b: DiffRun;
  /** True when steps, parameters, inputs, code, environment, outputs and output values are all the same (metrics may still be listed). */
  readonly identical: boolean;
  readonly steps: StepChange[];
  /** Workflow arguments and plain-value activity inputs, leaf by leaf. */
  readonly parameters: ParameterChange[];
  /** Typed input artifacts. */
  readonly inputs: ArtifactChange[];
  readonly code: CodeChange[];
  /** Steps whose code changed: the activity function's source, the git commit, the bundle, the package. */
  readonly stepCode: StepCodeChange[];
  /** Fields of the Workers' environments that differ (Node, OS, dependency versions, `captureEnv`). */
  readonly environment: EnvironmentChange[];
  /** Typed output artifacts. */
  readonly outputs: ArtifactChange[];
  /** Plain-value activity results, leaf by leaf. */
  readonly outputValues: ParameterChange[];
  /** Every numeric Metrics field on either side, equal ones included (delta 0). */
  readonly metrics: MetricDelta[];
}

/** A run as loaded for diffing: the run, its child runs, and its steps before pairing. */
export interface LoadedRun {
  readonly run: RunRow;
  readonly family: FamilyRun[];
  readonly steps: StepInput[];
}

/** A loaded run whose steps carry the labels they were paired by. */
export interface PairedRun {
  readonly run: RunRow;
  readonly family: FamilyRun[];
  readonly steps: Map<string, Step>;
}

function ref(artifact: ArtifactRow): ArtifactRef {
  const { id, type, uri, digest, value } = artifact;
  const label = uri ? uriBasename(uri) : numericFields(value) || previewValue(value);
  return { id, type, uri, digest, label };
}

/** The run as `diff` and `compare` describe each side. */
export function describeRun(run: RunRow): DiffRun {
  const { name, workflowType, status, startedAt, endedAt } = run;
  return { name, workflowType, status, startedAt, durationMs: durationMs(startedAt, endedAt) };
}

const natural = (x: string, y: string) => x.localeCompare(y, 'en', { numeric: true });

/** Pairs the keys of two maps in a stable order. */
function pairs<T>(a: Map<string, T>, b: Map<string, T>): Array<[string, T | undefined, T | undefined]> {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort(natural);
  return keys.map((key) => [key, a.get(key), b.get(key)]);
}

function compareLeaves(step: string, a: Map<string, unknown>, b: Map<string, unknown>): ParameterChange[] {
  return pairs(a, b).flatMap(([path, x, y]): ParameterChange[] => {
    if (a.has(path) && b.has(path))
      return sameValue(x, y) ? [] : [{ step, path, change: 'changed', a: x, b: y }];
    return a.has(path)
      ? [{ step, path, change: 'removed', a: x, b: MISSING }]
      : [{ step, path, change: 'added', a: MISSING, b: y }];
  });
}

/** Typed (non-Value) artifacts of events, by path. */
function typedByPath(events: readonly EventArtifact[]): Map<string, ArtifactRow> {
  return new Map(events.filter((e) => e.artifact.type !== VALUE_TYPE).map((e) => [e.path, e.artifact]));
}

/** The leaves of plain-value events (arguments or results), leaving out the typed artifacts inside them. */
export function plainLeaves(events: readonly EventArtifact[]): Map<string, unknown> {
  const typedPaths = new Set(events.filter((e) => e.artifact.type !== VALUE_TYPE).map((e) => e.path));
  const out = new Map<string, unknown>();
  for (const event of events) {
    if (event.artifact.type !== VALUE_TYPE || typedPaths.has(event.path)) continue;
    for (const [p, v] of leaves(event.artifact.value, event.path, (p) => typedPaths.has(p))) out.set(p, v);
  }
  return out;
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
    return x
      ? [{ step, path, change: 'removed', a: ref(x), b: MISSING }]
      : [{ step, path, change: 'added', a: MISSING, b: ref(y!) }];
  });
}

/** Every numeric field of the step's Metrics outputs, keyed `path\0field`. */
export function metricFields(step: Step | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const { path, artifact } of step?.execution.outputs ?? []) {
    if (artifact.type !== 'Metrics') continue;
    for (const [leaf, value] of leaves(artifact.value, '')) {
      if (typeof value === 'number') out.set(`${path}\0${leaf.replace(/^\./, '')}`, value);
    }
  }
  return out;
}

/** Loads a run, its child runs and its steps (anything {@link getRun} accepts). */
export async function loadRun(store: LineageStore, ref: string): Promise<LoadedRun> {
  const run = await getRun(store, ref);
  const family = await loadFamily(store, run);
  return { run, family, steps: await familySteps(store, family) };
}

/** Labels the steps of the runs together, so that one step has one label in all of them. */
export function pairRuns(runs: readonly LoadedRun[]): PairedRun[] {
  const labelled = pairSteps(runs.map((r) => r.steps));
  return runs.map((r, i) => ({
    run: r.run,
    family: r.family,
    steps: new Map(labelled[i]!.map((s) => [s.label, s])),
  }));
}

function codeSets(side: PairedRun) {
  const set = (pick: (s: Step) => string | null) =>
    [...new Set([...side.steps.values()].map(pick).filter((v): v is string => v !== null))].sort();
  return {
    workflowType: side.family.map((f) => `${f.path || '(root)'}: ${f.run.workflowType ?? '?'}`),
    activityTypes: set((s) => s.execution.activityType),
    buildId: set((s) => s.execution.buildId),
    taskQueue: set((s) => s.execution.taskQueue),
  };
}

/** Artifact types that count as typed: the built-in ones plus any a side recorded. */
export function typedKinds(runs: readonly PairedRun[]): Set<string> {
  const kinds = new Set(builtInArtifactTypes.map((t) => t.name));
  for (const side of runs)
    for (const step of side.steps.values())
      for (const e of [...step.execution.inputs, ...step.execution.outputs])
        if (e.artifact.type !== VALUE_TYPE) kinds.add(e.artifact.type);
  return kinds;
}

/** The leaves of each family run's workflow arguments, keyed by the run's label (its path, or the root's type). */
export function argumentLeaves(
  side: PairedRun,
  kinds: ReadonlySet<string>,
): Map<string, Map<string, unknown>> {
  const typedValue = (_: string, v: unknown) => looksTyped(v, kinds);
  return new Map(
    side.family.map((f) => [
      f.path || f.run.workflowType || '(root)',
      leaves(f.run.args, 'args', typedValue),
    ]),
  );
}

/** The diff of two runs whose steps were paired together (see {@link pairRuns}). */
export function diffPaired(a: PairedRun, b: PairedRun): RunDiff {
  const kinds = typedKinds([a, b]);
  const parameters: ParameterChange[] = [];
  const none = new Map<string, unknown>();
  const [argsA, argsB] = [argumentLeaves(a, kinds), argumentLeaves(b, kinds)];
  for (const [label, x, y] of pairs(argsA, argsB))
    parameters.push(...compareLeaves(label, x ?? none, y ?? none));

  const steps: StepChange[] = [];
  const inputs: ArtifactChange[] = [];
  const outputs: ArtifactChange[] = [];
  const outputValues: ParameterChange[] = [];
  const metrics: MetricDelta[] = [];
  const stepCode: StepCodeChange[] = [];
  const noEvents: EventArtifact[] = [];
  for (const [label, x, y] of pairs(a.steps, b.steps)) {
    const end = (s: Step | undefined): StepEnd | Missing =>
      s ? { state: s.execution.state, attempts: s.attempts } : MISSING;
    const pairedBy = (x ?? y)!.pairedBy;
    const change: StepChange['change'] | null = !y
      ? 'removed'
      : !x
        ? 'added'
        : x.execution.state !== y.execution.state
          ? 'state'
          : x.attempts !== y.attempts
            ? 'attempts'
            : null;
    if (change) steps.push({ step: label, change, pairedBy, a: end(x), b: end(y) });
    const [inX, inY] = [x?.execution.inputs ?? noEvents, y?.execution.inputs ?? noEvents];
    const [outX, outY] = [x?.execution.outputs ?? noEvents, y?.execution.outputs ?? noEvents];
    parameters.push(...compareLeaves(label, plainLeaves(inX), plainLeaves(inY)));
    inputs.push(...compareArtifacts(label, typedByPath(inX), typedByPath(inY)));
    outputs.push(...compareArtifacts(label, typedByPath(outX), typedByPath(outY)));
    outputValues.push(...compareLeaves(label, plainLeaves(outX), plainLeaves(outY)));
    if (x && y) stepCode.push(...diffStepCode(label, x.execution, y.execution));
    for (const [key, ma, mb] of pairs(metricFields(x), metricFields(y))) {
      const [path, field] = key.split('\0') as [string, string];
      const delta = ma !== undefined && mb !== undefined ? mb - ma : null;
      metrics.push({ step: label, path, field, a: ma ?? MISSING, b: mb ?? MISSING, delta });
    }
  }
  const [codeA, codeB] = [codeSets(a), codeSets(b)];
  const code = (Object.keys(codeA) as Array<CodeChange['what']>)
    .filter((what) => !sameValue(codeA[what], codeB[what]))
    .map((what) => ({ what, a: codeA[what], b: codeB[what] }));
  const executionsOf = (side: PairedRun) => [...side.steps.values()].map((step) => step.execution);
  const environment = diffEnvironments(executionsOf(a), executionsOf(b));
  const identical = [steps, parameters, inputs, code, stepCode, environment, outputs, outputValues].every(
    (list) => list.length === 0,
  );
  return {
    a: describeRun(a.run),
    b: describeRun(b.run),
    identical,
    steps,
    parameters,
    inputs,
    code,
    stepCode,
    environment,
    outputs,
    outputValues,
    metrics,
  };
}

/**
 * What changed between two runs (anything {@link getRun} accepts, child runs included): steps
 * added, removed or ending differently; parameters (workflow arguments and plain-value activity
 * inputs, leaf by leaf); typed input artifacts (same URI with another digest is changed `data`);
 * code (build ids, activity and workflow types, and per step the activity's source, git commit
 * and bundle); the Workers' environments; typed outputs; plain-value
 * outputs leaf by leaf; and the delta of every numeric Metrics field. A step present in one run
 * only lists all its parameters and outputs as `added` or `removed`; the absent side is
 * {@link MISSING}. Steps are paired by what they are (see {@link pairSteps}), not by position.
 *
 * @example
 * const diff = await diffRuns(store, 'iris-training-a', 'iris-training-b');
 * for (const p of diff.parameters) console.log(`${p.step} ${p.path}: ${p.change} ${JSON.stringify(p.a)} -> ${JSON.stringify(p.b)}`);
 * for (const m of diff.metrics) console.log(`${m.step} ${m.field}: ${m.a} -> ${m.b} (${m.delta})`);
 */
export async function diffRuns(store: LineageStore, refA: string, refB: string): Promise<RunDiff> {
  const [a, b] = pairRuns([await loadRun(store, refA), await loadRun(store, refB)]);
  return diffPaired(a!, b!);
}
