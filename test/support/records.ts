import type { AttemptStart } from '../../src/store/write-attempts';
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
