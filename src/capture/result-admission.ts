import type { Info as ActivityInfo } from '@temporalio/activity';
import {
  ApplicationFailure,
  isActivityFunctionWithOptions,
  RawValue,
  toPayloadWithTypeInfo,
  type ActivitySerializationContext,
  type LoadedDataConverter,
  type Payload,
  type PayloadConverter,
  type TypeInfo,
} from '@temporalio/common';
import { Runtime, type ActivityInterceptorsFactory, type Worker } from '@temporalio/worker';
import { resultSize } from './payload-size';

/** Temporal's default `limit.blobSize.error`, used when the namespace does not report its own. */
export const DEFAULT_BLOB_SIZE_LIMIT = 2 * 1024 * 1024;

/** The failure type Temporal gives an attempt whose result is over the limit. */
export const PAYLOADS_TOO_LARGE = 'PayloadsTooLarge';

/** How long the namespace's limit is waited for before the default applies. */
const DESCRIBE_TIMEOUT_MS = 5_000;

/**
 * Whether Temporal can accept an activity's result, and `value`, what to hand back to the SDK: the
 * converted payload as a {@link RawValue} when nothing else will see it, else the result itself.
 * When not `ok`, `error` is what the attempt is recorded FAILED with, and `rethrow` says whether
 * to throw it (a conversion error: the SDK fails the attempt with it, as it would have) or to
 * hand back `value` (a size violation: Temporal itself fails the attempt, as it would have).
 */
export type Admission =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown; readonly rethrow: boolean; readonly value: unknown };

/** What one Worker converts results with, from its compiled options. */
interface WorkerConversion {
  readonly namespace: string;
  readonly converter: LoadedDataConverter;
  readonly activities: Worker['options']['activities'];
  /** Whether the SDK sees exactly what the plugin's interceptor returns. */
  readonly outermost: boolean;
  /** Whether the payload converter passes a {@link RawValue}'s payload through untouched. */
  readonly keepsRawValues: boolean;
  /** The namespace's limit; undefined when results are not size-checked (external storage). */
  readonly limit: Promise<number> | undefined;
}

/** Whether `converter` hands a RawValue's payload back unchanged (Temporal's composite converters do). */
function keepsRawValues(converter: PayloadConverter): boolean {
  const probe = RawValue.fromPayload({ metadata: {}, data: new Uint8Array([1]) });
  try {
    return converter.toPayload(probe) === probe.payload;
  } catch {
    return false;
  }
}

/** The namespace's `blobSizeLimitError`, or Temporal's default when it cannot be asked. */
async function namespaceLimit(worker: Worker): Promise<number> {
  const connection = worker.connection;
  if (!connection) return DEFAULT_BLOB_SIZE_LIMIT;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>(
    (resolve) => (timer = setTimeout(() => resolve(undefined), DESCRIBE_TIMEOUT_MS)),
  );
  try {
    const described = await Promise.race([
      connection.workflowService.describeNamespace({ namespace: worker.options.namespace }),
      timeout,
    ]);
    const reported = Number(String(described?.namespaceInfo?.limits?.blobSizeLimitError ?? 0));
    return reported > 0 ? reported : DEFAULT_BLOB_SIZE_LIMIT;
  } catch (error) {
    Runtime.instance().logger.warn(
      `temporal-lineage: could not read the namespace's payload size limit; assuming ${DEFAULT_BLOB_SIZE_LIMIT} bytes`,
      { error: String(error) },
    );
    return DEFAULT_BLOB_SIZE_LIMIT;
  } finally {
    clearTimeout(timer);
  }
}

const workerKey = (namespace: string, taskQueue: string) => `${namespace}\u0000${taskQueue}`;

/**
 * Converts each activity result as the Worker will, before the attempt is recorded COMPLETE: with
 * the Worker's own payload converter and codecs, then against the namespace's payload size
 * limit. An attempt is recorded COMPLETE only if Temporal can accept its result.
 */
export class ResultAdmission {
  private readonly workers = new Map<string, WorkerConversion[]>();

  /**
   * Learns how `worker` converts results; the returned function forgets it. `interceptor` is the
   * plugin's activity interceptor factory, to tell whether it is the outermost one.
   */
  register(worker: Worker, interceptor: ActivityInterceptorsFactory): () => void {
    const { options } = worker;
    const converter = options.loadedDataConverter;
    const conversion: WorkerConversion = {
      namespace: options.namespace,
      converter,
      activities: options.activities,
      outermost: options.interceptors.activity[0] === interceptor,
      keepsRawValues: keepsRawValues(converter.payloadConverter),
      // Results over the offload threshold go to external storage instead of the history.
      limit: converter.externalStorage ? undefined : namespaceLimit(worker),
    };
    const key = workerKey(options.namespace, options.taskQueue);
    this.workers.set(key, [...(this.workers.get(key) ?? []), conversion]);
    return () => {
      const left = (this.workers.get(key) ?? []).filter((c) => c !== conversion);
      if (left.length > 0) this.workers.set(key, left);
      else this.workers.delete(key);
    };
  }

  private conversionFor(info: ActivityInfo): WorkerConversion | undefined {
    // The Worker's own namespace, which its serialization context names too.
    return this.workers.get(workerKey(info.activityNamespace, info.taskQueue))?.at(-1);
  }

  private outputTypeInfo(conversion: WorkerConversion, activityType: string): TypeInfo | undefined {
    const fn = conversion.activities.get(activityType) ?? conversion.activities.get('default');
    return isActivityFunctionWithOptions(fn) ? fn.activityDefinitionOptions.typeInfo?.outputType : undefined;
  }

  /** Whether Temporal can accept `result` as the outcome of the attempt `info` describes. */
  async admit(info: ActivityInfo, result: unknown): Promise<Admission> {
    const conversion = this.conversionFor(info);
    // Not run by a Worker the plugin knows (e.g. a mock activity environment): nothing to check with.
    if (!conversion) return { ok: true, value: result };
    const context: ActivitySerializationContext = {
      type: 'activity',
      namespace: conversion.namespace,
      activityId: info.activityId,
      ...(info.workflowExecution ? { workflowId: info.workflowExecution.workflowId } : {}),
      isLocal: info.isLocal,
    };
    const typeInfo = this.outputTypeInfo(conversion, info.activityType);
    const { payloadConverter, payloadCodecs } = conversion.converter;
    let converted: Payload;
    let encoded: Payload[];
    try {
      converted = toPayloadWithTypeInfo(payloadConverter, result, context, typeInfo);
      encoded = [converted];
      for (const codec of payloadCodecs) encoded = await codec.encode(encoded, context);
    } catch (error) {
      return { ok: false, error, rethrow: true, value: result };
    }
    // The SDK then skips its own conversion (it still applies the codecs to the raw payload).
    const handBack = conversion.outermost && conversion.keepsRawValues && typeInfo === undefined;
    const value = handBack ? RawValue.fromPayload(converted) : result;
    // A local activity's result travels in a workflow task, whose own limits Temporal applies.
    if (conversion.limit && !info.isLocal && encoded[0]) {
      const limit = await conversion.limit;
      const size = resultSize(encoded[0]);
      if (size > limit) {
        const error = ApplicationFailure.create({
          type: PAYLOADS_TOO_LARGE,
          message:
            `the result is ${size} bytes once converted and encoded, over the namespace's payload size ` +
            `limit (blobSizeLimitError) of ${limit} bytes, so Temporal fails this attempt`,
        });
        return { ok: false, error, rethrow: false, value };
      }
    }
    return { ok: true, value };
  }
}
