import type { InjectedSinks } from '@temporalio/worker';
import type { Recorder } from './recorder';
import type { LineageSinks } from './sink-types';

/**
 * The worker-side half of the workflow interceptors' sink. Not called during replay: the run
 * was recorded when it first ran, and the writes are idempotent when a workflow-task retry
 * delivers a call again.
 */
export function lineageSinks(recorder: Recorder): InjectedSinks<LineageSinks> {
  return {
    lineage: {
      runStarted: {
        fn: (info, args, header) => recorder.runStarted(info, args, header),
        callDuringReplay: false,
      },
      runEnded: {
        fn: (info, status, result, error, endedAtMs) =>
          recorder.runEnded(
            info,
            status,
            result,
            error,
            endedAtMs === undefined ? undefined : new Date(endedAtMs),
          ),
        callDuringReplay: false,
      },
    },
  };
}
