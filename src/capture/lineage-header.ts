/**
 * The lineage context that travels in Temporal headers from a run to its activities and child
 * workflows. Imported by sandbox code: no Node built-ins and no runtime dependencies here.
 */

/** Header key; namespaced so it cannot collide with other interceptors' headers. */
export const LINEAGE_HEADER = 'temporal-lineage';

export interface LineageHeader {
  /** Name (`workflowId/runId`) of the run that this run re-executes. */
  readonly rerunOf?: string;
  /** The step (activity type or execution id) the rerun restarts from. */
  readonly rerunFrom?: string;
}
