/** The fields that tell one activity of a run apart from another, and order its attempts. */
export interface AttemptLike {
  readonly workflowId: string;
  readonly runId: string;
  readonly activityId: string;
  readonly attempt: number;
}

/** One activity of a run: its last attempt and how many attempts were recorded. */
export interface ActivityAttempts<T extends AttemptLike> {
  /** `workflowId\0runId\0activityId`: unique per activity, stable across queries. */
  readonly key: string;
  /** The attempt with the highest number: the one whose outcome is the activity's. */
  readonly last: T;
  /** The attempt with the lowest number: when the activity was first scheduled. */
  readonly first: T;
  readonly attempts: number;
}

/** The key of an attempt's activity. */
export const activityKey = (e: AttemptLike): string => `${e.workflowId}\0${e.runId}\0${e.activityId}`;

/**
 * Groups attempts by activity and keeps the last attempt of each, in the order the activities'
 * first attempts appear in `attempts`. Diff, rerun plan and run verdict all judge an activity by
 * its last attempt, so they share this one grouping.
 */
export function lastAttempts<T extends AttemptLike>(attempts: readonly T[]): Array<ActivityAttempts<T>> {
  const groups = new Map<string, { key: string; last: T; first: T; attempts: number }>();
  for (const attempt of attempts) {
    const key = activityKey(attempt);
    const group = groups.get(key);
    if (!group) groups.set(key, { key, last: attempt, first: attempt, attempts: 1 });
    else {
      group.attempts++;
      if (attempt.attempt > group.last.attempt) group.last = attempt;
      if (attempt.attempt < group.first.attempt) group.first = attempt;
    }
  }
  return [...groups.values()];
}
