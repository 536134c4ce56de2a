import { captureValue } from '../../src/artifacts/capture';
import { FileDigester } from '../../src/artifacts/file-digest';
import { builtInArtifactTypes } from '../../src/artifacts/types';
import type { AttemptEnd, AttemptStart } from '../../src/store/write-attempts';
import type { RunStart } from '../../src/store/write-runs';

/** A top-level run's start record with no arguments: for tests that need a run row, nothing more. */
export function bareRunStart(workflowId: string, workflowType: string): RunStart {
  return {
    run: { workflowId, runId: 'r1' },
    workflowType,
    taskQueue: 'q',
    startedAt: new Date(),
    args: [],
    argsDigest: 'sha256:none',
    parent: null,
    rerunOf: null,
    rerunFrom: null,
  };
}

/** A first attempt's start record of activity type `step`, with the given inputs (none by default). */
export function bareAttemptStart(
  workflowId: string,
  activityId: string,
  inputs: AttemptStart['inputs'] = [],
): AttemptStart {
  return {
    run: { workflowId, runId: 'r1' },
    workflowType: 'pipeline',
    activityId,
    activityType: 'step',
    attempt: 1,
    taskQueue: 'q',
    isLocal: false,
    workerIdentity: 'test',
    buildId: null,
    startedAt: new Date(),
    inputDigest: `sha256:${workflowId}/${activityId}`,
    inputs,
    rerunOf: null,
    cacheKey: null,
    cacheVersion: null,
  };
}

const captureSettings = {
  types: builtInArtifactTypes,
  maxInlineBytes: 65_536,
  files: new FileDigester(1 << 20),
};

/** {@link bareAttemptStart} reading one typed Dataset (`s3://b/in.csv`), as the write paths see it. */
export async function datasetAttemptStart(workflowId: string, activityId: string): Promise<AttemptStart> {
  const inputs = await captureValue('args[0]', { kind: 'Dataset', uri: 's3://b/in.csv' }, captureSettings);
  return bareAttemptStart(workflowId, activityId, inputs);
}

/** A COMPLETE end whose result is a Dataset at `uri`. */
export async function datasetAttemptEnd(uri: string): Promise<AttemptEnd> {
  return {
    state: 'COMPLETE',
    endedAt: new Date(),
    outputDigest: 'sha256:out',
    outputs: await captureValue('result', { kind: 'Dataset', uri }, captureSettings),
    error: null,
  };
}
