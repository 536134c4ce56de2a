/**
 * temporal-lineage: automatic ML-pipeline lineage for Temporal.
 *
 * Add {@link LineagePlugin} to a Worker to record every activity attempt; open the store with
 * {@link openStore} to read what was recorded.
 */

/** The Worker plugin that records lineage. */
export { LineagePlugin } from './plugin';
/** The plugin's options and their zod schema (the single source of truth for them). */
export { LineagePluginOptionsSchema } from './options';
export type { LineagePluginOptions, ResolvedLineageOptions } from './options';

/** Opens a store (Postgres URL, PGlite folder, or in-memory PGlite) and applies migrations. */
export { openStore } from './store/open-store';
export type { LineageStore, StoreLocation, LineageDb } from './store/open-store';

/** Read API over recorded lineage. */
export {
  listRuns,
  getRun,
  getRunExecutions,
  getParents,
  getChildRuns,
  getArtifactUsage,
  findArtifacts,
} from './store/read-runs';
export type {
  RunRow,
  ExecutionRow,
  ArtifactRow,
  EventArtifact,
  ExecutionWithArtifacts,
} from './store/read-runs';
/** Walks from an artifact to the executions upstream of it. */
export { upstreamOf } from './store/read-upstream';
export type { UpstreamStep } from './store/read-upstream';
/** Execution states and run statuses. */
export { EXECUTION_STATES, RUN_STATUSES } from './store/schema';
export type { ExecutionState, RunStatus } from './store/schema';

/** Typed artifact recognition: the built-in types and the shape of a user-defined one. */
export { builtInArtifactTypes, VALUE_TYPE } from './artifacts/types';
export type { ArtifactType } from './artifacts/types';
/** The reversible value encoding and its digest, as stored in `artifacts.value`. */
export { encodeValue, decodeValue } from './artifacts/encode';
export type { EncodedValue } from './artifacts/encode';
export { valueDigest } from './artifacts/digest';

/** Errors: every one extends {@link LineageError}. */
export { LineageError, LineageOptionsError, LineageStoreError, LineageNotFoundError } from './errors';
/** The error type of an attempt failed by `onStoreError: 'fail'`. */
export { STORE_UNAVAILABLE } from './capture/recorder';
