/**
 * Inputs that capture adds to every execution without the activity passing them: the code that
 * ran it and the environment it ran in. They sit at reserved paths that no argument path can take
 * (those start with `args`), so that readers of an execution's arguments — rerun, producer
 * resolution, graph walks, diffs of parameters — tell them apart with one check.
 */

/** The INPUT event path of an execution's `Code` artifact. */
export const CODE_PATH = '$code';
/** The INPUT event path of an execution's `Environment` artifact. */
export const ENVIRONMENT_PATH = '$environment';

/** The artifact type of {@link CODE_PATH}'s artifact. */
export const CODE_TYPE = 'Code';
/** The artifact type of {@link ENVIRONMENT_PATH}'s artifact. */
export const ENVIRONMENT_TYPE = 'Environment';

const TRACKED_PREFIX = '$';

/** Whether an event path is one capture adds by itself rather than an argument or result. */
export function isTrackedPath(path: string): boolean {
  return path.startsWith(TRACKED_PREFIX);
}

/** A SQL LIKE pattern matching every tracked path (`$` is no LIKE wildcard). */
export const TRACKED_PATH_LIKE = `${TRACKED_PREFIX}%`;
