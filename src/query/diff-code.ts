import { leaves, sameValue } from './flatten';
import type { ArtifactRow, ExecutionWithArtifacts } from './rows';

/** What of a step's code differs between two runs (see {@link diffStepCode}). */
export interface StepCodeChange {
  /** `trainModel#1`, `hyperparameterSearch/trainModel#2`. */
  readonly step: string;
  /**
   * `function`: the activity function's source; `commit`: the Worker's git commit or its
   * uncommitted changes; `workflowBundle`: the workflow code bundled into the Worker;
   * `package`: the worker package's name and version.
   */
  readonly what: 'function' | 'commit' | 'workflowBundle' | 'package';
  /** A digest, `<commit>` or `<commit> +dirty <diff digest>`, `name@version`; null when not recorded. */
  readonly a: string | null;
  readonly b: string | null;
}

/** A field of the Workers' environments that differs between two runs (see {@link diffEnvironments}). */
export interface EnvironmentChange {
  /** `node`, `os.release`, `dependencies.zod`, `env.CUDA_VISIBLE_DEVICES`. */
  readonly field: string;
  /** The field's value in the run's environment; when several Workers ran it, their distinct values joined by ` | `. */
  readonly a: string | null;
  readonly b: string | null;
}

interface CodeValue {
  function?: string | null;
  workflowBundle?: string | null;
  git?: { commit?: string | null; dirty?: boolean | null; diffDigest?: string | null };
  package?: { name?: string | null; version?: string | null };
}

function commitText(git: CodeValue['git']): string | null {
  if (!git?.commit) return null;
  if (!git.dirty) return git.commit;
  return `${git.commit} +dirty${git.diffDigest ? ` ${git.diffDigest}` : ''}`;
}

function packageText(pkg: CodeValue['package']): string | null {
  if (!pkg?.name) return null;
  return pkg.version ? `${pkg.name}@${pkg.version}` : pkg.name;
}

function codeFields(code: ArtifactRow | null): Record<StepCodeChange['what'], string | null> {
  const value = (code?.value ?? {}) as CodeValue;
  return {
    function: value.function ?? null,
    commit: commitText(value.git),
    workflowBundle: value.workflowBundle ?? null,
    package: packageText(value.package),
  };
}

/**
 * How the code that ran one step differs between two runs, from each execution's `Code`
 * artifact. Which Worker process ran it (`pid@host`) is not code and never shows here. A side
 * recorded before code was tracked (no `Code` artifact) is not compared: that is no change.
 */
export function diffStepCode(
  step: string,
  a: ExecutionWithArtifacts,
  b: ExecutionWithArtifacts,
): StepCodeChange[] {
  if (!a.code || !b.code || a.code.id === b.code.id) return [];
  const [x, y] = [codeFields(a.code), codeFields(b.code)];
  return (Object.keys(x) as Array<StepCodeChange['what']>)
    .filter((what) => x[what] !== y[what])
    .map((what) => ({ step, what, a: x[what], b: y[what] }));
}

/** Every leaf of a set of environments: its distinct values, in a stable order. */
function environmentLeaves(environments: readonly ArtifactRow[]): Map<string, string> {
  const values = new Map<string, Set<string>>();
  for (const environment of environments) {
    for (const [path, value] of leaves(environment.value, '')) {
      const field = path.replace(/^\./, '');
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      values.set(field, (values.get(field) ?? new Set()).add(text));
    }
  }
  return new Map([...values].map(([field, set]) => [field, [...set].sort().join(' | ')]));
}

/**
 * What differs between the environments two runs' executions ran in, field by field (Node, OS,
 * CPU, memory, dependency versions, the `captureEnv` variables). Equal environments are one
 * artifact, so two runs on the same kind of Worker compare in one step.
 */
export function diffEnvironments(
  a: readonly ExecutionWithArtifacts[],
  b: readonly ExecutionWithArtifacts[],
): EnvironmentChange[] {
  const distinct = (executions: readonly ExecutionWithArtifacts[]) => [
    ...new Map(
      executions.flatMap((e) => (e.environment ? [[e.environment.id, e.environment] as const] : [])),
    ).values(),
  ];
  const [x, y] = [distinct(a), distinct(b)];
  if (x.length === 0 || y.length === 0) return [];
  const ids = (list: ArtifactRow[]) => list.map((e) => e.id).sort((m, n) => m - n);
  if (sameValue(ids(x), ids(y))) return [];
  const [left, right] = [environmentLeaves(x), environmentLeaves(y)];
  const fields = [...new Set([...left.keys(), ...right.keys()])].sort();
  return fields
    .filter((field) => left.get(field) !== right.get(field))
    .map((field) => ({ field, a: left.get(field) ?? null, b: right.get(field) ?? null }));
}
