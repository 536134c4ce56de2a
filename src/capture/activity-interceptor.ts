import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { LINEAGE_HEADER, type LineageHeader } from './lineage-header';
import { stripOwnFrames } from './own-frames';
import type { Recorder } from './recorder';

/** The lineage header of an activity task; a missing or unreadable one is no rerun context. */
function readHeader(headers: Headers): LineageHeader {
  const payload = headers[LINEAGE_HEADER];
  if (!payload) return {};
  try {
    return defaultPayloadConverter.fromPayload<LineageHeader>(payload) ?? {};
  } catch {
    return {};
  }
}

/**
 * Records each activity attempt around its body: RUNNING with inputs before, then COMPLETE with
 * outputs (or FAILED / CANCELED with the error) before the outcome goes back to Temporal, so
 * nothing completes unrecorded (with `commit: 'batched'`, the records follow the outcome within
 * the batch window instead). The body's result or error passes through untouched.
 *
 * When a from-step rerun or the execution cache supplies a recorded output, the attempt is
 * recorded CACHED and that output is returned without running the body. This happens here, in
 * the worker, and not in the workflow sandbox: the history only sees an activity result.
 */
export function lineageActivityInterceptor(recorder: Recorder): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const started = await recorder.attemptStarted(ctx.info, input.args, readHeader(input.headers));
        if (started?.reused) return started.reused.result;
        let result: unknown;
        try {
          result = await next(input);
        } catch (error) {
          stripOwnFrames(error, __filename);
          await recorder.attemptEnded(started, { error });
          throw error;
        }
        await recorder.attemptEnded(started, { result });
        return result;
      },
    },
  });
}
