import { VALUE_TYPE } from '../artifacts/types';
import type { LineageStore } from '../store/open-store';
import { leaves } from './flatten';
import type { ArtifactRow } from './rows';
import { upstreamOf } from './upstream';

/** A Dataset some step upstream of the artifact read. */
export interface ProvenanceDataset {
  readonly artifact: ArtifactRow;
  /** Producer steps between the artifact and the step that read this dataset (1: its producer). */
  readonly hops: number;
  /** The step that read it, and where in its arguments. */
  readonly activityType: string;
  readonly executionId: number;
  readonly path: string;
}

/** One leaf of a plain-value input of a step upstream of the artifact: a parameter. */
export interface ProvenanceParameter {
  readonly hops: number;
  readonly activityType: string;
  readonly executionId: number;
  /** The run the step ran in, `workflowId/runId`. */
  readonly run: string;
  /** `args[1].nEstimators`. */
  readonly path: string;
  readonly value: unknown;
}

/** "Which data and parameters produced this?" in one answer. */
export interface Provenance {
  /** Datasets read upstream, nearest first, each once. */
  readonly datasets: ProvenanceDataset[];
  /** Parameters of the upstream steps, nearest step first, typed inputs left out. */
  readonly parameters: ProvenanceParameter[];
  /** The runs of the upstream steps, `workflowId/runId`. */
  readonly runs: string[];
}

/**
 * The datasets and parameters upstream of an artifact (usually a Model): every Dataset a step
 * on the way read, and every leaf of the plain-value inputs of those steps (typed artifacts
 * inside them are datasets or models, not parameters). A view of {@link upstreamOf}; an
 * artifact written by several runs gathers the provenance of each.
 *
 * @example
 * const { datasets, parameters } = await provenanceOf(store, model.id);
 * console.log(datasets.map((d) => d.artifact.uri), parameters.map((p) => `${p.path}=${JSON.stringify(p.value)}`));
 */
export async function provenanceOf(
  store: LineageStore,
  artifactId: number,
  options: { maxHops?: number } = {},
): Promise<Provenance> {
  const steps = await upstreamOf(store, artifactId, options);
  const datasets = new Map<number, ProvenanceDataset>();
  const parameters: ProvenanceParameter[] = [];
  const runs = new Set<string>();
  for (const { hops, execution } of steps) {
    const run = `${execution.workflowId}/${execution.runId}`;
    runs.add(run);
    const step = { hops, activityType: execution.activityType, executionId: execution.id };
    const typedPaths = new Set(
      execution.inputs.filter((i) => i.artifact.type !== VALUE_TYPE).map((i) => i.path),
    );
    for (const { path, artifact } of execution.inputs) {
      if (artifact.type === 'Dataset' && !datasets.has(artifact.id))
        datasets.set(artifact.id, { artifact, path, ...step });
      if (artifact.type !== VALUE_TYPE || typedPaths.has(path)) continue;
      for (const [leafPath, value] of leaves(artifact.value, path, (p) => typedPaths.has(p)))
        parameters.push({ ...step, run, path: leafPath, value });
    }
  }
  return { datasets: [...datasets.values()], parameters, runs: [...runs] };
}
