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
