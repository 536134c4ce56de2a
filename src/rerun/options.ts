import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { isLineageStore } from '../options';
import type { LineageStore } from '../store/open-store';

const StoreSchema = z.custom<LineageStore>(isLineageStore, {
  message: 'expected a store returned by openStore()',
});
const ClientSchema = z.custom<Client>(
  (value) => typeof value === 'object' && value !== null && 'workflow' in value && 'workflowService' in value,
  { message: 'expected a Client from @temporalio/client' },
);
/**
 * The recording Worker's data converter (payload converter and codecs). A rerun execution's
 * private Worker runs the rerun workflow with it, so a custom payload converter must be given
 * by `payloadConverterPath`, as a Worker's is.
 */
const DataConverterSchema = z.custom<DataConverter>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  { message: 'expected a DataConverter ({ payloadConverterPath?, payloadCodecs? })' },
);
/** Overrides: input path (`args[1].nEstimators`) → the value to use instead of the recorded one. */
const SetSchema = z.record(z.string().min(1), z.unknown()).default({});

/** Options of {@link rerunExecution}. */
export const RerunExecutionOptionsSchema = z.strictObject({
  /** The store the original was recorded in, and where the rerun's worker records. */
  store: StoreSchema,
  client: ClientSchema,
  /** A worker connection for the rerun's private worker; by default one to the client's address. */
  workerConnection: z
    .custom<NativeConnection>((value) => typeof value === 'object' && value !== null && 'close' in value, {
      message: 'expected a NativeConnection from @temporalio/worker',
    })
    .optional(),
  /** The recording Worker's data converter; by default the client's. */
  dataConverter: DataConverterSchema.optional(),
  /** The id of the execution to run again. */
  execution: z.number().int().positive(),
  set: SetSchema,
  /** How long a worker on the original task queue may take to pick the activity up. */
  scheduleToStartTimeoutMs: z.number().int().positive().default(30_000),
  /** How long one attempt may run. */
  startToCloseTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(10 * 60_000),
  maximumAttempts: z.number().int().positive().default(3),
});
export type RerunExecutionOptions = z.input<typeof RerunExecutionOptionsSchema>;

/** Options of {@link startRunRerun} and {@link rerunRun}. */
export const RerunRunOptionsSchema = z.strictObject({
  store: StoreSchema,
  client: ClientSchema,
  /** The run to rerun: `workflowId/runId`, a workflow id (its latest run), or a unique prefix. */
  run: z.string().min(1),
  /**
   * Restart from this step (an activity type or an execution id of the run or its child runs):
   * activities scheduled before it return the original's recorded outputs.
   */
  from: z.string().min(1).optional(),
  /** Overrides of the workflow arguments, e.g. `{ 'args[0].seed': 7 }`. */
  set: SetSchema,
  /**
   * The recording Worker's data converter; by default the client's. The original's input, as
   * Temporal holds it, must read back with it to the recorded value before the rerun starts.
   */
  dataConverter: DataConverterSchema.optional(),
  /** Bypass the execution cache in the new run (from-step reuse still applies). */
  noCache: z.boolean().default(false),
  /** Workflow id of the new run; by default `<original workflow id>-rerun-<8 hex>`. */
  workflowId: z.string().min(1).optional(),
  /**
   * How long a Worker on the original task queue may take to start the new run's first workflow
   * task; past it the new run is terminated and recorded FAILED.
   */
  pickupTimeoutMs: z.number().int().positive().default(30_000),
  /** How long to wait, after the run finished, for the worker to record its end. */
  recordTimeoutMs: z.number().int().positive().default(15_000),
});
export type RerunRunOptions = z.input<typeof RerunRunOptionsSchema>;
