import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Recorder } from './recorder';

/**
 * Records each activity attempt around its body: RUNNING with inputs before, then COMPLETE with
 * outputs (or FAILED / CANCELED with the error) before the outcome goes back to Temporal, so
 * nothing completes unrecorded. The body's result or error passes through untouched.
 */
export function lineageActivityInterceptor(recorder: Recorder): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const handle = await recorder.attemptStarted(ctx.info, input.args);
        let result: unknown;
        try {
          result = await next(input);
        } catch (error) {
          await recorder.attemptEnded(handle, { error });
          throw error;
        }
        await recorder.attemptEnded(handle, { result });
        return result;
      },
    },
  });
}
