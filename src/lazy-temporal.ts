import type * as TemporalClient from '@temporalio/client';
import type * as TemporalWorker from '@temporalio/worker';

/*
 * Temporal's client and worker packages (gRPC, the protobuf definitions, the native bridge) cost
 * most of a second to load. The `lineage` CLI needs them only for the commands that talk to
 * Temporal (rerun, reconcile), so those load them here, on use, and every other command starts
 * without them. `require` of a package name works under tsx, vitest and the compiled CLI alike.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export const temporalClient = () => require('@temporalio/client') as typeof TemporalClient;
export const temporalWorker = () => require('@temporalio/worker') as typeof TemporalWorker;
/* eslint-enable @typescript-eslint/no-require-imports */
