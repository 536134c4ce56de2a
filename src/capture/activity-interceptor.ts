import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { LINEAGE_HEADER, type LineageHeader } from './lineage-header';
import { stripOwnFrames } from './own-frames';
import type { Recorder } from './recorder';
import type { ResultAdmission } from './result-admission';

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
 * the batch window instead). The body's result or error passes through untouched; a result is
 * first converted as the Worker will (see {@link ResultAdmission}), and one Temporal cannot take
 * makes the attempt FAILED, with the outcome Temporal would give it without the plugin.
 *
 * When a from-step rerun or the execution cache supplies a recorded output, the attempt is
 * recorded CACHED and that output is returned without running the body. This happens here, in
 * the worker, and not in the workflow sandbox: the history only sees an activity result.
 */
export function lineageActivityInterceptor(
  recorder: Recorder,
  admission: ResultAdmission,
): ActivityInterceptorsFactory {
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
        // COMPLETE only if Temporal can take the result; otherwise FAILED as Temporal will fail it.
        const admitted = await admission.admit(ctx.info, result);
        if (!admitted.ok) {
          await recorder.attemptEnded(started, { error: admitted.error });
          if (admitted.rethrow) throw admitted.error;
          return admitted.value;
        }
        await recorder.attemptEnded(started, { result });
        return admitted.value;
      },
    },
  });
}
