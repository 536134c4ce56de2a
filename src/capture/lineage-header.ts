/**
 * The lineage context that travels in Temporal headers from a run to its activities and child
 * workflows. Imported by sandbox code: no Node built-ins and no runtime dependencies here.
 */

/** Header key; namespaced so it cannot collide with other interceptors' headers. */
export const LINEAGE_HEADER = 'temporal-lineage';

export interface LineageHeader {
  /**
   * Name (`workflowId/runId`) of the run that this run re-executes. Child runs inherit the
   * name of the original top-level run: it is the scope in which their activities look for
   * recorded executions to reuse.
   */
  readonly rerunOf?: string;
  /** The step (activity type or execution id) the rerun restarts from. */
  readonly rerunFrom?: string;
  /** The activity type of the `rerunFrom` step. */
  readonly rerunFromType?: string;
  /**
   * Workflow types of the original runs that hold the step or start a child run that does:
   * scheduling the step in one of them, or starting a child of one of these types, is where
   * the rerun "reaches" the step.
   */
  readonly rerunFromRuns?: readonly string[];
  /**
   * Set by the workflow interceptor once this run has reached the step; from then on its
   * activities and later child runs run for real instead of reusing recorded outputs.
   */
  readonly rerunReached?: boolean;
  /** The id of the execution that this activity attempt reruns (`lineage rerun execution`). */
  readonly rerunOfExecution?: number;
  /** Bypass the execution cache for this run and everything it starts. */
  readonly noCache?: boolean;
  /**
   * Which step produced each argument of the activity, child run or continued run this header
   * goes to, by argument path (see producer-hints.ts). Never inherited: set per scheduled call.
   */
  readonly producers?: readonly ProducerHint[];
}

/**
 * A step that produced a value: an activity of a run (`activityId`), or any step of a child
 * workflow (`activityId` absent: the child's result came from one of its executions).
 */
export interface ProducerRef {
  readonly workflowId: string;
  /** Absent for a child workflow, whose run id the parent learns only later. */
  readonly runId?: string;
  readonly activityId?: string;
}

/** A producer of the value at `path` (`args[0]`, `args[1].model`) of a scheduled step. */
export interface ProducerHint extends ProducerRef {
  readonly path: string;
}
