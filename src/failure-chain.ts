/**
 * A failure told root cause first. Temporal wraps an activity's own error twice
 * (`ActivityFailure` → `ApplicationFailure` → the error), so the outermost message ("Activity
 * task failed") says least. Imports nothing, so that the workflow sandbox can use it too.
 */

/** One link of a failure chain. */
export interface FailureLink {
  /** The error's class or failure type: `ActivityFailure`, `ApplicationFailure`, `TypeError`. */
  readonly name: string;
  readonly message: string;
}

/** Past this many links the chain is cut: a cause cycle must not loop. */
const MAX_LINKS = 32;

function link(error: unknown): FailureLink {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return {
      name: typeof name === 'string' && name ? name : 'Error',
      message: typeof message === 'string' ? message : (JSON.stringify(message) ?? ''),
    };
  }
  return { name: typeof error, message: String(error) };
}

/** Each error from `error` down its `cause`s, outermost first. */
export function failureLinks(error: unknown): FailureLink[] {
  const links: FailureLink[] = [];
  const seen = new Set<unknown>();
  for (let e: unknown = error; e !== undefined && e !== null && !seen.has(e) && links.length < MAX_LINKS;) {
    seen.add(e);
    links.push(link(e));
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return links;
}

/**
 * The innermost message that says something, then the chain outermost first:
 * `x always fails (ActivityFailure: Activity task failed → ApplicationFailure: x always fails)`.
 * A failure without causes is just its message.
 */
export function formatFailureLinks(links: readonly FailureLink[]): string {
  const root = [...links].reverse().find((l) => l.message !== '') ?? links[links.length - 1];
  if (!root) return '';
  if (links.length < 2) return root.message;
  return `${root.message} (${links.map((l) => (l.message ? `${l.name}: ${l.message}` : l.name)).join(' → ')})`;
}

/** {@link formatFailureLinks} of an error and its causes. */
export function formatFailure(error: unknown): string {
  return formatFailureLinks(failureLinks(error));
}
