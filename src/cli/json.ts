/**
 * The `--json` documents: explicit field lists rather than raw rows, so that a column added to
 * the store never changes what scripts read. The README's CLI section documents these shapes;
 * change both together, and only by adding fields.
 */
import type { ArtifactSummary } from '../query/artifacts';
import { durationMs, type ArtifactRow, type ExecutionWithArtifacts, type RunRow } from '../query/rows';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function runJson(run: RunRow & { parentRun?: string | null }) {
  return {
    name: run.name,
    workflowId: run.workflowId,
    runId: run.runId,
    workflowType: run.workflowType,
    status: run.status,
    startedAt: iso(run.startedAt),
    endedAt: iso(run.endedAt),
    durationMs: durationMs(run.startedAt, run.endedAt),
    taskQueue: run.taskQueue,
    parentRun: run.parentRun ?? null,
  };
}

export function artifactJson(artifact: ArtifactRow) {
  return {
    id: artifact.id,
    type: artifact.type,
    uri: artifact.uri,
    digest: artifact.digest,
    valueDigest: artifact.valueDigest,
    sizeBytes: artifact.sizeBytes,
    inline: artifact.inline,
    value: artifact.value,
    createdAt: iso(artifact.createdAt),
  };
}

export function artifactSummaryJson(artifact: ArtifactSummary) {
  return { ...artifactJson(artifact), producers: artifact.producerCount, consumers: artifact.consumerCount };
}

export function executionJson(e: ExecutionWithArtifacts) {
  const side = (events: ExecutionWithArtifacts['inputs']) =>
    events.map(({ path, artifact }) => ({ path, artifact: artifactJson(artifact) }));
  const error = e.error as { type?: string; message?: string } | null;
  return {
    id: e.id,
    activityId: e.activityId,
    activityType: e.activityType,
    attempt: e.attempt,
    state: e.state,
    startedAt: iso(e.startedAt),
    endedAt: iso(e.endedAt),
    durationMs: durationMs(e.startedAt, e.endedAt),
    taskQueue: e.taskQueue,
    workerIdentity: e.workerIdentity,
    buildId: e.buildId,
    error: error ? { type: error.type ?? null, message: error.message ?? null } : null,
    inputs: side(e.inputs),
    outputs: side(e.outputs),
    code: e.code ? artifactJson(e.code) : null,
    environment: e.environment ? artifactJson(e.environment) : null,
  };
}
