/**
 * The activity interceptor calls the activity, so an error the activity throws carries a stack
 * frame of the interceptor's own. Temporal sends that stack to workflows and clients; capture must
 * be transparent there too, so the frame is taken out before the error passes on.
 */

/** A stack line pointing into `file` (built `.js` or source `.ts`, as source maps may show either). */
function frameOf(file: string): RegExp {
  const base = file.replace(/\.[cm]?[jt]s$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s+at .*${base}\\.[cm]?[jt]s:\\d+`);
}

/**
 * Removes the stack frames of `file` from `error.stack`, in place; anything that is not an Error
 * with a writable string stack is left as it is.
 */
export function stripOwnFrames(error: unknown, file: string): void {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return;
  const own = frameOf(file);
  const lines = error.stack.split('\n');
  const kept = lines.filter((line) => !own.test(line));
  if (kept.length === lines.length) return;
  try {
    error.stack = kept.join('\n');
  } catch {
    // A frozen error keeps its stack: transparency never outranks passing the error on unchanged.
  }
}
